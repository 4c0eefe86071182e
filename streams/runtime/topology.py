"""What one worker of the batch runtime consumes, and what each input goes through.

The same six stages as the Faust app (:mod:`streams.app`), over the same drivers and the
same topics and changelogs, so that either runtime can take over from the other:

- ``ingest``: city topics → engine topic, and births also → SRB topic (stateless; each
  record is decoded once for both, where the Faust app has an ``srb-ingest`` agent);
- ``engine``: engine topic → lifecycle topic and notices, over ``women`` and
  ``partitions``;
- ``responses``: the cities' response topics → lifecycle topic (stateless);
- ``lifecycle``: lifecycle topic → requests, escalations, DLQs, over ``lifecycle`` and
  ``lifecycle_clocks``;
- ``srb``: SRB topic (one partition) → ``monitor.srb`` and ``monitor.alerts``, over
  ``srb_records``.

A stage with tables owns its input topic's partitions: its tables' changelogs are
partitioned alike, and a worker restores exactly the partitions it was assigned.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Final

from ivex.settings import Settings
from ivex.topics import (
    INTERNAL_PARTITIONS,
    faust_id,
    internal_topic_name,
    lifecycle_topic_name,
    srb_topic_name,
)
from streams.driver.engines import EngineDriver
from streams.driver.errors import ProcessingError
from streams.driver.handlers import Handler, routed, tally
from streams.driver.ingest import Ingest
from streams.driver.lifecycles import LifecycleDriver
from streams.driver.partitioned import InputContext, OwnsPartitions
from streams.driver.records import Outgoing, SourceMessage
from streams.driver.responses import ResponseIngest
from streams.driver.srb import SrbDriver, SrbIngest
from streams.engine.facts import Fact, Watermark
from streams.runtime.table import ChangelogTable, Cursor
from streams.tables import (
    LIFECYCLE_CLOCKS_TABLE,
    LIFECYCLE_TABLE,
    PARTITIONS_TABLE,
    SRB_TABLE,
    WOMEN_TABLE,
    changelog_name,
)


@dataclass
class Stage:
    """One consumer of some topics: its handler, and its state if it has any."""

    name: str
    topics: tuple[str, ...]
    handle: Handler
    tables: tuple[ChangelogTable, ...] = ()
    driver: OwnsPartitions | None = None


@dataclass
class Topology:
    """Every stage of one worker, and the partition cursor its tables share."""

    stages: list[Stage]
    cursor: Cursor
    engine: EngineDriver
    lifecycle: LifecycleDriver
    srb: SrbDriver
    by_topic: dict[str, list[Stage]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for stage in self.stages:
            for topic in stage.topics:
                self.by_topic.setdefault(topic, []).append(stage)

    @property
    def topics(self) -> list[str]:
        """Every topic a worker subscribes to."""
        return sorted(self.by_topic)

    def stateful(self) -> Iterator[Stage]:
        """The stages with tables (each reads one topic)."""
        return (s for s in self.stages if s.tables)

    def within(self, batch: Sequence[SourceMessage]) -> InputContext:
        """The context of ``batch[i]``: table writes go to its partition.

        The cursor moves when the context is asked for, just before it is entered: the
        drivers enter one per input, and a generator-based context manager each time
        would cost more than the move itself."""
        cursor = self.cursor

        def context(i: int) -> AbstractContextManager[None]:
            cursor.partition = batch[i].partition
            return _STAY

        return context


#: The context :meth:`Topology.within` hands out once the cursor has moved.
_STAY: Final = nullcontext()


def build_topology(settings: Settings, app_id: str) -> Topology:
    """The stages of a worker of ``app_id`` (names as the Faust app's: same topics)."""
    fid, cursor = faust_id(settings, app_id), Cursor()

    def table(name: str) -> ChangelogTable:
        return ChangelogTable(changelog_name(fid, name), cursor)

    internal = internal_topic_name(settings, app_id)
    lifecycle_topic = lifecycle_topic_name(settings, app_id)
    srb_in = srb_topic_name(settings, app_id)
    women, marks = table(WOMEN_TABLE), table(PARTITIONS_TABLE)
    records, clocks = table(LIFECYCLE_TABLE), table(LIFECYCLE_CLOCKS_TABLE)
    srb_records = table(SRB_TABLE)
    engine = EngineDriver(
        settings, women, marks, partitions=INTERNAL_PARTITIONS, lifecycle_topic=lifecycle_topic
    )
    lifecycle = LifecycleDriver(
        settings,
        records,
        clocks,
        partitions=INTERNAL_PARTITIONS,
        engine_partitions=INTERNAL_PARTITIONS,
    )
    srb = SrbDriver(settings, srb_records)
    ingest = Ingest(settings, internal, INTERNAL_PARTITIONS)
    responses = ResponseIngest(settings, lifecycle_topic, INTERNAL_PARTITIONS)
    srb_ingest = SrbIngest(settings, srb_in)
    stages = [
        Stage("ingest", tuple(ingest.topics), ingest_both(ingest, srb_ingest)),
        Stage("engine", (internal,), engine.process_batch, (women, marks), engine),
        Stage("responses", tuple(responses.topics), routed(responses.route)),
        Stage(
            "lifecycle", (lifecycle_topic,), lifecycle.process_batch, (records, clocks), lifecycle
        ),
        Stage("srb", (srb_in,), tally(srb), (srb_records,), srb),
    ]
    return Topology(stages, cursor, engine, lifecycle, srb)


def ingest_both(ingest: Ingest, srb: SrbIngest) -> Handler:
    """The ingest's handler: each city record decoded once, forwarded to the engine and,
    if it is a birth, to the SRB monitor — the batch's items in envelopes, a few records
    per partition (:func:`~streams.driver.wire.encode_items`)."""
    births = frozenset(srb.topics)

    def handle(batch: Sequence[SourceMessage], _within: InputContext) -> list[Outgoing]:
        out: list[Outgoing] = []
        items: list[Fact | Watermark] = []
        born: list[Fact | Watermark] = []
        for msg in batch:
            try:
                item = ingest.convert(msg)
            except ProcessingError as exc:
                out.append(ingest.error(msg, exc))
                continue
            items.append(item)
            if msg.topic in births:
                born.append(item)
        return out + ingest.forward_all(items) + srb.forward_all(born)

    return handle
