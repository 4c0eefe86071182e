"""The publisher and the file connector against a real broker (docs/bad-input.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from connectors.formats import read_file
from connectors.publisher import Publisher, PublisherOptions
from ivex.broker.probe import free_port
from ivex.cli import publish
from ivex.cli.context import CliContext
from ivex.codec import Codec
from ivex.errors import PublishUnavailable, WatermarkRejected
from ivex.settings import Settings
from ivex.topics import TopicNames
from tests.integration.publishing_helpers import (
    KEY,
    assert_no_id_leak,
    bad_birth_rows,
    birth_row,
    events,
    read_all,
    write_csv,
    write_jsonl,
)

pytestmark = pytest.mark.integration
CITY = "620700"


def test_bad_rows_go_to_the_dlq_and_a_rerun_publishes_nothing_new(
    federation: Settings, tmp_path: Path
) -> None:
    good = [birth_row(n) for n in range(1, 21)]
    bad = bad_birth_rows()
    rows = good[:10] + [r for r, _, _ in bad] + good[10:] + [good[3]]  # + an in-file duplicate
    path = write_csv(tmp_path / "births.csv", "births", rows)
    topics = TopicNames(federation)

    with Publisher(federation, CITY, key=KEY, options=PublisherOptions(batch_size=7)) as pub:
        report = pub.publish("births", read_file(path, "csv"))
    assert (report.published, report.duplicates, report.rejected) == (20, 1, len(bad))
    rejected = {o.line: (o.field, o.reason) for o in report.outcomes if o.status == "rejected"}
    assert sorted(rejected.values()) == sorted((f, r) for _, f, r in bad)

    log = read_all(federation, topics.city(CITY, "births"))
    published = events(log)
    assert [r.key for r in published] == [r["record_id"].encode() for r in good]
    decoded = [Codec().decode(r.value or b"").datum for r in published]
    assert {d["record_id"] for d in decoded} == {r["record_id"] for r in good}
    watermarks = [Codec().decode(r.value or b"").datum for r in events(log, "SourceWatermark")]
    through = [w["complete_through"] for w in watermarks]
    assert through == sorted(through)
    assert through[-1] == datetime(2025, 3, 4, 2, 20, tzinfo=UTC)  # row 20: 10:20+08:00
    # A watermark follows the records it vouches for.
    assert log[-1].header("ce_type") == "SourceWatermark"

    dlq = read_all(federation, topics.dlq(CITY))
    assert len(dlq) == len(bad)
    for record in dlq:
        assert record.header("ivex_stream") == "births"
        assert record.header("ivex_source") == "births.csv"
        line = record.header("ivex_line")
        assert line is not None
        assert (record.header("ivex_field"), record.header("ivex_reason")) == rejected[line]
        value = json.loads(record.value or b"{}")
        assert value["mother_id_number"] == "<resident-id>"

    with Publisher(federation, CITY, key=KEY) as again:
        rerun = again.publish("births", read_file(path, "csv"))
    assert (rerun.published, rerun.duplicates, rerun.rejected) == (0, 21, len(bad))
    assert rerun.watermarks == []
    assert len(read_all(federation, topics.city(CITY, "births"))) == len(log)
    assert assert_no_id_leak(federation) > 0


def test_a_changed_row_with_the_same_identity_is_a_clash(federation: Settings) -> None:
    with Publisher(federation, CITY, key=KEY) as pub:
        pub.publish("births", [birth_row(1)])
        report = pub.publish("births", [birth_row(1, facility_code="H999")])
    assert report.outcomes[0].status == "rejected"
    assert report.outcomes[0].field == "recorded_at"


def test_watermarks_never_move_backwards(federation: Settings) -> None:
    t1 = datetime(2025, 3, 1, tzinfo=UTC)
    t2 = datetime(2025, 4, 1, tzinfo=UTC)
    with Publisher(federation, CITY, key=KEY) as pub:
        assert pub.declare_watermark("pregnancies", t2) is not None
        assert pub.declare_watermark("pregnancies", t2) is None
    with Publisher(federation, CITY, key=KEY) as fresh:  # reads the last one from the topic
        with pytest.raises(WatermarkRejected, match="backwards"):
            fresh.declare_watermark("pregnancies", t1)
        with pytest.raises(WatermarkRejected):
            fresh.declare_watermark("pregnancies", datetime(2999, 1, 1, tzinfo=UTC))
    log = read_all(federation, TopicNames(federation).city(CITY, "pregnancies"))
    assert len(log) == 1


def test_broker_unavailable_retries_then_fails_clearly(federation: Settings) -> None:
    nowhere = federation.model_copy(
        update={
            "kafka": federation.kafka.model_copy(
                update={"bootstrap_servers": f"127.0.0.1:{free_port()}"}
            )
        }
    )
    options = PublisherOptions(attempts=2, backoff_s=0.1, bootstrap_timeout_ms=1000)
    seen: list[object] = []
    with (
        Publisher(nowhere, CITY, key=KEY, options=options) as pub,
        pytest.raises(PublishUnavailable) as info,
    ):
        pub.publish("births", [birth_row(1), birth_row(2)], on_outcome=seen.append)
    assert seen == []
    assert info.value.attempts == 2
    assert info.value.acknowledged == 0
    assert read_all(federation, TopicNames(federation).city(CITY, "births")) == []


def test_cli_publishes_a_jsonl_file_and_exits_1_on_rejects(
    federation: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVEX_PSEUDONYMISATION_KEY", KEY.decode())
    path = write_jsonl(tmp_path / "b.jsonl", [birth_row(1), birth_row(2, child_sex="male")])
    obj = CliContext(None)
    obj._settings = federation
    args = ["--city", CITY, "--stream", "births", str(path)]
    result = CliRunner().invoke(publish.command, args, obj=obj)
    assert result.exit_code == 1, result.output
    assert "published" in result.output
    assert "must be one of" in result.output

    clean = write_jsonl(tmp_path / "c.jsonl", [birth_row(3)])
    args = [
        "--city",
        CITY,
        "--stream",
        "births",
        str(clean),
        "--complete-through",
        "2025-06-01T00:00:00+08:00",
    ]
    result = CliRunner().invoke(publish.command, args, obj=obj)
    assert result.exit_code == 0, result.output
    assert "watermark births" in result.output
    assert_no_id_leak(federation)
