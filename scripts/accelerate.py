"""Compile the case engine (``streams/engine``) with mypyc, in place: optional and safe.

Usage: ``.venv/bin/python scripts/accelerate.py [--clean] [--strict] [--jobs N]``

The extension modules are written next to the ``.py`` files (gitignored), so that
``import streams.engine...`` picks them up; the sources stay the reference and the
fallback. The build is all-or-nothing: the previous artifacts are removed first, and if
mypyc, the C compiler or the import check after the build fails, every artifact is
removed again and a warning says that the pure-Python engine is used. The exit status is
then 0 (so that ``make setup`` goes on), or 1 with ``--strict``.

``streams/engine/__init__.py`` is left uncompiled on purpose: it checks at import that
the compiled modules were built from the current sources (hashes in
``streams/engine/.compiled.json``) and falls back to the sources if not, or if
``IVEX_PURE_ENGINE=1`` is set.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "streams" / "engine"
#: mypyc puts the code of all modules in one shared library named ``<group>__mypyc``. With
#: the default (hash) name it lands at the project root, which is not on ``sys.path`` for
#: console scripts such as ``ivex``; named after the package it lands in ``streams/``.
GROUP = "streams.engine"
MANIFEST = ENGINE / ".compiled.json"
BUILD_DIR = ROOT / "build" / "mypyc"
TIMEOUT_S = 600


def sources() -> list[Path]:
    """The modules to compile: every engine module but the package's ``__init__.py``."""
    return sorted(p for p in ENGINE.rglob("*.py") if p != ENGINE / "__init__.py")


def artifacts() -> list[Path]:
    """Compiled files of a previous build (extension modules and the manifest)."""
    found = [*ENGINE.rglob("*.so"), *ENGINE.rglob("*.pyd")]
    found += [*ENGINE.parent.glob("engine__mypyc*.so"), *ENGINE.parent.glob("engine__mypyc*.pyd")]
    if MANIFEST.exists():
        found.append(MANIFEST)
    return found


def clean() -> None:
    """Remove the compiled engine: imports fall back to the sources."""
    for path in artifacts():
        path.unlink()
    shutil.rmtree(BUILD_DIR, ignore_errors=True)


def digest(path: Path) -> str:
    """SHA-256 of a file (the staleness check in ``streams/engine/__init__.py`` is the same)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(code: str, what: str) -> str | None:
    """Run ``code`` in a child interpreter at the project root; the error text or None.

    A child process so that a mypyc error (which may exit) or a crash of the compiled code
    cannot take this script down before it has cleaned up.
    """
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{what}: {exc}"
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-12:])
        return f"{what} failed (exit {proc.returncode}):\n{textwrap.indent(tail, '    ')}"
    return None


def build(jobs: int) -> str | None:
    """Compile in place; the error text or None."""
    paths = [str(p.relative_to(ROOT)) for p in sources()]
    code = f"""
from setuptools import setup
from mypyc.build import mypycify
setup(
    name="ivex-engine-mypyc",
    ext_modules=mypycify({paths!r}, group_name={GROUP!r}, target_dir={str(BUILD_DIR)!r}),
    script_args=["build_ext", "--inplace", "--parallel", "{jobs}",
                 "--build-temp", {str(BUILD_DIR / "temp")!r}],
)
"""
    return _run(code, "mypyc build")


def check() -> str | None:
    """Import every compiled module (and the engine through the package) in a fresh process."""
    names = [
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in sources()
    ]
    code = f"""
import importlib
for name in {names!r}:
    mod = importlib.import_module(name)
    assert not mod.__file__.endswith(".py"), f"{{name}} was loaded from {{mod.__file__}}"
from streams.engine.engine import CaseEngine
from streams.engine.params import EngineParams
from streams.engine.facts import Watermark
engine = CaseEngine(EngineParams(cities=("620200",)))
engine.apply(Watermark("w", "620200", "births", 0, 0))
"""
    return _run(code, "import check of the compiled engine")


def main() -> int:
    """Build (or ``--clean``); 0 unless ``--strict`` and the build failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clean", action="store_true", help="remove the compiled engine")
    parser.add_argument("--strict", action="store_true", help="exit 1 if the build fails")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="C compile jobs")
    args = parser.parse_args()
    clean()
    if args.clean:
        print("accelerate: compiled engine removed; the pure-Python engine is used")
        return 0
    t0 = time.monotonic()
    error = build(args.jobs)
    if error is None:
        # Written before the check: without it the package would refuse the modules.
        hashes = {str(p.relative_to(ENGINE)): digest(p) for p in sources()}
        MANIFEST.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n")
        error = check()
    if error is not None:
        clean()
        print(
            f"WARNING: accelerate: could not compile streams/engine with mypyc; "
            f"the pure-Python engine will be used (correct, slower).\n{error}",
            file=sys.stderr,
        )
        return 1 if args.strict else 0
    shutil.rmtree(BUILD_DIR, ignore_errors=True)  # C sources and objects: ~20 MB, not needed
    print(
        f"accelerate: streams/engine compiled with mypyc in {time.monotonic() - t0:.0f} s "
        f"({len(sources())} modules); IVEX_PURE_ENGINE=1 selects the pure-Python engine"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
