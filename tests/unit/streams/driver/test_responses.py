"""Response ingest as a plain function: decode once, route by request_id to the lifecycle
partition of the request, keep the publishing city and the log position, send anything
unusable to the errors topic; and escalations as records."""

from __future__ import annotations

from typing import Any

import pytest

from ivex.codec import Codec, parse_ce_headers
from ivex.samples import sample_records
from ivex.settings import Settings
from ivex.topics import INTERNAL_PARTITIONS, TopicNames
from streams.driver.emit import Emitter
from streams.driver.errors import CODE_HEADER, OFFSET_HEADER, TOPIC_HEADER
from streams.driver.lifecycle_wire import decode_lifecycle_item
from streams.driver.records import SourceMessage
from streams.driver.responses import ResponseIngest
from streams.driver.wire import partition_for
from streams.engine.facts import Position
from streams.lifecycle import Response
from tests.unit.streams.lifecycle.builders import request

LIFECYCLE = "u.app-lifecycle-in"
CODEC = Codec()
WW, JQ = "620600", "620900"


@pytest.fixture
def ingest(settings: Settings) -> ResponseIngest:
    return ResponseIngest(settings, LIFECYCLE, INTERNAL_PARTITIONS)


def _msg(settings: Settings, city: str, value: bytes | None) -> SourceMessage:
    return SourceMessage(TopicNames(settings).responses(city), 0, 7, b"k", value)


def _encoded(record: str = "AssistanceResponse", **changes: Any) -> bytes:
    return CODEC.encode(record, sample_records()[record] | changes)


def test_reads_every_responses_topic(settings: Settings, ingest: ResponseIngest) -> None:
    names = TopicNames(settings)
    assert set(ingest.topics) == {names.responses(c) for c in settings.city_codes}


def test_a_response_goes_to_its_requests_partition(
    settings: Settings, ingest: ResponseIngest
) -> None:
    [out] = ingest.route(_msg(settings, JQ, _encoded()))
    rid = sample_records()["AssistanceResponse"]["request_id"]
    assert (out.topic, out.key) == (LIFECYCLE, rid.encode())
    assert out.partition == partition_for(rid, INTERNAL_PARTITIONS)
    response = decode_lifecycle_item(out.value)
    assert isinstance(response, Response)
    # The claim (responding_city) and the publisher (topic) are both kept for the lifecycle.
    assert (response.responding_city, response.topic_city) == (WW, JQ)
    assert response.position == Position(TopicNames(settings).responses(JQ), 0, 7)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (None, "malformed_message"),
        (b"not avro", "malformed_message"),
        (b"\xc3\x01" + bytes(8) + b"\x00", "unknown_fingerprint"),
        (_encoded("CaseNotice"), "wrong_record"),
    ],
)
def test_unusable_input_goes_to_the_errors_topic(
    settings: Settings, ingest: ResponseIngest, value: bytes | None, code: str
) -> None:
    [out] = ingest.route(_msg(settings, WW, value))
    assert out.topic == TopicNames(settings).processing_errors
    assert out.header(CODE_HEADER) == code
    assert out.header(TOPIC_HEADER) == TopicNames(settings).responses(WW)
    assert out.header(OFFSET_HEADER) == "7"


def test_a_topic_not_of_the_federation_is_an_error(ingest: ResponseIngest) -> None:
    [out] = ingest.route(SourceMessage("elsewhere", 0, 1, None, _encoded()))
    assert out.header(CODE_HEADER) == "unknown_topic"


def test_an_escalation_is_the_request_keyed_by_id_on_the_escalations_topic(
    settings: Settings,
) -> None:
    req = request(state="OVERDUE", reason="not acknowledged by 2024-03-16")
    emitter = Emitter(settings)
    out = emitter.escalation(req)
    assert (out.topic, out.key) == (TopicNames(settings).escalations, req.request_id.encode())
    assert out.value == emitter.request(req).value
    assert parse_ce_headers(out.headers).type == "AssistanceRequest"
