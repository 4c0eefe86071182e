"""Outputs → Kafka records on ``assist.requests.<city>``, ``assist.notices.<city>`` and
``assist.escalations``.

Values are Codec-encoded (single-object Avro), keyed by ``request_id`` / ``notice_id`` on
compacted topics, with CloudEvents headers. Everything here is a function of the output
alone — ``ce_id`` is derived from the value and ``ce_time`` from the event-time instant
it carries — so re-emitting after a crash produces byte-identical records.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Final

from ivex.codec import Codec
from ivex.codec.cloudevents import ce_headers_ms, content_id
from ivex.settings import Settings
from ivex.topics import TopicNames
from streams.driver.errors import (
    CODE_HEADER,
    MESSAGE_HEADER,
    STAGE_HEADER,
)
from streams.driver.records import Outgoing
from streams.engine.outputs import NoticeOut, RequestOut

#: ``ce_source`` of what the exchange itself emits.
CE_SOURCE: Final = "urn:ivex:case-engine"
REQUEST_RECORD: Final = "AssistanceRequest"
NOTICE_RECORD: Final = "CaseNotice"
_CE_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ivex:case-engine:ce-id")


class Emitter:
    """Turns :class:`RequestOut` / :class:`NoticeOut` into records for their addressee."""

    def __init__(self, settings: Settings, codec: Codec | None = None) -> None:
        self._names = TopicNames(settings)
        self._members: Collection[str] = frozenset(settings.city_codes)
        self._codec = codec if codec is not None else Codec()

    def request(self, req: RequestOut) -> Outgoing:
        """The record of one request state on ``assist.requests.<addressed_city>``."""
        value = self._codec.encode(REQUEST_RECORD, req.to_avro())
        if req.addressed_city not in self._members:
            return self._stray(REQUEST_RECORD, req.request_id, req.addressed_city, value)
        return Outgoing(
            self._names.requests(req.addressed_city),
            req.request_id.encode(),
            value,
            None,
            _headers(REQUEST_RECORD, value, req.raised_at),
        )

    def escalation(self, req: RequestOut) -> Outgoing:
        """The record of an OVERDUE request escalated to the operator, keyed by request_id.

        Same value and headers as the request itself, on ``assist.escalations``.
        """
        value = self._codec.encode(REQUEST_RECORD, req.to_avro())
        return Outgoing(
            self._names.escalations,
            req.request_id.encode(),
            value,
            None,
            _headers(REQUEST_RECORD, value, req.raised_at),
        )

    def notice(self, notice: NoticeOut) -> Outgoing:
        """The record of one notice on ``assist.notices.<addressed_city>``."""
        value = self._codec.encode(NOTICE_RECORD, notice.to_avro())
        if notice.addressed_city not in self._members:
            return self._stray(NOTICE_RECORD, notice.notice_id, notice.addressed_city, value)
        return Outgoing(
            self._names.notices(notice.addressed_city),
            notice.notice_id.encode(),
            value,
            None,
            _headers(NOTICE_RECORD, value, notice.issued_at),
        )

    def all(
        self, requests: Collection[RequestOut], notices: Collection[NoticeOut]
    ) -> list[Outgoing]:
        """Records of every request and notice, in that order."""
        return [self.request(r) for r in requests] + [self.notice(n) for n in notices]

    def _stray(self, record: str, key: str, city: str, value: bytes) -> Outgoing:
        # A foreign producer can name a non-member city; its topic does not exist, and
        # sending there would stall the producer. The errors topic keeps the output.
        headers = (
            (CODE_HEADER, b"unknown_addressee"),
            (MESSAGE_HEADER, f"{record} addressed to {city}, not a member city".encode()),
            (STAGE_HEADER, b"emit"),
        )
        return Outgoing(self._names.processing_errors, key.encode(), value, None, headers)


def _headers(record: str, value: bytes, instant_ms: int) -> tuple[tuple[str, bytes], ...]:
    return ce_headers_ms(record, CE_SOURCE, content_id(_CE_NAMESPACE, value), instant_ms)
