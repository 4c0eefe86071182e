"""The case table on PostgreSQL: ``jsonb`` and ``timestamptz`` columns, via psycopg 3."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import psycopg
from psycopg.types.json import Jsonb

from connectors.sinks.case_table import CaseTable, Dialect


def _as_is(value: Any) -> Any:
    # psycopg already hands back jsonb as Python data.
    return value


def _aware(value: datetime) -> datetime:
    return value


POSTGRES: Final = Dialect(
    name="postgresql",
    json_type="jsonb",
    time_type="timestamptz",
    placeholder="%s",
    to_json=Jsonb,
    from_json=_as_is,
    to_time=_aware,
    from_time=_aware,
)


class PostgresCaseTable(CaseTable):
    """The case table in the PostgreSQL database ``dsn``."""

    def __init__(self, dsn: str) -> None:
        super().__init__("postgresql", POSTGRES, lambda: psycopg.connect(dsn))
