"""Restartable ``ivex`` child processes to kill, pause and restart, each with its own log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ivex.access.clients import process_env
from ivex.settings import Settings

IVEX = Path(sys.executable).parent / "ivex"
#: The pseudonymisation key of the test publishers (any fixed bytes do).
KEY = "faults-test-key"


def child_env(settings: Settings) -> dict[str, str]:
    """Environment of an ivex child connecting as ``settings``' principal and prefix."""
    env = os.environ | process_env(settings)
    env.pop("IVEX_CONFIG", None)
    env[settings.pseudonymisation.key_env] = KEY
    return env


@dataclass
class Child:
    """One ``ivex …`` command, started again after each kill; output appended to ``log``."""

    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    _out: IO[bytes] | None = field(default=None, repr=False)

    def start(self) -> Child:
        """Start the command (again)."""
        self._close()
        self._out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [str(IVEX), *self.args], env=self.env, stdout=self._out, stderr=subprocess.STDOUT
        )
        self.starts += 1
        return self

    @property
    def alive(self) -> bool:
        """True while the process runs."""
        return self.proc is not None and self.proc.poll() is None

    def returncode(self) -> int | None:
        """Exit code once it exited, else None."""
        return None if self.proc is None else self.proc.poll()

    def kill(self) -> bool:
        """SIGKILL (no shutdown, no commit, no flush); True if it was running."""
        was = self.alive
        if self.proc is not None:
            if was:
                self.proc.kill()
            self.proc.wait(30)
        self._close()
        return was

    def signal(self, sig: signal.Signals) -> None:
        """Send ``sig`` if the process runs."""
        if self.alive and self.proc is not None:
            self.proc.send_signal(sig)

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM, then SIGKILL."""
        if self.alive and self.proc is not None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)
        self._close()

    def tail(self, lines: int = 30) -> str:
        """The last ``lines`` lines of the log, for failure messages."""
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return f"--- {self.name} ---\n" + "\n".join(text.splitlines()[-lines:])

    def _close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
