"""Start and stop stream workers (``ivex streams worker``) as child processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ivex.errors import IvexError


@contextmanager
def running_workers(
    count: int, run_dir: Path, env: dict[str, str], app_id: str, runtime: str = "batch"
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Run ``count`` workers sharing ``app_id`` on ``runtime``; terminate (then kill)
    them on exit."""
    procs = []
    try:
        for n in range(count):
            data_dir = run_dir / "workers" / f"w{n}"
            data_dir.mkdir(parents=True, exist_ok=True)
            log = (run_dir / f"worker-{n}.log").open("wb")
            cmd = [
                sys.executable, "-m", "ivex", "streams", "worker",
                "--app-id", app_id, "--data-dir", str(data_dir), "--runtime", runtime,
            ]  # fmt: skip
            procs.append(
                subprocess.Popen(
                    cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            )
        yield procs
    finally:
        for proc in procs:
            _stop(proc)


class WorkerDiedError(IvexError):
    """A stream worker exited while the demo needed it."""

    code = "worker_died"

    def __init__(self, returncode: int, log: Path) -> None:
        super().__init__(f"a stream worker exited with code {returncode}; see {log}")
        self.returncode = returncode
        self.log = log


def check_alive(procs: list[subprocess.Popen[bytes]], run_dir: Path) -> None:
    """Raise :class:`WorkerDiedError` if any worker has exited."""
    for n, proc in enumerate(procs):
        if proc.poll() is not None:
            raise WorkerDiedError(proc.returncode, run_dir / f"worker-{n}.log")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
