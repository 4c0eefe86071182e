"""JSON Lines sink: one rendered request or notice per line, to stdout or a file.

At-least-once: a batch written before a crash but not yet committed is written again on
restart. Readers that need one line per id keep the last line per ``request_id``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from connectors.sinks.base import SinkItem, render


class JsonLinesSink:
    """Appends to ``path`` (``-`` for stdout); each batch is flushed and fsynced."""

    name = "jsonl"

    def __init__(self, path: str) -> None:
        self._path = path
        self._out: TextIO | None = None

    def open(self) -> None:
        """Open the file for appending (stdout needs nothing)."""
        if self._path == "-":
            self._out = sys.stdout
        else:
            self._out = Path(self._path).open("a", encoding="utf-8")  # noqa: SIM115 - held open

    def write(self, items: Sequence[SinkItem]) -> None:
        """Write one line per item, then flush (and fsync a file) before returning."""
        out = self._out
        assert out is not None, "open() first"
        out.write("".join(json.dumps(render(i), ensure_ascii=False) + "\n" for i in items))
        out.flush()
        if out is not sys.stdout:
            os.fsync(out.fileno())

    def close(self) -> None:
        """Close the file (never stdout)."""
        if self._out is not None and self._out is not sys.stdout:
            self._out.close()
        self._out = None
