"""The ground-truth comparison used by `ivex verify` and the demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ivex.errors import ConfigError
from ivex.verify import Expected, compare, latest_by_id, load_truth


def _req(rid: str, state: str = "OPEN", kind: str = "BIRTH_NOT_REGISTERED") -> dict[str, str]:
    return {"request_id": rid, "kind": kind, "addressed_city": "620600", "state": state}


def test_exact_match_is_ok() -> None:
    truth = {"a": Expected("a", "BIRTH_NOT_REGISTERED", "620600", "OPEN")}
    report = compare(truth, {"a": _req("a")})
    assert report.ok
    assert report.by_kind == {"BIRTH_NOT_REGISTERED": (1, 1)}


def test_missing_extra_and_state_difference() -> None:
    truth = {
        "a": Expected("a", "BIRTH_NOT_REGISTERED", "620600", "OPEN"),
        "b": Expected("b", "BIRTH_NOT_REGISTERED", "620600", "WITHDRAWN"),
    }
    report = compare(truth, {"b": _req("b", "OPEN"), "c": _req("c")})
    assert [m.request_id for m in report.missing] == ["a"]
    assert [e["request_id"] for e in report.extra] == ["c"]
    assert [(d.field, d.expected, d.actual) for d in report.differing] == [
        ("state", "WITHDRAWN", "OPEN")
    ]
    assert not report.ok


@pytest.mark.parametrize("state", ["ACKNOWLEDGED", "RESOLVED", "OVERDUE"])
def test_worked_requests_still_count_as_open(state: str) -> None:
    truth = {"a": Expected("a", "BIRTH_NOT_REGISTERED", "620600", "OPEN")}
    assert compare(truth, {"a": _req("a", state)}).ok


def test_latest_version_wins() -> None:
    versions = [_req("a", "OPEN"), _req("a", "WITHDRAWN")]
    assert latest_by_id(versions)["a"]["state"] == "WITHDRAWN"


def test_load_truth_reads_lines_and_names_a_bad_line(tmp_path: Path) -> None:
    good = tmp_path / "truth.jsonl"
    good.write_text(json.dumps(_req("a")) + "\n\n")
    assert load_truth(good)["a"].kind == "BIRTH_NOT_REGISTERED"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"request_id": "x"}\n')
    with pytest.raises(ConfigError, match="line 1"):
        load_truth(bad)
