"""A worker process ends when its run ends, even with a thread left running."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


@pytest.mark.parametrize(("body", "called"), [("return None", True), ("sys.exit(1)", False)])
def test_the_clean_exit_hook_runs_only_after_a_clean_run(
    body: str, called: bool, tmp_path: Path
) -> None:
    mark = tmp_path / "clean"
    script = (
        "import sys, pathlib\n"
        "from streams.worker import exit_after\n"
        f"def run():\n    {body}\n"
        f"exit_after(run, on_clean_exit=pathlib.Path({str(mark)!r}).touch)\n"
    )
    subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert mark.exists() is called
