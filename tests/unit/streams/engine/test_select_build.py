"""The engine build is chosen by an explicit call from the entry points, not on import."""

from __future__ import annotations

import os
import subprocess
import sys


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "always", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | env,
    )


def test_pure_engine_is_chosen_by_the_call() -> None:
    out = _run(
        "from streams.engine import select_build\n"
        "select_build()\n"
        "import streams.engine.engine as e\n"
        "print(e.__file__)\n",
        IVEX_PURE_ENGINE="1",
    )
    assert out.stdout.strip().endswith("engine.py")


def test_importing_the_package_chooses_nothing() -> None:
    out = _run("import sys, streams.engine\nprint(sys.meta_path[0].__class__.__name__)\n")
    assert out.stdout.strip() != "_SourceFinder"


def test_a_late_call_says_it_is_too_late() -> None:
    out = _run(
        "import streams.engine.facts\nfrom streams.engine import select_build\nselect_build()\n",
        IVEX_PURE_ENGINE="1",
    )
    assert "too late" in out.stderr
