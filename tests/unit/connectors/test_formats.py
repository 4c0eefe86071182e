"""The CSV and JSON Lines readers: rows, line numbers and unreadable rows."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from connectors.formats import (
    RAW_KEY,
    UnknownFormatError,
    format_of,
    json_rows,
    read_csv,
    read_file,
    read_jsonl,
)


def test_format_from_extension_or_given() -> None:
    assert format_of(Path("a/births.CSV")) == "csv"
    assert format_of(Path("b.jsonl")) == "jsonl"
    assert format_of(Path("b.txt"), "jsonl") == "jsonl"
    with pytest.raises(UnknownFormatError):
        format_of(Path("b.txt"))
    with pytest.raises(UnknownFormatError):
        format_of(Path("b.csv"), "xml")


def test_csv_rows_carry_their_first_physical_line() -> None:
    text = 'a,b\n1,2\n\n"multi\nline",3\n4,5\n'
    rows = list(read_csv(io.StringIO(text), source="f.csv"))
    assert [r.line for r in rows] == ["2", "4", "6"]
    assert rows[1].data == {"a": "multi\nline", "b": "3"}
    assert all(r.malformed is None and r.source == "f.csv" for r in rows)


def test_csv_row_with_too_many_or_too_few_values_is_malformed() -> None:
    rows = list(read_csv(io.StringIO("a,b\n1,2,3\n1\n"), source="f.csv"))
    assert rows[0].malformed is not None
    assert (rows[0].malformed.field, rows[0].malformed.reason) == (
        "row",
        "more values than header columns",
    )
    assert rows[0].data[RAW_KEY] == "1,2,3"
    assert rows[1].malformed is not None
    assert (rows[1].malformed.field, rows[1].malformed.reason) == ("b", "missing value")


def test_jsonl_rows_and_unreadable_lines() -> None:
    text = '{"a": 1}\n\nnot json\n[1, 2]\n'
    rows = list(read_jsonl(io.StringIO(text), source="f.jsonl"))
    assert [r.line for r in rows] == ["1", "3", "4"]
    assert rows[0].data == {"a": 1}
    assert rows[1].malformed is not None
    assert rows[1].malformed.reason == "not valid JSON"
    assert rows[2].malformed is not None
    assert rows[2].malformed.reason == "not a JSON object"


def test_json_rows_number_from_one() -> None:
    rows = list(json_rows([{"a": 1}, 3], source="http"))
    assert [r.line for r in rows] == ["1", "2"]
    assert rows[1].malformed is not None


def test_read_file_tolerates_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes("\ufeffa,b\n1,2\n".encode())
    rows = list(read_file(path, "csv"))
    assert rows[0].data == {"a": "1", "b": "2"}
    assert rows[0].source == "x.csv"
