"""A worker process ends when its run ends, even with a thread left running."""

from __future__ import annotations

import subprocess
import sys

import pytest

_SCRIPT = """
import sys, threading, time
from streams.worker import exit_after
threading.Thread(target=lambda: time.sleep(3600)).start()  # not a daemon: blocks exit
{body}
exit_after(run)
"""


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("def run(): sys.exit(3)", 3),
        ("def run(): raise RuntimeError('crashed')", 1),
        ("def run(): return None", 0),
        ("def run(): sys.exit(None)", 0),
    ],
)
def test_the_process_exits_with_the_runs_status(body: str, status: int) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT.format(body=body)], capture_output=True, timeout=60
    )
    assert proc.returncode == status, proc.stderr
