"""Re-publish exactly the requests and notices the topics lack or hold wrongly.

Each record is made by the live system's own :class:`~streams.driver.emit.Emitter` —
same topic, key, value bytes and CloudEvents headers as the lifecycle or the engine
would have sent — so a repair is what the live workers would have published had they
not lost it, and repeating it is harmless (compacted topics, deterministic ids, values
and headers a function of the output alone). An *extra* output is reported, never
deleted: what the log does not explain needs a person.
"""

from __future__ import annotations

from collections.abc import Sequence

from kafka import KafkaProducer

from ivex.kafka_config import producer_config
from ivex.settings import Settings
from streams.audit.diff import AuditReport
from streams.driver.emit import Emitter
from streams.driver.records import Outgoing
from streams.engine.outputs import NoticeOut, RequestOut


def repair_records(settings: Settings, report: AuditReport) -> list[Outgoing]:
    """The records that heal ``report``: missing or differing requests, then notices."""
    emitter = Emitter(settings)
    derived = report.derived
    requests = sorted(set(report.requests.missing) | set(report.requests.differing_ids))
    notices = sorted(set(report.notices.missing) | set(report.notices.differing_ids))
    return [emitter.request(RequestOut.from_avro(derived.requests[k])) for k in requests] + [
        emitter.notice(NoticeOut.from_avro(derived.notices[k])) for k in notices
    ]


def publish(settings: Settings, records: Sequence[Outgoing]) -> None:
    """Send ``records`` and wait until every one is acknowledged."""
    if not records:
        return
    producer = KafkaProducer(**producer_config(settings))
    try:
        sent = [
            producer.send(
                r.topic, key=r.key, value=r.value, partition=r.partition, headers=list(r.headers)
            )
            for r in records
        ]
        producer.flush()
        for future in sent:
            future.get(timeout=30)  # raises if the broker refused one
    finally:
        producer.close()
