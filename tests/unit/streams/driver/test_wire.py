"""The internal topic's JSON format and the partition of a woman."""

from __future__ import annotations

import json

import pytest

from streams.driver.wire import decode_item, encode_item, partition_for
from streams.engine.facts import Position, Watermark, fact_to_dict
from tests.unit.streams.engine.builders import ZY, birth, pregnancy, registration, termination


@pytest.mark.parametrize("make", [birth, registration, termination, pregnancy])
def test_facts_round_trip(make: object) -> None:
    fact = make()  # type: ignore[operator]
    assert decode_item(encode_item(fact)) == fact


@pytest.mark.parametrize("make", [birth, registration, termination, pregnancy])
def test_the_earlier_keyed_form_is_still_read(make: object) -> None:
    fact = make()  # type: ignore[operator]
    keyed = json.dumps({"fact": fact_to_dict(fact)}, separators=(",", ":")).encode()
    assert decode_item(keyed) == fact
    assert len(encode_item(fact)) < len(keyed) * 0.6


def test_watermark_round_trips_with_its_position() -> None:
    wm = Watermark("e-1", ZY, "births", 1_700_000_000_000, 1_700_000_000_001, Position("t", 0, 7))
    assert decode_item(encode_item(wm)) == wm


def test_partition_is_kafkas_murmur2() -> None:
    # Values of Kafka's Java DefaultPartitioner (Utils.toPositive(Utils.murmur2(key)) % n).
    assert partition_for("21", 4) == (-973932308 & 0x7FFFFFFF) % 4
    assert partition_for("foobar", 4) == (-790332482 & 0x7FFFFFFF) % 4
    assert {partition_for(f"m-{n}", 4) for n in range(100)} == {0, 1, 2, 3}


@pytest.mark.parametrize(
    "junk",
    [
        b"",
        b"{}",
        b"not json",
        b'{"fact": {"stream": "x"}}',
        b'{"row": 5}',
        b'{"row": ["m"]}',
        b'{"row": ["m", "births"]}',
        b'{"row": ["m", "nope", 1]}',
    ],
)
def test_foreign_bytes_raise(junk: bytes) -> None:
    with pytest.raises((ValueError, KeyError, TypeError)):
        decode_item(junk)
