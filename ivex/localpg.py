"""A throwaway PostgreSQL cluster from Debian's binaries, for tests and the demo.

``initdb`` and ``pg_ctl`` come from ``/usr/lib/postgresql/<version>/bin`` (the package
``postgresql`` is installed with apt-get when missing and we are root). PostgreSQL
refuses to run as root, so as root every server command runs as the ``postgres`` system
user through ``runuser`` (the user is created if missing) and the data directory is
handed to it. The server listens on 127.0.0.1 only, on a free port, trusts local
connections (it is throwaway) and keeps its socket in the data directory.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import psycopg
from psycopg import sql

from ivex.errors import IvexError

PG_ROOT: Final = Path("/usr/lib/postgresql")
OS_USER: Final = "postgres"
DB_USER: Final = "ivex"


class LocalPostgresError(IvexError):
    """The local PostgreSQL cluster could not be installed, initialised, started or stopped."""

    code = "local_postgres_error"

    def __init__(self, reason: str, *, data_dir: str) -> None:
        super().__init__(f"local PostgreSQL at {data_dir}: {reason}")
        self.reason = reason
        self.data_dir = data_dir


@dataclass(frozen=True)
class LocalPostgres:
    """A running local cluster: where it lives and how to reach it."""

    data_dir: Path
    port: int
    bin_dir: Path

    @property
    def dsn(self) -> str:
        """libpq connection string of the ``postgres`` database as the ``ivex`` superuser."""
        return self.dsn_for("postgres")

    def dsn_for(self, database: str) -> str:
        """libpq connection string of ``database``."""
        return f"postgresql://{DB_USER}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        """Stop the server (fast shutdown); the data directory stays."""
        _run(
            [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
            self.data_dir,
        )


def bin_dir() -> Path:
    """The newest installed PostgreSQL ``bin`` folder, installing the package if needed."""
    found = _installed()
    if found is None:
        _install()
        found = _installed()
    if found is None:
        raise LocalPostgresError("PostgreSQL binaries not found after install", data_dir="-")
    return found


def _installed() -> Path | None:
    if not PG_ROOT.is_dir():
        return None
    versions = sorted(
        (p for p in PG_ROOT.iterdir() if (p / "bin" / "initdb").is_file()),
        key=lambda p: int(p.name) if p.name.isdigit() else 0,
    )
    return versions[-1] / "bin" if versions else None


def _install() -> None:
    if os.geteuid() != 0:
        raise LocalPostgresError(
            "PostgreSQL is not installed; run `apt-get install -y postgresql`", data_dir="-"
        )
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "postgresql"]):
        subprocess.run(cmd, check=True, env=env, capture_output=True)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(data_dir: Path, *, port: int | None = None, timeout_s: float = 60) -> LocalPostgres:
    """Initialise ``data_dir`` if empty, start a server on 127.0.0.1 and wait for it."""
    data_dir = data_dir.resolve()
    binaries = bin_dir()
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    _hand_over(data_dir)
    if not (data_dir / "PG_VERSION").exists():
        _run(
            [
                str(binaries / "initdb"),
                "-D",
                str(data_dir),
                "-U",
                DB_USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
            ],
            data_dir,
        )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {data_dir} -c fsync=off"
    log_file = data_dir / "server.log"
    _run(
        [
            str(binaries / "pg_ctl"),
            "-D",
            str(data_dir),
            "-l",
            str(log_file),
            "-o",
            options,
            "-w",
            "-t",
            str(int(timeout_s)),
            "start",
        ],
        data_dir,
    )
    server = LocalPostgres(data_dir, port, binaries)
    _wait_ready(server, timeout_s)
    return server


def _wait_ready(server: LocalPostgres, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise LocalPostgresError("server did not accept connections", data_dir=str(server.data_dir))


def _as_server_user(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root.
    if os.geteuid() != 0:
        return cmd
    _ensure_os_user()
    return ["runuser", "-u", OS_USER, "--", *cmd]


def _ensure_os_user() -> None:
    result = subprocess.run(["id", "-u", OS_USER], capture_output=True, check=False)
    if result.returncode != 0:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OS_USER],
            check=True,
            capture_output=True,
        )


def _hand_over(data_dir: Path) -> None:
    if os.geteuid() != 0:
        return
    _ensure_os_user()
    shutil.chown(data_dir, user=OS_USER, group=None)
    data_dir.chmod(0o700)
    # The server user must be able to reach the data directory through its parents.
    for parent in data_dir.parents:
        if parent == Path("/"):
            break
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


def _run(cmd: list[str], data_dir: Path) -> None:
    result = subprocess.run(
        _as_server_user(cmd), capture_output=True, text=True, check=False, cwd="/"
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise LocalPostgresError(
            f"{Path(cmd[0]).name} failed: {' | '.join(detail)}", data_dir=str(data_dir)
        )


def create_database(server: LocalPostgres, name: str) -> str:
    """Create database ``name`` and return its DSN."""
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return server.dsn_for(name)
