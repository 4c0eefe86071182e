"""The Faust app is built from Settings without side effects, configured as the
contract says, and its ingest agent routes records without Kafka (test_context)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import faust
from faust.types.enums import ProcessingGuarantee

from ivex.codec import Codec
from ivex.samples import sample_records
from ivex.settings import Settings
from ivex.topics import (
    INTERNAL_PARTITIONS,
    TopicNames,
    faust_id,
    internal_topic_name,
    lifecycle_topic_name,
    srb_topic_name,
)
from streams.app import IvexApp, build_app
from streams.options import WorkerOptions
from streams.producer import IdempotentProducer
from streams.provision import internal_specs
from streams.tables import SRB_TABLE
from streams.transport import RebalanceSafeConsumer


def _app(settings: Settings, tmp_path: Path, store: str = "memory://") -> faust.App:
    return build_app(settings, WorkerOptions(app_id="a", data_dir=tmp_path, store=store))


def test_configuration(settings: Settings, tmp_path: Path) -> None:
    app = _app(settings, tmp_path, "rocksdb://")
    conf = app.conf
    assert isinstance(app, IvexApp)
    assert conf.id == "u.a"
    assert str(conf.processing_guarantee) == str(ProcessingGuarantee.AT_LEAST_ONCE)
    assert conf.producer_acks == -1
    assert conf.topic_partitions == INTERNAL_PARTITIONS
    assert conf.topic_disable_leader
    assert not conf.web_enabled
    assert str(conf.store) == "rocksdb:"
    assert [str(u) for u in conf.broker] == [f"kafka://{settings.kafka.bootstrap_servers}"]
    assert set(app.tables) == {"women", "partitions", "lifecycle", "lifecycle_clocks", SRB_TABLE}


def test_the_producer_is_idempotent(settings: Settings, tmp_path: Path) -> None:
    app = _app(settings, tmp_path)
    producer = app.producer
    assert isinstance(producer, IdempotentProducer)
    extra = producer._settings_extra()
    assert extra["enable_idempotence"] is True
    assert extra["acks"] == "all"


def test_the_consumer_rewinds_never_committed_partitions(
    settings: Settings, tmp_path: Path
) -> None:
    assert isinstance(_app(settings, tmp_path).consumer, RebalanceSafeConsumer)


def test_only_internal_topics_are_declared(settings: Settings, tmp_path: Path) -> None:
    app = _app(settings, tmp_path)
    ingest, engine = app.agents["ingest"].channel, app.agents["engine"].channel
    assert set(ingest.topics) == set(TopicNames(settings).all_city_topics())
    assert not ingest.internal  # provisioned by `ivex topics apply`, never declared
    assert list(engine.topics) == [internal_topic_name(settings, "a")]
    assert engine.internal
    assert engine.partitions == INTERNAL_PARTITIONS
    responses, lifecycle = app.agents["responses"].channel, app.agents["lifecycle"].channel
    names = TopicNames(settings)
    assert set(responses.topics) == {names.responses(c) for c in settings.city_codes}
    assert not responses.internal
    assert list(lifecycle.topics) == [lifecycle_topic_name(settings, "a")]
    assert lifecycle.internal
    assert lifecycle.partitions == INTERNAL_PARTITIONS
    fid = faust_id(settings, "a")
    assert {s.name for s in internal_specs(settings, "a")} == {
        internal_topic_name(settings, "a"),
        lifecycle_topic_name(settings, "a"),
        f"{fid}-women-changelog",
        f"{fid}-partitions-changelog",
        f"{fid}-lifecycle-changelog",
        f"{fid}-lifecycle_clocks-changelog",
        srb_topic_name(settings, "a"),
        f"{fid}-{SRB_TABLE}-changelog",
    }
    births, srb = app.agents["srb-ingest"].channel, app.agents["srb"].channel
    assert set(births.topics) == {names.city(c, "births") for c in settings.city_codes}
    assert not births.internal
    assert list(srb.topics) == [srb_topic_name(settings, "a")]
    assert srb.internal
    assert srb.partitions == 1


def test_ingest_agent_routes_a_watermark_to_every_partition(
    settings: Settings, tmp_path: Path
) -> None:
    app = _app(settings, tmp_path)
    sent: list[tuple[str, int | None]] = []

    async def fake_send(
        topic: str, key: bytes | None, value: bytes, partition: int | None, *_: object
    ) -> asyncio.Future[None]:
        sent.append((topic, partition))
        delivered: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        delivered.set_result(None)
        return delivered

    value = Codec().encode("SourceWatermark", sample_records()["SourceWatermark"])
    city_topic = TopicNames(settings).city("620700", "births")

    async def run() -> None:
        agent = app.agents["ingest"]
        app.producer.send = fake_send  # type: ignore[method-assign,assignment]
        wrapper = agent.test_context()
        # The agent reads 20 topics; tell the test wrapper which one the record is from.
        wrapper._get_strtopic = lambda _channel: city_topic
        async with wrapper as ctx:
            await ctx.put(value, key=b"k")

    asyncio.run(run())
    internal = internal_topic_name(settings, "a")
    assert sent == [(internal, p) for p in range(INTERNAL_PARTITIONS)]


def test_workers_log_in_with_scram_over_tls_trusting_the_configured_ca(
    settings: Settings, tmp_path: Path
) -> None:
    credentials = _app(settings, tmp_path).conf.broker_credentials
    assert isinstance(credentials, faust.SASLCredentials)
    assert credentials.mechanism.value == "SCRAM-SHA-512"
    assert credentials.protocol.value == "SASL_SSL"
    assert credentials.username == settings.kafka.sasl_username
    context = credentials.ssl_context
    assert context is not None
    assert context.check_hostname
    assert any("ivex local CA" in str(c["subject"]) for c in context.get_ca_certs())
