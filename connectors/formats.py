"""Readers of the connectors' input formats: CSV with a header, and JSON Lines.

A reader turns a file into :class:`InputRow` objects and nothing more: values stay as
they came (text for CSV, JSON values for JSON Lines); typing and validation are
:mod:`connectors.rows`' job. A row that cannot even be read as a row (a JSON line that is
not an object, a CSV row with more values than the header) still comes out, carrying
its :class:`RecordRejected`, so it reaches the DLQ with its line number instead of
stopping the file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

from ivex.errors import IvexError, RecordRejected

Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl")
_EXTENSIONS: dict[str, Format] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
#: File name suffixes with a known format (what ``ivex publish DIR`` picks up).
SUFFIXES: tuple[str, ...] = tuple(_EXTENSIONS)

#: Key under which an unreadable line keeps its text (masked later, like every value).
RAW_KEY = "_raw"


class UnknownFormatError(IvexError):
    """The input format could not be told from the file name and was not given."""

    code = "unknown_format"

    def __init__(self, path: str) -> None:
        super().__init__(f"{path}: cannot tell the format from the extension; use --format")
        self.path = path


@dataclass(frozen=True)
class InputRow:
    """One input row as read, before typing: where it came from and its raw values."""

    source: str
    line: str
    data: Mapping[str, Any]
    #: Set when the row could not be read as a row at all.
    malformed: RecordRejected | None = None


def format_of(path: Path, given: str | None = None) -> Format:
    """The input format: ``given`` if set, else from the extension (.csv, .jsonl)."""
    if given:
        if given not in FORMATS:
            raise UnknownFormatError(str(path))
        return given
    fmt = _EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise UnknownFormatError(str(path))
    return fmt


def read_file(path: Path, fmt: Format) -> Iterator[InputRow]:
    """Rows of ``path`` in file order (UTF-8; a byte-order mark is tolerated)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = read_csv if fmt == "csv" else read_jsonl
        yield from reader(handle, source=path.name)


def read_csv(handle: TextIO, *, source: str) -> Iterator[InputRow]:
    """Rows of a CSV text with a header line; ``line`` is the row's first physical line."""
    reader = csv.reader(handle)
    header: list[str] | None = None
    start = 1
    for values in reader:
        if header is None:
            header = [h.strip() for h in values]
            start = reader.line_num + 1
            continue
        line, start = str(start), reader.line_num + 1
        if not "".join(values).strip():
            continue  # a blank line is not a row
        yield _csv_row(header, values, source, line)


def _csv_row(header: list[str], values: list[str], source: str, line: str) -> InputRow:
    data = dict(zip(header, values, strict=False))
    if len(values) > len(header):
        data[RAW_KEY] = ",".join(values)
        return InputRow(
            source, line, data, RecordRejected("row", "more values than header columns")
        )
    if len(values) < len(header):
        missing = header[len(values)]
        return InputRow(source, line, data, RecordRejected(missing, "missing value"))
    return InputRow(source, line, data)


def read_jsonl(handle: TextIO, *, source: str) -> Iterator[InputRow]:
    """Rows of a JSON Lines text: one JSON object per non-blank line."""
    for number, text in enumerate(handle, start=1):
        if text.strip():
            yield json_row(text, source=source, line=str(number))


def json_row(text: str, *, source: str, line: str) -> InputRow:
    """One row from the text of a JSON object (a malformed one carries its rejection)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return InputRow(
            source, line, {RAW_KEY: text.rstrip("\n")}, RecordRejected("row", "not valid JSON")
        )
    return json_value_row(value, source=source, line=line)


def json_value_row(value: object, *, source: str, line: str) -> InputRow:
    """One row from an already parsed JSON value, which must be an object."""
    if not isinstance(value, dict):
        raw = json.dumps(value, ensure_ascii=False)
        return InputRow(source, line, {RAW_KEY: raw}, RecordRejected("row", "not a JSON object"))
    return InputRow(source, line, value)


def json_rows(values: Iterable[object], *, source: str) -> Iterator[InputRow]:
    """Rows from parsed JSON values (an HTTP body, outbox payloads); lines count from 1."""
    for number, value in enumerate(values, start=1):
        yield json_value_row(value, source=source, line=str(number))
