"""The case engine: plain Python, no Kafka, no clock (docs/rules.md).

The modules may also be compiled with mypyc in place (``scripts/accelerate.py``, run by
``make setup``); this file is never compiled. It makes sure that compiled modules are
only used when they were built from the current sources: if a source changed since the
build (or ``IVEX_PURE_ENGINE=1`` is set), the engine's submodules are imported from
their ``.py`` files instead, with a warning in the stale case. ``streams.engine.engine.
__file__`` tells which one is loaded (``.py`` or ``.so``).

The choice is an explicit call, :func:`select_build`, made by every entry point before
the engine is imported — the ``ivex`` command (:func:`ivex.cli.main.main`, which also
starts the stream workers), the test suite (``tests/conftest.py``) and the benchmarks
(``bench/__init__.py``) — not a side effect of importing this package.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

_HERE = Path(__file__).parent
#: Written by scripts/accelerate.py: SHA-256 of each compiled source, by relative path.
_MANIFEST = _HERE / ".compiled.json"


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Finds this package's submodules as ``.py`` files, ahead of any extension module."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        """The source spec of ``fullname`` if it is below this package, else None."""
        if not fullname.startswith(__name__ + ".") or not path:
            return None
        base = Path(path[0]) / fullname.rpartition(".")[2]
        if (base / "__init__.py").is_file():
            return importlib.util.spec_from_file_location(
                fullname, base / "__init__.py", submodule_search_locations=[str(base)]
            )
        if base.with_suffix(".py").is_file():
            return importlib.util.spec_from_file_location(fullname, base.with_suffix(".py"))
        return None


def _stale_reason() -> str | None:
    """Why the compiled modules must not be used, or None (also when there are none)."""
    if not _MANIFEST.exists():
        # Extension modules without a manifest were not built by scripts/accelerate.py
        # (or the build was interrupted): their sources are unknown.
        return "no build manifest" if any(_HERE.rglob("*.so")) else None
    try:
        recorded: dict[str, str] = json.loads(_MANIFEST.read_text())
    except (OSError, ValueError):
        return "unreadable build manifest"
    current = {
        str(p.relative_to(_HERE)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in _HERE.rglob("*.py")
        if p != _HERE / "__init__.py"
    }
    changed = sorted(set(current.items()) ^ set(recorded.items()))
    if changed:
        return f"sources changed since the build: {', '.join(sorted({n for n, _ in changed}))}"
    return None


_selected = False


def select_build() -> None:
    """Use the compiled engine only if it was built from the current sources.

    Call it before anything imports the engine's submodules; later calls do nothing.
    Without it, Python prefers a compiled module over its source, even a stale one.
    """
    global _selected
    if _selected:
        return
    _selected = True
    early = sorted(m for m in sys.modules if m.startswith(__name__ + "."))
    if early:
        warnings.warn(
            f"select_build() called after {', '.join(early)} was imported: too late to choose",
            RuntimeWarning,
            stacklevel=2,
        )
    if os.environ.get("IVEX_PURE_ENGINE", "") not in ("", "0"):
        sys.meta_path.insert(0, _SourceFinder())
        return
    reason = _stale_reason()
    if reason is not None:
        warnings.warn(
            f"compiled streams.engine not used ({reason}); using the pure-Python engine. "
            "Rebuild with `.venv/bin/python scripts/accelerate.py`.",
            RuntimeWarning,
            stacklevel=2,
        )
        sys.meta_path.insert(0, _SourceFinder())
