"""The Faust application of the case engine: built at start-up from :class:`Settings`.

Four agents (see :mod:`streams.driver` for the logic and the crash-safety argument):

- ``ingest`` reads every ``city.<code>.<stream>`` topic (raw bytes), decodes each record
  once, and forwards facts (by ``mother_ref``) and watermarks (to every partition) to the
  internal topic ``<prefix><app_id>-engine-in``; bad input goes to the errors topic.
- ``engine`` runs one :class:`~streams.engine.engine.CaseEngine` per internal partition
  over two RocksDB-backed, changelogged tables (``women``, ``partitions``), sends notices
  to ``assist.notices.<city>``, and request decisions and its exchange-clock ticks to
  ``<prefix><app_id>-lifecycle-in``.
- ``responses`` reads every ``assist.responses.<code>`` topic, decodes each response once
  and forwards it (by ``request_id``) to the lifecycle topic; bad input goes to errors.
- ``lifecycle`` runs one :class:`~streams.lifecycle.lifecycle.RequestLifecycle` per
  lifecycle partition over two tables (``lifecycle``, ``lifecycle_clocks``) and publishes
  request states to ``assist.requests.<city>``, escalations to ``assist.escalations`` and
  rejected responses to ``dlq.<city>``.
- ``srb-ingest`` and ``srb``: the sex-ratio-at-birth monitor (:mod:`streams.driver.srb`):
  births → ``<prefix><app_id>-srb-in`` (one partition) → one tally over a table
  (``srb_records``) → reports on ``monitor.srb`` and warnings on ``monitor.alerts``.

Delivery is at-least-once (Faust's exactly-once has open duplicate bugs) with an
idempotent producer and ``acks=all``; outputs are idempotent by construction.

Every agent works in batches (``stream.take_events``: up to ``WorkerOptions.batch_max``
events, or what came within ``batch_within_s``): the drivers apply a batch in each
partition's log order and write each changed state once, and the outputs are handed to
the producer without waiting for each. The agent then goes on with its next batch while
Kafka acknowledges them (:class:`~streams.acks.InOrderAcks`, at most
``batches_in_flight`` batches): a batch's events are acknowledged to Faust only once all
its outputs and every earlier batch's are, in order, and Faust flushes the producer
(changelog records included) before it commits an offset. A batch that raises, whose
delivery fails, or that is still in flight when the agent stops is never acknowledged
(:meth:`~streams.transport.RebalanceSafeConsumer.hold`): its offsets are not committed
and its events are read again.
Only Faust-owned topics (the internal topic, changelogs) are ever declared: the city and
assist topics are provisioned by ``ivex topics apply`` and must already exist.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from functools import partial
from typing import Any, Final, cast

import faust
from faust import streams as faust_streams

from ivex.kafka_config import sasl_password, ssl_context
from ivex.settings import Settings
from ivex.topics import (
    INTERNAL_PARTITIONS,
    faust_id,
    internal_topic_name,
    lifecycle_topic_name,
    srb_topic_name,
)
from streams.acks import InOrderAcks
from streams.driver.engines import EngineDriver
from streams.driver.handlers import Handler, routed, tally
from streams.driver.ingest import Ingest
from streams.driver.lifecycles import LifecycleDriver
from streams.driver.partitioned import OwnsPartitions
from streams.driver.records import Outgoing, SourceMessage
from streams.driver.responses import ResponseIngest
from streams.driver.srb import SrbDriver, SrbIngest
from streams.options import DEFAULT_DATA_DIR, WorkerOptions
from streams.pause_guard import FencedError, PauseGuard
from streams.tables import (
    LIFECYCLE_CLOCKS_TABLE,
    LIFECYCLE_TABLE,
    PARTITIONS_TABLE,
    SRB_TABLE,
    WOMEN_TABLE,
)
from streams.transport import Transport

log = logging.getLogger(__name__)

#: The SRB monitor takes its input in batches of at most this many records, or what came
#: within this many seconds: one report per changed cell per batch.
SRB_BATCH: Final = 1000
SRB_BATCH_WITHIN_S: Final = 0.5


class IvexApp(faust.App):
    """A Faust app on :class:`streams.transport.Transport` (idempotent producer,
    rebalance-safe consumer)."""

    #: The engine driver of this app (logs, tests); set by :func:`build_app`.
    ivex_driver: EngineDriver | None = None
    #: The lifecycle driver of this app (logs, tests); set by :func:`build_app`.
    ivex_lifecycle: LifecycleDriver | None = None
    #: The SRB monitor's driver (logs, tests); set by :func:`build_app`.
    ivex_srb: SrbDriver | None = None
    #: Internal topic → the driver of its partitions (for the rebalance callbacks).
    ivex_partitioned: dict[str, OwnsPartitions]
    #: Fences the agents after the process stood still past the session timeout.
    ivex_guard: PauseGuard

    def _new_transport(self) -> Any:
        if self.conf.broker_consumer[0].scheme != "kafka":
            return super()._new_transport()
        return Transport(self.conf.broker_consumer, self)

    def _new_producer_transport(self) -> Any:
        if self.conf.broker_producer[0].scheme != "kafka":
            return super()._new_producer_transport()
        return Transport(self.conf.broker_producer, self)


def build_app(settings: Settings, options: WorkerOptions | None = None) -> IvexApp:
    """The case-engine Faust app for ``settings``; nothing connects until it is started."""
    opts = options if options is not None else WorkerOptions()
    app_id = faust_id(settings, opts.app_id)
    data_dir = opts.data_dir if opts.data_dir is not None else DEFAULT_DATA_DIR / app_id
    app = IvexApp(
        app_id,
        broker=_broker_urls(settings),
        broker_credentials=_credentials(settings),
        store=opts.store,
        datadir=str(data_dir),
        autodiscover=False,
        processing_guarantee="at_least_once",
        producer_acks=-1,
        # Outputs and changelog records are sent one by one; without a linger every
        # record is its own produce request, and the producer buffer fills up.
        producer_linger=0.005,
        # Batches of outputs go out together: one produce request carries many records
        # (aiokafka's default 16 KiB batch held about 40 internal records).
        producer_max_batch_size=256 * 1024,
        topic_allow_declare=True,  # only internal topics and changelogs are declared
        topic_disable_leader=True,
        topic_partitions=INTERNAL_PARTITIONS,
        broker_session_timeout=opts.session_timeout_s,
        broker_heartbeat_interval=opts.heartbeat_interval_s,
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
        table_standby_replicas=0,
        web_enabled=opts.web_port is not None,
        web_port=opts.web_port or 6066,
        web_host="127.0.0.1",
    )
    internal = internal_topic_name(settings, opts.app_id)
    sender = _Sender(app)
    app.ivex_partitioned = {}
    app.ivex_guard = PauseGuard(opts.session_timeout_s)
    lifecycle = lifecycle_topic_name(settings, opts.app_id)
    _wire_engine(app, settings, internal, lifecycle, sender, opts)
    _wire_lifecycle(app, settings, lifecycle, sender, opts)
    _wire_srb(app, settings, srb_topic_name(settings, opts.app_id), sender, opts)
    app.on_partitions_revoked.connect(_on_revoked)
    app.on_partitions_assigned.connect(_on_assigned)
    return app


def _internal_topic(app: IvexApp, name: str) -> Any:
    return app.topic(
        name,
        partitions=INTERNAL_PARTITIONS,
        internal=True,
        key_serializer="raw",
        value_serializer="raw",
    )


def _batched(
    handle: Handler, sender: _Sender, options: WorkerOptions
) -> Callable[[Any], Awaitable[None]]:
    """An agent body: each batch of consumed messages through ``handle``; its results
    handed to the producer, and the batch acknowledged once Kafka acknowledged them and
    every earlier batch (:class:`~streams.acks.InOrderAcks`) — meanwhile the agent goes
    on with the next batches, up to ``options.batches_in_flight``.

    The plain-Python ``handle`` holds the logic.
    """

    async def agent(stream: Any) -> None:
        acks = InOrderAcks(stream.app.consumer.hold, options.batches_in_flight)
        guard: PauseGuard = stream.app.ivex_guard
        try:
            async for events in stream.take_events(
                options.batch_max, within=options.batch_within_s
            ):
                try:
                    await acks.room()
                    if guard.fenced():
                        raise FencedError
                    batch = [_source_message(event.message) for event in events]
                    # Fenced while it ran, a driver raises before its table writes; once
                    # they are written, its outputs go out with them.
                    records = handle(batch, partial(_in_nth_event, events))
                    acks.add(events, await sender.hand_over(records))
                except FencedError:  # a zombie: whoever owns these now reads them again
                    stream.app.consumer.hold([event.message for event in events])
                except BaseException:
                    # take_events acks its events even when the body raises: hold them back.
                    stream.app.consumer.hold([event.message for event in events])
                    raise
        finally:
            acks.abandon()  # what is still in flight at a stop is read again

    return agent


def _wire_engine(
    app: IvexApp,
    settings: Settings,
    internal: str,
    lifecycle: str,
    sender: _Sender,
    options: WorkerOptions,
) -> None:
    ingest = Ingest(settings, internal, INTERNAL_PARTITIONS)
    sources = app.topic(*ingest.topics, key_serializer="raw", value_serializer="raw")
    engine_in = _internal_topic(app, internal)
    women = app.Table(WOMEN_TABLE, partitions=INTERNAL_PARTITIONS, key_type=str)
    partition_state = app.Table(PARTITIONS_TABLE, partitions=INTERNAL_PARTITIONS, key_type=str)
    driver = EngineDriver(
        settings,
        women,
        partition_state,
        partitions=INTERNAL_PARTITIONS,
        lifecycle_topic=lifecycle,
    )

    app.agent(sources, name="ingest")(_batched(routed(ingest.route), sender, options))
    driver.fence = app.ivex_guard.fenced
    app.agent(engine_in, name="engine")(_batched(driver.process_batch, sender, options))
    app.ivex_driver = driver  # for logs, tests and the rebalance callbacks
    app.ivex_partitioned[internal] = driver


def _wire_lifecycle(
    app: IvexApp, settings: Settings, lifecycle: str, sender: _Sender, options: WorkerOptions
) -> None:
    responses = ResponseIngest(settings, lifecycle, INTERNAL_PARTITIONS)
    response_topics = app.topic(*responses.topics, key_serializer="raw", value_serializer="raw")
    lifecycle_in = _internal_topic(app, lifecycle)
    records = app.Table(LIFECYCLE_TABLE, partitions=INTERNAL_PARTITIONS, key_type=str)
    clocks = app.Table(LIFECYCLE_CLOCKS_TABLE, partitions=INTERNAL_PARTITIONS, key_type=str)
    driver = LifecycleDriver(
        settings,
        records,
        clocks,
        partitions=INTERNAL_PARTITIONS,
        engine_partitions=INTERNAL_PARTITIONS,
    )

    app.agent(response_topics, name="responses")(_batched(routed(responses.route), sender, options))
    driver.fence = app.ivex_guard.fenced
    app.agent(lifecycle_in, name="lifecycle")(_batched(driver.process_batch, sender, options))
    app.ivex_lifecycle = driver
    app.ivex_partitioned[lifecycle] = driver


def _wire_srb(
    app: IvexApp, settings: Settings, srb_in: str, sender: _Sender, options: WorkerOptions
) -> None:
    ingest = SrbIngest(settings, srb_in)
    births = app.topic(*ingest.topics, key_serializer="raw", value_serializer="raw")
    srb_topic = app.topic(
        srb_in, partitions=1, internal=True, key_serializer="raw", value_serializer="raw"
    )
    records = app.Table(SRB_TABLE, partitions=1, key_type=str)
    driver = SrbDriver(settings, records)

    monitor = _batched(
        tally(driver, app.ivex_guard.fenced),
        sender,
        replace(options, batch_max=SRB_BATCH, batch_within_s=SRB_BATCH_WITHIN_S),
    )
    app.agent(births, name="srb-ingest")(_batched(routed(ingest.route), sender, options))
    app.agent(srb_topic, name="srb")(monitor)
    app.ivex_srb = driver
    app.ivex_partitioned[srb_in] = driver


def _in_nth_event(events: Sequence[Any], i: int) -> AbstractContextManager[None]:
    return _in_event(events[i])


@contextmanager
def _in_event(event: Any) -> Iterator[None]:
    """Make ``event`` Faust's current event (``take_events`` hands out events outside it)."""
    token = faust_streams._current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        faust_streams._current_event.reset(token)


async def _on_revoked(app: Any, /, *args: Any, signal: Any, **_: Any) -> None:
    # Faust signals pass the app as the sender.
    for topic, driver in app.ivex_partitioned.items():
        driver.release(tp.partition for tp in args[0] if tp.topic == topic)


async def _on_assigned(app: Any, /, *args: Any, signal: Any, **_: Any) -> None:
    app.ivex_guard.reassigned()
    for topic, driver in app.ivex_partitioned.items():
        mine = {tp.partition for tp in args[0] if tp.topic == topic}
        driver.release(p for p in driver.owned() if p not in mine)


class _Sender:
    """Sends :class:`Outgoing` records through the app's producer (the one Faust flushes
    before each commit), without Faust's per-message topic machinery."""

    def __init__(self, app: faust.App) -> None:
        self._app = app

    async def send(self, record: Outgoing) -> asyncio.Future[Any]:
        """Hand ``record`` to the producer; the future of its delivery (not awaited)."""
        future = await self._app.producer.send(
            record.topic,
            record.key,
            record.value,
            record.partition,
            None,
            list(record.headers),
        )
        return cast("asyncio.Future[Any]", future)

    async def hand_over(self, records: Iterable[Outgoing]) -> list[asyncio.Future[Any]]:
        """Hand every record to the producer in order; the futures of their delivery."""
        send = self.send
        return [await send(record) for record in records]

    async def send_all(self, records: Iterable[Outgoing]) -> None:
        """Hand every record to the producer in order, then wait until Kafka acknowledged
        them all (a failed delivery raises)."""
        pending = await self.hand_over(records)
        if pending:
            await asyncio.gather(*pending)


def _source_message(message: Any) -> SourceMessage:
    headers = message.headers or ()
    if isinstance(headers, Mapping):
        headers = list(headers.items())
    return SourceMessage(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        value=message.value,
        headers=tuple((str(k), bytes(v or b"")) for k, v in headers),
    )


def _broker_urls(settings: Settings) -> list[str]:
    return [f"kafka://{host.strip()}" for host in settings.kafka.bootstrap_servers.split(",")]


def _credentials(settings: Settings) -> Any:
    kafka = settings.kafka
    if not kafka.security_protocol.startswith("SASL"):
        return None
    context = ssl_context(settings) if kafka.security_protocol == "SASL_SSL" else None
    return faust.SASLCredentials(
        username=kafka.sasl_username,
        password=sasl_password(settings),
        mechanism=kafka.sasl_mechanism,
        ssl_context=context,
    )
