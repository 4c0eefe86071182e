"""Subscriber sinks: where a partner city stores the requests and notices it receives.

:func:`open_sink` picks one from a target string, :func:`open_case_table` a case table.
"""

from __future__ import annotations

import re

from connectors.sinks.base import Sink, SinkItem, render
from connectors.sinks.case_table import CaseTable
from connectors.sinks.jsonl import JsonLinesSink
from connectors.sinks.postgres import PostgresCaseTable
from connectors.sinks.sqlite import PREFIX as SQLITE_PREFIX
from connectors.sinks.sqlite import SqliteCaseTable, sqlite_path
from connectors.sinks.webhook import WebhookOptions, WebhookSink
from ivex.errors import ConfigError

_CONNINFO = re.compile(r"\s*[a-z_]+\s*=")
TARGETS = "postgresql://…, sqlite:///path.db, http(s)://…/hook, jsonl:- or jsonl:/path/file.jsonl"


def _is_postgres(target: str) -> bool:
    # A URL, or libpq's keyword form ("host=… dbname=…").
    return target.startswith(("postgresql://", "postgres://")) or bool(_CONNINFO.match(target))


def open_case_table(target: str) -> CaseTable:
    """The case table named by a PostgreSQL DSN (URL or keywords) or a ``sqlite:///`` path."""
    if _is_postgres(target):
        return PostgresCaseTable(target)
    if target.startswith(SQLITE_PREFIX):
        return SqliteCaseTable(sqlite_path(target))
    raise ConfigError(f"not a case table: expected postgresql://… or sqlite:///…, got {target!r}")


def open_sink(target: str) -> Sink:
    """The sink named by ``target`` (see :data:`TARGETS`); :class:`ConfigError` otherwise."""
    if target.startswith(("http://", "https://")):
        return WebhookSink(target)
    if target.startswith("jsonl:"):
        return JsonLinesSink(target.removeprefix("jsonl:") or "-")
    if _is_postgres(target) or target.startswith(SQLITE_PREFIX):
        return open_case_table(target)
    raise ConfigError(f"unknown sink {target!r}; one of {TARGETS}")


__all__ = [
    "TARGETS",
    "CaseTable",
    "JsonLinesSink",
    "PostgresCaseTable",
    "Sink",
    "SinkItem",
    "SqliteCaseTable",
    "WebhookOptions",
    "WebhookSink",
    "open_case_table",
    "open_sink",
    "render",
]
