"""Helpers of the connector integration tests: input files, topic reads, the leak scan."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from connectors.columns import column_names
from connectors.examples import EXAMPLE_ROWS, MOTHER_ID
from ivex.identity import looks_like_resident_id
from ivex.settings import Settings
from ivex.topic_reader import LogRecord, read_topics
from ivex.topics import Stream, TopicNames

KEY = b"integration-test-key"
_RECORDED = datetime(2025, 3, 4, 10, 0, tzinfo=timezone(timedelta(hours=8)))
#: Fails its check character (the right one is 6).
BAD_CHECK_ID = MOTHER_ID[:17] + "9"


def birth_row(n: int, **changes: str) -> dict[str, str]:
    """A valid births row with its own record_id, recorded ``n`` minutes after the example."""
    row = dict(EXAMPLE_ROWS["births"])
    row["record_id"] = f"B-{n:05d}"
    row["certificate_no"] = f"P{n:08d}"
    row["recorded_at"] = (_RECORDED + timedelta(minutes=n)).isoformat()
    row.update(changes)
    return row


def bad_birth_rows() -> list[tuple[dict[str, str], str, str]]:
    """Rows with exactly one fault each, with the field and reason they must get."""
    return [
        (
            birth_row(901, mother_id_number=BAD_CHECK_ID),
            "mother_id_number",
            "check character does not match (ISO 7064 MOD 11-2)",
        ),
        (
            birth_row(902, child_sex="male"),
            "child_sex",
            "must be one of: MALE, FEMALE, UNDETERMINED",
        ),
        (birth_row(903, birth_date="2024-2-3"), "birth_date", "must be a date in YYYY-MM-DD form"),
        (
            birth_row(904, mother_hukou_city="110105"),
            "mother_hukou_city",
            "not a member city of the federation",
        ),
        # An ID number in the wrong column must not leak either.
        (
            birth_row(905, facility_code=MOTHER_ID, plurality="many"),
            "plurality",
            "must be an integer",
        ),
    ]


def write_csv(path: Path, stream: Stream, rows: list[dict[str, str]]) -> Path:
    """Write ``rows`` as a CSV file with the stream's full header."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(column_names(stream)))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Write ``rows`` as JSON Lines."""
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def read_all(settings: Settings, topic: str) -> list[LogRecord]:
    """Every message of ``topic`` as it stands now."""
    return list(read_topics(settings, [topic]))


def events(records: list[LogRecord], ce_type: str | None = None) -> list[LogRecord]:
    """Records that are not watermarks (or only those of ``ce_type``)."""
    if ce_type is not None:
        return [r for r in records if r.header("ce_type") == ce_type]
    return [r for r in records if r.header("ce_type") != "SourceWatermark"]


def assert_no_id_leak(settings: Settings) -> int:
    """Scan every topic of the federation: no key, value or header may hold an ID number.

    Returns how many messages were scanned (so a test can tell the scan saw something).
    """
    names = [spec.name for spec in TopicNames(settings).specs()]
    scanned = 0
    for record in read_topics(settings, names):
        scanned += 1
        parts = [record.key or b"", record.value or b""]
        parts += [k.encode() + b"=" + (v or b"") for k, v in record.headers]
        for part in parts:
            text = part.decode("latin-1")
            assert not looks_like_resident_id(text), f"ID number leaked on {record.topic}"
    return scanned
