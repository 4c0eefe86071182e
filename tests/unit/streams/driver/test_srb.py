"""The SRB monitor's two stages without Kafka: births → versions → coalesced reports."""

from __future__ import annotations

import random
from typing import Any

import orjson

from ivex.codec import Codec
from ivex.models import SexRatioReport
from ivex.models.enums import SrbStatus
from ivex.samples import sample_records
from ivex.settings import Settings
from ivex.topics import TopicNames
from streams.driver.ingest import Ingest
from streams.driver.records import Outgoing, SourceMessage
from streams.driver.srb import (
    PREVIOUS_HEADER,
    SrbDriver,
    SrbIngest,
    decode_versions,
    encode_version,
)
from streams.driver.wire import ENVELOPE_ITEMS
from streams.srb.reports import ReportBuilder, report_key
from streams.srb.tally import BirthVersion, Tally

SRB_IN = "u.a-srb-in"
ZY = "620700"


def _message(value: bytes, offset: int = 0, topic: str = SRB_IN) -> SourceMessage:
    return SourceMessage(topic, 0, offset, None, value)


def _version(i: int, sex: str, *, at: int = 1, order: int = 1, month: int = 1) -> Any:
    version = BirthVersion(f"e{i}-{at}", at, False, ZY, f"2025-{month:02d}", str(order), sex)
    return f"{ZY}|r{i}", version


def _decoded(records: list[Outgoing], topic: str) -> dict[str, SexRatioReport]:
    codec = Codec()
    return {
        (r.key or b"").decode(): SexRatioReport.model_validate(codec.decode(r.value).datum)
        for r in records
        if r.topic == topic
    }


def _feed(driver: SrbDriver, versions: list[Any]) -> list[Outgoing]:
    for offset, (key, version) in enumerate(versions):
        driver.apply(_message(encode_version(key, version), offset))
    return driver.flush()


def test_ingest_forwards_births_only(settings: Settings) -> None:
    ingest = SrbIngest(settings, SRB_IN)
    codec = Codec()
    birth = dict(sample_records()["BirthRecorded"])
    topic = TopicNames(settings).city(str(birth["source_city"]), "births")
    [out] = ingest.route(_message(codec.encode("BirthRecorded", birth), topic=topic))
    assert out.topic == SRB_IN
    assert out.partition == 0
    assert out.key == f"{birth['source_city']}|{birth['record_id']}".encode()
    watermark = codec.encode("SourceWatermark", sample_records()["SourceWatermark"])
    assert ingest.route(_message(watermark, topic=topic)) == []
    assert ingest.route(_message(b"garbage", topic=topic)) == []


def test_a_batch_yields_one_report_per_changed_cell(settings: Settings) -> None:
    driver = SrbDriver(settings, {})
    out = _feed(driver, [_version(i, "MALE" if i % 2 else "FEMALE") for i in range(50)])
    reports = _decoded(out, TopicNames(settings).srb)
    assert len(reports) == len(out) == 16  # the city and the federation, 4 buckets x 2
    assert reports[f"{ZY}|2025-01|ALL"].male == 25
    assert reports["000000|R12:2025-01|1"].female == 25


def test_redelivery_changes_nothing(settings: Settings) -> None:
    table: dict[str, Any] = {}
    driver = SrbDriver(settings, table)
    batch = [_version(i, "MALE") for i in range(10)]
    _feed(driver, batch)
    stored = dict(table)
    assert _feed(driver, batch) == []
    assert table == stored


def test_a_correction_moves_the_count_and_reports_both_cells(settings: Settings) -> None:
    driver = SrbDriver(settings, {})
    _feed(driver, [_version(1, "MALE", order=1)])
    out = _decoded(_feed(driver, [_version(1, "FEMALE", at=2, order=2)]), TopicNames(settings).srb)
    assert (out[f"{ZY}|2025-01|1"].male, out[f"{ZY}|2025-01|1"].female) == (0, 0)
    assert out[f"{ZY}|2025-01|2"].female == 1
    assert out[f"{ZY}|2025-01|ALL"].female == 1


def test_a_warning_is_sent_when_a_status_turns_watch_or_alert(settings: Settings) -> None:
    names = TopicNames(settings)
    driver = SrbDriver(settings, {})
    balanced = [_version(i, "MALE" if i % 41 < 21 else "FEMALE") for i in range(410)]  # 105
    first = _feed(driver, balanced)
    assert _decoded(first, names.srb_alerts) == {}  # NORMAL: no warning
    skewed = [_version(1000 + i, "MALE") for i in range(200)]
    out = _feed(driver, skewed)
    alerts = [r for r in out if r.topic == names.srb_alerts]
    decoded = _decoded(alerts, names.srb_alerts)
    assert decoded[f"{ZY}|2025-01|ALL"].status is SrbStatus.ALERT
    assert {r.header(PREVIOUS_HEADER) for r in alerts} == {"NORMAL"}
    more = _feed(driver, [_version(2000, "MALE")])  # still ALERT: reports, no new warning
    assert more
    assert all(r.topic == names.srb for r in more)


def test_recovery_resends_every_report_and_current_warning(settings: Settings) -> None:
    names = TopicNames(settings)
    table: dict[str, Any] = {}
    driver = SrbDriver(settings, table)
    versions = [_version(i, "MALE" if i % 3 else "FEMALE", month=1 + i % 3) for i in range(600)]
    live: dict[str, Outgoing] = {}
    for chunk in range(0, len(versions), 97):
        for record in _feed(driver, versions[chunk : chunk + 97]):
            live[f"{record.topic}/{(record.key or b'').decode()}"] = record
    restarted = SrbDriver(settings, table)
    again = _feed(restarted, versions[:5])  # re-delivered: only the recovery's re-sends
    resent = {f"{r.topic}/{(r.key or b'').decode()}": r for r in again}
    assert {k: r.value for k, r in resent.items() if r.topic == names.srb} == {
        k: r.value for k, r in live.items() if r.topic == names.srb
    }
    assert all(
        _decoded([r], names.srb_alerts).popitem()[1].status is not SrbStatus.NORMAL
        for r in again
        if r.topic == names.srb_alerts
    )


def test_live_reports_equal_the_offline_computation(settings: Settings) -> None:
    rng = random.Random(7)
    versions = [
        _version(
            rng.randrange(400),
            rng.choice(["MALE", "FEMALE", "UNDETERMINED"]),
            at=rng.randrange(1, 4),
            order=rng.randrange(1, 4),
            month=rng.randrange(1, 13),
        )
        for _ in range(3000)
    ]
    driver = SrbDriver(settings, {})
    latest: dict[str, bytes] = {}
    for start in range(0, len(versions), 250):
        for record in _feed(driver, versions[start : start + 250]):
            if record.topic == TopicNames(settings).srb:
                latest[(record.key or b"").decode()] = record.value
    tally = Tally()
    for key, version in versions:
        tally.apply(key, version)
    offline = ReportBuilder(tally, settings.srb).all_reports()
    codec = Codec()
    assert {k: SexRatioReport.model_validate(codec.decode(v).datum) for k, v in latest.items()} == {
        report_key(r.city, r.period, r.birth_order): r for r in offline
    }


def test_a_batch_of_births_is_forwarded_in_envelopes(settings: Settings) -> None:
    ingest, convert = SrbIngest(settings, SRB_IN), Ingest(settings, "u.a-engine-in", 4).convert
    codec = Codec()
    base = dict(sample_records()["BirthRecorded"])
    topic = TopicNames(settings).city(str(base["source_city"]), "births")
    births = [
        convert(_message(codec.encode("BirthRecorded", base | {"record_id": f"r-{n}"}), n, topic))
        for n in range(ENVELOPE_ITEMS + 2)
    ]
    watermark = codec.encode("SourceWatermark", sample_records()["SourceWatermark"])
    items = [*births[:3], convert(_message(watermark, 99, topic)), *births[3:]]
    records = ingest.forward_all(items)
    assert [(r.topic, r.partition, r.key) for r in records] == [(SRB_IN, 0, None)] * 2
    forwarded = [v for r in records for v in decode_versions(r.value)]
    one_by_one = [v for b in births for r in ingest.forward(b) for v in decode_versions(r.value)]
    assert forwarded == one_by_one
    assert len(forwarded) == ENVELOPE_ITEMS + 2


def test_an_envelope_of_versions_tallies_as_the_versions_one_by_one(settings: Settings) -> None:
    versions = [_version(i, "MALE" if i % 2 else "FEMALE", month=1 + i % 2) for i in range(40)]
    single_table: dict[str, Any] = {}
    single = _feed(SrbDriver(settings, single_table), versions)
    table: dict[str, Any] = {}
    driver = SrbDriver(settings, table)
    body = {"versions": [[k, v.to_list()] for k, v in versions]}
    driver.apply(_message(orjson.dumps(body)))
    assert driver.flush() == single
    assert table == single_table


def test_an_envelope_that_does_not_decode_in_full_is_skipped_whole(settings: Settings) -> None:
    table: dict[str, Any] = {}
    driver = SrbDriver(settings, table)
    key, version = _version(1, "MALE")
    driver.apply(_message(orjson.dumps({"versions": [[key, version.to_list()], [key]]})))
    assert driver.flush() == []
    assert table == {}
