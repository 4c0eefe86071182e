"""Requests and notices become Kafka records for their addressee, deterministically."""

from __future__ import annotations

from dataclasses import replace

from ivex.codec import Codec, parse_ce_headers
from ivex.settings import Settings
from ivex.topics import TopicNames
from streams.driver.emit import CE_SOURCE, Emitter
from streams.driver.errors import CODE_HEADER
from streams.engine.outputs import WITHDRAWN, NoticeOut, RequestOut
from tests.unit.streams.engine.builders import WW, Run, all_watermarks, birth, eod


def _outputs() -> tuple[RequestOut, NoticeOut]:
    run = Run()
    run.feed(birth(), all_watermarks(eod("2024-12-31")))
    [req] = run.requests.values()
    [notice] = run.notices.values()
    return req, notice


def test_request_record(settings: Settings) -> None:
    req, _ = _outputs()
    out = Emitter(settings).request(req)
    assert (
        out.topic == TopicNames(settings).requests(req.addressed_city) == f"u.assist.requests.{WW}"
    )
    assert out.key == req.request_id.encode()
    datum = Codec().decode(out.value, "AssistanceRequest").datum
    assert str(datum["request_id"]) == req.request_id
    ce = parse_ce_headers(out.headers)
    assert (ce.type, ce.source) == ("AssistanceRequest", CE_SOURCE)
    assert int(ce.time.timestamp() * 1000) == req.raised_at


def test_notice_record(settings: Settings) -> None:
    _, notice = _outputs()
    out = Emitter(settings).notice(notice)
    assert out.topic == TopicNames(settings).notices(notice.addressed_city)
    assert out.key == notice.notice_id.encode()
    assert Codec().decode(out.value, "CaseNotice").datum["kind"] == notice.kind


def test_re_emission_is_byte_identical_and_states_differ_in_ce_id(settings: Settings) -> None:
    req, _ = _outputs()
    emitter = Emitter(settings)
    assert emitter.request(req) == Emitter(settings).request(req)
    withdrawn = emitter.request(replace(req, state=WITHDRAWN, reason="voided"))
    assert withdrawn.header("ce_id") != emitter.request(req).header("ce_id")


def test_non_member_addressee_goes_to_the_errors_topic(settings: Settings) -> None:
    req, _ = _outputs()
    out = Emitter(settings).request(replace(req, addressed_city="110105"))
    assert out.topic == TopicNames(settings).processing_errors
    assert out.header(CODE_HEADER) == "unknown_addressee"
