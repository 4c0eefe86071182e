"""The internal topic's JSON format (single items and envelopes) and the partition of a
woman."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from streams.driver.wire import decode_item, decode_items, encode_item, encode_items, partition_for
from streams.engine.facts import Fact, Position, Watermark, fact_to_dict
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


def _items(n: int) -> list[Fact | Watermark]:
    makers: list[Callable[..., Fact]] = [birth, registration, termination, pregnancy]
    out: list[Fact | Watermark] = [makers[i % 4](mother_ref=f"m-{i % 3}") for i in range(n)]
    out.insert(n // 2, Watermark("e-w", ZY, "births", 1, 2, Position("t", 0, 9)))
    return out


@pytest.mark.parametrize("n", [0, 1, 7])
def test_an_envelope_round_trips_its_items_in_order(n: int) -> None:
    items = _items(n)
    assert decode_items(encode_items(items)) == items


def test_an_envelope_is_smaller_than_its_items_one_to_a_record() -> None:
    items = _items(20)
    assert len(encode_items(items)) < sum(len(encode_item(i)) for i in items)


def test_the_single_forms_read_as_one_item() -> None:
    fact = birth()
    assert decode_items(encode_item(fact)) == [fact]
    with pytest.raises(ValueError, match="2 items"):
        decode_item(encode_items([fact, fact]))


@pytest.mark.parametrize(
    "junk",
    [b'{"items": 5}', b'{"items": [5]}', b'{"items": [["m"]]}', b"[1, 2]", b"7"],
)
def test_a_foreign_envelope_raises(junk: bytes) -> None:
    with pytest.raises((ValueError, KeyError, TypeError)):
        decode_items(junk)
