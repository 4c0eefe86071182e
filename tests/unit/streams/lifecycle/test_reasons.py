"""Reasons of resolved requests parse back to the answer they name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.engine.outputs import OPEN
from streams.lifecycle import Resolution, answer_status, parse_resolution
from streams.lifecycle.reasons import resolution_reason
from tests.unit.streams.lifecycle.builders import WW, at, request, response, with_state

OUTCOMES = st.sampled_from(
    [None, "BIRTH_FOUND", "MOVED_AWAY", "REGISTERED_LATE", "RECORD_ERROR", "OTHER"]
)


def test_the_example_of_the_brief() -> None:
    resp = response(
        "UNABLE_TO_LOCATE", at("2024-03-20"), outcome="MOVED_AWAY", note="left for Xinjiang"
    )
    reason = resolution_reason(resp)
    assert reason == "UNABLE_TO_LOCATE by 620600: MOVED_AWAY — left for Xinjiang"
    assert parse_resolution(reason) == Resolution(
        "UNABLE_TO_LOCATE", WW, "MOVED_AWAY", "left for Xinjiang"
    )


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("REJECTED by 620600", Resolution("REJECTED", WW, None, None)),
        ("RESOLVED by 620600: BIRTH_FOUND", Resolution("RESOLVED", WW, "BIRTH_FOUND", None)),
        ("REJECTED by 620600 — not ours", Resolution("REJECTED", WW, None, "not ours")),
        ("REJECTED by 620600 — ", Resolution("REJECTED", WW, None, "")),
    ],
)
def test_optional_parts(reason: str, expected: Resolution) -> None:
    assert parse_resolution(reason) == expected


@pytest.mark.parametrize(
    "reason",
    ["acknowledged on 2024-03-02 by 620600", "not acknowledged by 2024-03-16", "OPEN", ""],
)
def test_other_reasons_are_not_resolutions(reason: str) -> None:
    assert parse_resolution(reason) is None


@given(
    status=st.sampled_from(["RESOLVED", "UNABLE_TO_LOCATE", "REJECTED"]),
    outcome=OUTCOMES,
    note=st.none() | st.text(),
)
def test_every_resolution_parses_back(status: str, outcome: str | None, note: str | None) -> None:
    resp = response(status, at("2024-03-20"), outcome=outcome, note=note)
    assert parse_resolution(resolution_reason(resp)) == Resolution(status, WW, outcome, note)


def test_answer_status_puts_the_response_status_back() -> None:
    rejected = with_state(request(), "RESOLVED", "REJECTED by 620600 — not ours")
    assert answer_status(rejected) == "REJECTED"
    assert answer_status(request()) == OPEN
    overdue = with_state(request(), "OVERDUE", "not acknowledged by 2024-03-16")
    assert answer_status(overdue) == "OVERDUE"
