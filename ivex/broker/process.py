"""Start, stop and inspect the local single-node KRaft broker (a detached JVM)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ivex.broker.config import (
    HOST,
    BrokerLayout,
    SecureMode,
    new_cluster_id,
    render_log4j2,
    render_server_properties,
)
from ivex.broker.maven import resolve_jars
from ivex.broker.probe import answers_metadata, port_open
from ivex.broker.tls import ensure_tls
from ivex.errors import BrokerError, BrokerStartError
from ivex.settings import BrokerSettings

#: Called with a short human-readable description of each start-up step.
Progress = Callable[[str], None]

_POLL_S = 0.25

#: Brokers started by this process. Holding the Popen keeps Python from warning that a
#: child still runs when it is garbage-collected, and lets us reap it when it exits.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class BrokerStatus:
    """What ``ivex broker status`` reports."""

    running: bool
    pid: int | None
    bootstrap: str
    kafka_version: str
    state_dir: Path
    log_file: Path
    #: True when ``start`` found the broker already running and did nothing.
    already_running: bool = False


def _no_progress(_: str) -> None:
    return None


class LocalBroker:
    """One local broker, identified by its state directory.

    The JVM runs in its own process group and outlives the command that started it;
    ``stop`` finds it again through the pid file and checks the pid really is this
    broker (its command line names this state dir's ``server.properties``) before
    signalling, so a recycled pid is never killed.
    """

    def __init__(self, settings: BrokerSettings, admin: tuple[str, str] | None = None) -> None:
        """``admin``: (user, password) of the super user; required in secure mode."""
        self.settings = settings
        self.layout = BrokerLayout(settings.state_dir.resolve())
        self._admin = admin

    @property
    def secure(self) -> SecureMode | None:
        """TLS files and admin credentials in secure mode; None for a PLAINTEXT broker."""
        if not self.settings.secure:
            return None
        if self._admin is None:
            raise BrokerError(
                "a secure broker needs the admin's credentials (access.admin_user and its "
                "password in the secrets file); or set broker.secure = false"
            )
        user, password = self._admin
        return SecureMode(self.layout.tls, user, password)

    def client_security(self) -> dict[str, object]:
        """kafka-python options to reach this broker as its admin (empty: PLAINTEXT)."""
        secure = self.secure
        if secure is None:
            return {}
        return {
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": secure.admin_user,
            "sasl_plain_password": secure.admin_password,
            "ssl_cafile": str(secure.tls.ca_cert),
            "ssl_check_hostname": True,
        }

    @property
    def bootstrap(self) -> str:
        """``host:port`` clients connect to."""
        return f"{HOST}:{self.settings.port}"

    # -- status ---------------------------------------------------------------------

    def status(self) -> BrokerStatus:
        """Whether the broker of this state dir runs, and how to reach it."""
        pid = self._running_pid()
        info = self._read_info()
        bootstrap = str(info.get("bootstrap", self.bootstrap)) if pid else self.bootstrap
        version = str(info.get("kafka_version", self.settings.kafka_version))
        return BrokerStatus(
            running=pid is not None,
            pid=pid,
            bootstrap=bootstrap,
            kafka_version=version if pid else self.settings.kafka_version,
            state_dir=self.layout.state_dir,
            log_file=self.layout.server_log,
        )

    # -- start ----------------------------------------------------------------------

    def start(self, *, timeout_s: float = 120.0, progress: Progress = _no_progress) -> BrokerStatus:
        """Start the broker and wait until it answers a metadata request.

        Does nothing (``already_running=True``) when this state dir's broker runs.
        Raises :class:`BrokerStartError` naming the log file when it does not come up
        within ``timeout_s``; the half-started JVM is stopped first.
        """
        current = self.status()
        if current.running:
            return dataclasses.replace(current, already_running=True)
        self._check_ports_free()
        java = _java()
        progress(f"Resolving Apache Kafka {self.settings.kafka_version} jars (Maven Central)")
        libs = resolve_jars(self.settings.cache_dir, self.settings.kafka_version)
        self._write_configs()
        if not self.layout.formatted_marker.is_file():
            progress("Formatting KRaft storage")
            self._format_storage(java, libs)
        else:
            self._check_formatted_ports()
        progress(f"Starting the broker on {self.bootstrap}")
        pid = self._spawn(java, libs)
        progress("Waiting for the broker to answer metadata requests")
        self._wait_ready(pid, timeout_s)
        return self.status()

    def _check_ports_free(self) -> None:
        for port in (self.settings.port, self.settings.controller_port):
            if port_open(HOST, port):
                raise BrokerStartError(
                    f"port {port} on {HOST} is already in use by another process",
                    log_file=str(self.layout.server_log),
                )

    def _write_configs(self) -> None:
        layout = self.layout
        layout.logs_dir.mkdir(parents=True, exist_ok=True)
        layout.data_dir.mkdir(parents=True, exist_ok=True)
        secure = self.secure
        if secure is not None:
            ensure_tls(secure.tls)
        # It may hold the admin's password (inter-broker login): owner-only.
        fd = os.open(layout.server_properties, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(
                render_server_properties(
                    data_dir=layout.data_dir,
                    port=self.settings.port,
                    controller_port=self.settings.controller_port,
                    secure=secure,
                )
            )
        os.chmod(layout.server_properties, 0o600)
        layout.log4j_config.write_text(render_log4j2(layout.server_log), encoding="utf-8")

    def _jvm(self, java: str, libs: Path, main_class: str) -> list[str]:
        return [
            java,
            f"-Xmx{self.settings.heap}",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.layout.log4j_config}",
            f"-Dkafka.logs.dir={self.layout.logs_dir}",
            "-cp",
            f"{libs}/*",
            main_class,
        ]

    def _format_storage(self, java: str, libs: Path) -> None:
        cmd = [
            *self._jvm(java, libs, "kafka.tools.StorageTool"),
            "format",
            # One argument with "=": a base64 id may start with "-", which argparse would
            # otherwise take for an option (seen: intermittent "expected one argument").
            f"--cluster-id={new_cluster_id()}",
            "-c",
            str(self.layout.server_properties),
            "--standalone",
        ]
        secure = self.secure
        if secure is not None:
            # SCRAM users can only authenticate once they exist; the admin must exist
            # before the first client (ivex access apply) connects.
            cmd += [
                "--add-scram",
                f"SCRAM-SHA-512=[name={secure.admin_user},password={secure.admin_password}]",
            ]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        self.layout.console_log.write_text(proc.stdout + proc.stderr, encoding="utf-8")
        if proc.returncode != 0:
            raise BrokerStartError(
                f"formatting KRaft storage failed (exit {proc.returncode})",
                log_file=str(self.layout.console_log),
            )
        self._format_file().write_text(
            json.dumps(
                {"controller_port": self.settings.controller_port, "secure": self.settings.secure}
            ),
            encoding="utf-8",
        )

    def _format_file(self) -> Path:
        return self.layout.state_dir / "format.json"

    def _check_formatted_ports(self) -> None:
        # The standalone voter set written at format time names the controller endpoint.
        try:
            formatted = json.loads(self._format_file().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if formatted.get("secure", False) != self.settings.secure:
            raise BrokerStartError(
                f"storage in {self.layout.data_dir} was formatted with broker.secure = "
                f"{formatted.get('secure', False)}; delete the state dir to change mode",
                log_file=str(self._format_file()),
            )
        port = formatted.get("controller_port")
        if port is not None and port != self.settings.controller_port:
            raise BrokerStartError(
                f"storage in {self.layout.data_dir} was formatted for controller port {port}, "
                f"not {self.settings.controller_port}; use that port or delete the state dir",
                log_file=str(self._format_file()),
            )

    def _spawn(self, java: str, libs: Path) -> int:
        cmd = [*self._jvm(java, libs, "kafka.Kafka"), str(self.layout.server_properties)]
        with self.layout.console_log.open("ab") as console:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                cwd=self.layout.state_dir,
                start_new_session=True,
                close_fds=True,
            )
        _CHILDREN[proc.pid] = proc
        self.layout.pid_file.write_text(f"{proc.pid}\n", encoding="utf-8")
        self.layout.info_file.write_text(
            json.dumps(
                {
                    "pid": proc.pid,
                    "bootstrap": self.bootstrap,
                    "kafka_version": self.settings.kafka_version,
                    "port": self.settings.port,
                    "controller_port": self.settings.controller_port,
                    "started_at": time.time(),
                }
            ),
            encoding="utf-8",
        )
        return proc.pid

    def _wait_ready(self, pid: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            # Whether it is alive, not whether its command line is the JVM's: just after
            # the fork it is still this interpreter's until the exec (seen under load,
            # where a healthy broker was taken for one that exited and left running).
            if not _alive(pid):
                self._cleanup_files()
                raise BrokerStartError(
                    "the broker exited during start-up", log_file=str(self._best_log())
                )
            if port_open(HOST, self.settings.port) and answers_metadata(
                self.bootstrap, 5.0, **self.client_security()
            ):
                return
            time.sleep(_POLL_S)
        self.stop()
        raise BrokerStartError(
            f"the broker did not answer within {timeout_s:.0f}s", log_file=str(self._best_log())
        )

    def _best_log(self) -> Path:
        server_log = self.layout.server_log
        return (
            server_log
            if server_log.is_file() and server_log.stat().st_size
            else (self.layout.console_log)
        )

    # -- stop -----------------------------------------------------------------------

    def stop(self, *, timeout_s: float = 30.0) -> bool:
        """Stop the broker: SIGTERM to its process group, then SIGKILL after ``timeout_s``.

        Returns False when no broker of this state dir was running (not an error).
        """
        pid = self._running_pid()
        if pid is None:
            self._cleanup_files()
            return False
        _signal_group(pid, signal.SIGTERM)
        if not _wait_gone(pid, timeout_s):
            _signal_group(pid, signal.SIGKILL)
            if not _wait_gone(pid, 10.0):
                raise BrokerError(f"broker pid {pid} survived SIGKILL")
        # Stragglers of the group (none expected) go too, so nothing is left behind.
        _signal_group(pid, signal.SIGKILL)
        self._cleanup_files()
        return True

    def _cleanup_files(self) -> None:
        for path in (self.layout.pid_file, self.layout.info_file):
            path.unlink(missing_ok=True)

    # -- pid bookkeeping ------------------------------------------------------------

    def _running_pid(self) -> int | None:
        try:
            pid = int(self.layout.pid_file.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return None
        return pid if self._is_our_broker(pid) else None

    def _is_our_broker(self, pid: int) -> bool:
        if not _alive(pid):
            return False
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        args = [a.decode("utf-8", "replace") for a in cmdline]
        return "kafka.Kafka" in args and str(self.layout.server_properties) in args

    def _read_info(self) -> dict[str, object]:
        try:
            data = json.loads(self.layout.info_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise BrokerError("java is not on PATH (nor in JAVA_HOME); Kafka needs Java 17+")
    return java


def _alive(pid: int) -> bool:
    # Reap it if it is our own child, else a dead broker would linger as a zombie.
    child = _CHILDREN.get(pid)
    if child is not None and child.poll() is not None:
        del _CHILDREN[pid]
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return False
    # The state letter follows the parenthesised command name, which may contain spaces.
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in ("Z", "X")


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _wait_gone(pid: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(_POLL_S)
    return not _alive(pid)
