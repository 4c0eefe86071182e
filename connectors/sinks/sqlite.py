"""The case table on SQLite, the demo's zero-setup backend: same schema and semantics.

JSON columns hold text; timestamps hold fixed-width ISO 8601 text in UTC with
milliseconds, so text order is time order. WAL mode lets ``ivex respond`` and ``ivex
requests`` read while a subscriber writes; ``synchronous=FULL`` makes a commit durable.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from connectors.sinks.case_table import CaseTable, Dialect

PREFIX: Final = "sqlite:///"


def _time_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


SQLITE: Final = Dialect(
    name="sqlite",
    json_type="text",
    time_type="text",
    placeholder="?",
    to_json=_json_text,
    from_json=json.loads,
    to_time=_time_text,
    from_time=datetime.fromisoformat,
)


def sqlite_path(target: str) -> Path:
    """The file of a ``sqlite:///path.db`` target (``sqlite:////abs/path.db`` is absolute)."""
    return Path(target.removeprefix(PREFIX))


class SqliteCaseTable(CaseTable):
    """The case table in the SQLite file ``path``."""

    def __init__(self, path: str | Path) -> None:
        super().__init__("sqlite", SQLITE, lambda: _connect(Path(path)))


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn
