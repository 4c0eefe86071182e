"""Ingest as a plain function: decode once, route by mother_ref, broadcast watermarks,
send anything unusable to the errors topic with its cause; a batch's items in envelopes
that keep each partition's order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as settings_
from hypothesis import strategies as st

from ivex.codec import Codec
from ivex.samples import sample_records
from ivex.settings import Settings
from ivex.topics import INTERNAL_PARTITIONS, TopicNames
from streams.driver.errors import (
    CODE_HEADER,
    MESSAGE_HEADER,
    OFFSET_HEADER,
    PARTITION_HEADER,
    TOPIC_HEADER,
)
from streams.driver.ingest import Ingest
from streams.driver.records import Outgoing, SourceMessage
from streams.driver.wire import ENVELOPE_ITEMS, decode_item, decode_items, partition_for
from streams.engine.facts import Birth, Fact, Position, Watermark
from tests.unit.streams.engine.builders import (
    all_watermarks,
    birth,
    pregnancy,
    registration,
    termination,
)

INTERNAL = "u.app-engine-in"
CODEC = Codec()


@pytest.fixture
def ingest(settings: Settings) -> Ingest:
    return Ingest(settings, INTERNAL, INTERNAL_PARTITIONS)


def _msg(
    settings: Settings, city: str, stream: str, value: bytes | None, offset: int = 5
) -> SourceMessage:
    topic = TopicNames(settings).city(city, stream)  # type: ignore[arg-type]
    return SourceMessage(topic, 0, offset, b"key-1", value, (("ce_id", b"x"),))


def _encoded(record: str, **changes: Any) -> bytes:
    return CODEC.encode(record, sample_records()[record] | changes)


def test_reads_every_city_topic(settings: Settings, ingest: Ingest) -> None:
    assert sorted(ingest.topics) == sorted(TopicNames(settings).all_city_topics())
    assert len(ingest.topics) == 20


def test_a_fact_goes_to_its_womans_partition(settings: Settings, ingest: Ingest) -> None:
    msg = _msg(settings, "620700", "births", _encoded("BirthRecorded"))
    [out] = ingest.route(msg)
    fact = decode_item(out.value)
    assert isinstance(fact, Birth)
    assert fact.position == Position(msg.topic, 0, 5)
    assert out.topic == INTERNAL
    assert out.key == fact.mother_ref.encode()
    assert out.partition == partition_for(fact.mother_ref, INTERNAL_PARTITIONS)


def test_a_watermark_goes_to_every_partition(settings: Settings, ingest: Ingest) -> None:
    msg = _msg(settings, "620700", "births", _encoded("SourceWatermark"))
    outs = ingest.route(msg)
    assert [o.partition for o in outs] == list(range(INTERNAL_PARTITIONS))
    items = {decode_item(o.value) for o in outs}
    assert len(items) == 1
    [wm] = items
    assert isinstance(wm, Watermark)
    assert (wm.source_city, wm.stream) == ("620700", "births")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (b"garbage", "malformed_message"),
        (None, "malformed_message"),
        (b"\xc3\x01" + bytes(8) + b"\x02", "unknown_fingerprint"),
        (_encoded("BirthRecorded")[:-3], "malformed_message"),
        (_encoded("RegistrationRecorded", source_city="620700"), "wrong_record"),
        (_encoded("BirthRecorded", source_city="620600"), "source_city_mismatch"),
        (_encoded("SourceWatermark", stream="registrations"), "wrong_record"),
    ],
)
def test_unusable_input_goes_to_the_errors_topic(
    settings: Settings, ingest: Ingest, value: bytes | None, code: str
) -> None:
    msg = _msg(settings, "620700", "births", value, offset=42)
    [out] = ingest.route(msg)
    assert out.topic == TopicNames(settings).processing_errors
    assert out.header(CODE_HEADER) == code
    assert out.header(MESSAGE_HEADER)
    assert out.header(TOPIC_HEADER) == msg.topic
    assert out.header(PARTITION_HEADER) == "0"
    assert out.header(OFFSET_HEADER) == "42"
    assert out.header("ce_id") == "x"  # the original headers follow
    assert out.key == msg.key
    assert out.value == (value or b"")


def test_a_topic_not_of_the_federation_is_an_error(ingest: Ingest) -> None:
    msg = SourceMessage("elsewhere", 0, 0, None, _encoded("BirthRecorded"))
    [out] = ingest.route(msg)
    assert out.header(CODE_HEADER) == "unknown_topic"


def test_error_messages_never_quote_values(settings: Settings, ingest: Ingest) -> None:
    value = _encoded("BirthRecorded", source_city="620600")
    [out] = ingest.route(_msg(settings, "620700", "births", value))
    mother_ref = sample_records()["BirthRecorded"]["mother_ref"]
    assert mother_ref not in str(out.headers)


def test_plain_decoding_routes_a_simulated_federation_byte_for_byte_as_before(
    settings: Settings, tmp_path: Any
) -> None:
    # Ingest decodes without Avro's logical types (no datetime objects); what it sends on
    # must be exactly what the datetime-building decode gave, record for record.
    from pathlib import Path

    from connectors.formats import format_of, read_file
    from connectors.rows import RowPreparer
    from ivex.errors import RecordRejected
    from ivex.simulation.params import build_params
    from ivex.simulation.run import simulate, write
    from ivex.topics import STREAMS
    from streams.engine.facts import fact_from_avro

    write(simulate(build_params(settings, seed=3, scale=0.05)), Path(tmp_path))
    ingest = Ingest(settings, INTERNAL, INTERNAL_PARTITIONS)
    checked = 0
    for city in settings.city_codes:
        prep = RowPreparer(settings, city, key=b"unit-key")
        for stream in STREAMS:
            for path in Path(tmp_path).glob(f"{city}/{stream}.*"):
                for offset, row in enumerate(read_file(path, format_of(path))):
                    try:
                        rec = prep.prepare(stream, row.data)
                    except RecordRejected:
                        continue
                    msg = _msg(settings, city, stream, CODEC.encode(rec.record_name, rec.datum))
                    msg = SourceMessage(msg.topic, 0, offset, msg.key, msg.value, msg.headers)
                    position = Position(msg.topic, 0, offset)
                    before = fact_from_avro(stream, CODEC.decode(msg.value or b"").datum, position)
                    assert ingest.convert(msg) == before
                    routed = ingest.route(msg)
                    assert [r.topic for r in routed] == [INTERNAL]
                    assert decode_item(routed[0].value) == before
                    checked += 1
    assert checked > 100


def test_plain_decoding_of_every_sample_and_an_old_writer_version() -> None:
    from streams.engine.facts import fact_from_avro

    streams = {
        "BirthRecorded": "births",
        "RegistrationRecorded": "registrations",
        "TerminationRecorded": "terminations",
        "PregnancyReported": "pregnancies",
        "SourceWatermark": "births",
    }
    position = Position("t", 0, 1)
    for name, stream in streams.items():
        value = CODEC.encode(name, sample_records()[name])
        plain = CODEC.decode(value, plain=True)
        full = CODEC.decode(value)
        assert plain.record_name == full.record_name
        assert plain.writer_version == full.writer_version
        assert fact_from_avro(stream, plain.datum, position) == fact_from_avro(
            stream, full.datum, position
        )
    # A BirthRecorded written with v1 is resolved into v2 the same way, plain or not.
    from io import BytesIO

    from fastavro import schemaless_writer

    v1 = CODEC.schemas.versions("BirthRecorded")[0]
    body = BytesIO()
    schemaless_writer(body, v1.parsed, sample_records()["BirthRecorded"])
    old = b"\xc3\x01" + v1.fingerprint + body.getvalue()
    plain, full = CODEC.decode(old, plain=True), CODEC.decode(old)
    assert plain.writer_version == full.writer_version == 1
    assert fact_from_avro("births", plain.datum, position) == fact_from_avro(
        "births", full.datum, position
    )


def _per_partition(records: list[Outgoing]) -> dict[int, list[Fact | Watermark]]:
    per: dict[int, list[Fact | Watermark]] = {}
    for r in records:
        assert r.topic == INTERNAL
        assert r.partition is not None
        per.setdefault(r.partition, []).extend(decode_items(r.value))
    return per


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 9)), max_size=60))
@settings_(max_examples=60, deadline=None)
def test_envelopes_carry_each_partitions_items_as_one_by_one_forwarding_would(
    settings: Settings, picks: list[tuple[int, int]]
) -> None:
    ingest = Ingest(settings, INTERNAL, INTERNAL_PARTITIONS)
    makers: list[Callable[..., Fact]] = [birth, registration, termination, pregnancy]
    items: list[Fact | Watermark] = [
        all_watermarks(1_700_000_000_000 + n)[0] if kind == 4 else makers[kind](mother_ref=f"m-{w}")
        for n, (kind, w) in enumerate(picks)
    ]
    one_by_one = [r for item in items for r in ingest.forward(item)]
    assert _per_partition(ingest.forward_all(items)) == _per_partition(one_by_one)


def test_an_envelope_carries_at_most_its_share_of_items(ingest: Ingest) -> None:
    items: list[Fact | Watermark] = [birth(mother_ref="m-1") for _ in range(2 * ENVELOPE_ITEMS + 3)]
    records = ingest.forward_all(items)
    sizes = [len(decode_items(r.value)) for r in records]
    assert sizes == [ENVELOPE_ITEMS, ENVELOPE_ITEMS, 3]
    assert _per_partition(records) == {partition_for("m-1", INTERNAL_PARTITIONS): items}
