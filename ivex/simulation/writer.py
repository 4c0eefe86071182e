"""Rendering facts as the connectors' input files: one per city and stream.

The format is the contract with the connectors: UTF-8, a header row, the docs/events.md
fields of the stream without ``event_id`` and with raw ID numbers in place of
references (``mother_id_number``, ``child_id_number``); dates ``YYYY-MM-DD``,
``recorded_at`` ISO 8601 with its zone, booleans ``true``/``false``, optional fields
empty (CSV) or ``null`` (JSON Lines) when absent. Rows are sorted by ``recorded_at``.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from ivex.simulation.dice import Dice, rng_for
from ivex.simulation.faults import Row, corrupt
from ivex.simulation.model import STREAMS, Fact, Version
from ivex.simulation.params import SimParams

_COMMON = ("record_id", "action", "source_city", "recorded_at")

#: The columns of each stream's file, in order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "births": (
        *_COMMON,
        "mother_id_number",
        "mother_hukou_city",
        "birth_date",
        "child_sex",
        "birth_order",
        "plurality",
        "gestational_weeks",
        "delivery_place",
        "facility_code",
        "certificate_no",
    ),
    "registrations": (
        *_COMMON,
        "child_id_number",
        "mother_id_number",
        "birth_date",
        "child_sex",
        "certificate_no",
        "birth_place_city",
        "registered_on",
    ),
    "terminations": (
        *_COMMON,
        "mother_id_number",
        "mother_hukou_city",
        "procedure_date",
        "gestational_weeks",
        "method",
        "medical_indication",
        "approval_ref",
        "facility_code",
    ),
    "pregnancies": (
        *_COMMON,
        "mother_id_number",
        "mother_hukou_city",
        "residence_city",
        "reported_on",
        "expected_delivery_date",
        "gestational_weeks_at_report",
        "existing_children",
    ),
}
_ID_FIELDS = ("mother_id_number", "child_id_number")
_ACTION_ORDER = {"RECORD": 0, "CORRECT": 1, "VOID": 2}
FORMATS = ("csv", "jsonl")


def render(version: Version) -> Row:
    """A version as JSON-typed values (dates and instants as text)."""
    row: Row = {
        "record_id": version.fact.record_id,
        "action": version.action,
        "source_city": version.source_city,
        "recorded_at": version.recorded_at.isoformat(timespec="seconds"),
    }
    for name in COLUMNS[version.stream][len(_COMMON) :]:
        value = version.fields[name]
        row[name] = value.isoformat() if isinstance(value, date | datetime) else value
    return row


@dataclass
class FileStats:
    """What one file holds."""

    rows: int = 0
    records: int = 0
    malformed: Counter[str] = field(default_factory=Counter)
    duplicate_rows: int = 0
    lowercase_x: int = 0


def file_rows(
    stream: str, versions: Iterable[Version], params: SimParams
) -> tuple[list[Row], FileStats]:
    """The rows of one file: valid rows plus the row-level faults, in recorded_at order."""
    ordered = sorted(
        versions,
        key=lambda v: (v.recorded_at, v.fact.record_id, _ACTION_ORDER[v.action]),
    )
    stats = FileStats()
    rows: list[Row] = []
    for v in ordered:
        row = render(v)
        subject = f"{v.fact.key}|{v.action}|{row['recorded_at']}"
        dice = Dice(params.seed, subject)
        for name in _ID_FIELDS:
            value = row.get(name)
            if (
                isinstance(value, str)
                and value.endswith("X")
                and dice.hit(f"lowercase_{name}", params.demography.lowercase_x)
            ):
                row[name] = value[:-1] + "x"
                stats.lowercase_x += 1
        if dice.hit("malformed", params.faults.malformed):
            kind, bad = corrupt(stream, row, rng_for(params.seed, "row", subject), params.cities)
            rows.append(bad)
            stats.malformed[kind] += 1
        rows.append(row)
        stats.records += 1
        if dice.hit("duplicate_row", params.faults.duplicate_row):
            rows.append(dict(row))
            stats.duplicate_rows += 1
    stats.rows = len(rows)
    return rows, stats


def to_csv(stream: str, rows: Iterable[Row]) -> str:
    """CSV text: header, then one line per row; booleans true/false, absent values empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = COLUMNS[stream]
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_value(row.get(c)) for c in columns])
    return buffer.getvalue()


def _csv_value(value: str | int | bool | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_jsonl(stream: str, rows: Iterable[Row]) -> str:
    """JSON Lines text: one object per row, keys in column order, absent values null."""
    columns = COLUMNS[stream]
    lines = [json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False) for row in rows]
    return "".join(line + "\n" for line in lines)


def write_streams(
    facts: Iterable[Fact], params: SimParams, out_dir: Path, fmt: str
) -> dict[str, dict[str, FileStats]]:
    """Write ``<out_dir>/<city>/<stream>.<fmt>`` for every member city and stream."""
    by_file: dict[tuple[str, str], list[Version]] = {
        (c, s): [] for c in params.cities for s in STREAMS
    }
    for fact in facts:
        by_file[(fact.source_city, fact.stream)].extend(fact.versions)
    stats: dict[str, dict[str, FileStats]] = {c: {} for c in params.cities}
    for (city, stream), versions in by_file.items():
        stats[city][stream] = write_stream_file(city, stream, versions, params, out_dir, fmt)
    return stats


def write_stream_file(
    city: str, stream: str, versions: list[Version], params: SimParams, out_dir: Path, fmt: str
) -> FileStats:
    """Write ``<out_dir>/<city>/<stream>.<fmt>`` from the city's versions of the stream (in
    the order of its facts), as :func:`write_streams` does for every file."""
    rows, file_stats = file_rows(stream, versions, params)
    text = to_csv(stream, rows) if fmt == "csv" else to_jsonl(stream, rows)
    path = out_dir / city / f"{stream}.{fmt}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return file_stats
