"""Wait until the stream processors have consumed everything the cities published."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from ivex.errors import IvexError
from ivex.kafka_config import client_config
from ivex.settings import Settings


class NotSettledError(IvexError):
    """The processors did not catch up in time."""

    code = "not_settled"

    def __init__(self, group: str, lag: dict[str, int], timeout_s: float) -> None:
        behind = ", ".join(f"{t}: {n}" for t, n in sorted(lag.items()) if n)
        super().__init__(
            f"consumer group {group!r} still behind after {timeout_s:.0f}s ({behind}); "
            "see the worker logs in the run directory"
        )
        self.group = group
        self.lag = lag


def group_lag(settings: Settings, group: str, topics: Sequence[str]) -> dict[str, int]:
    """Per topic, messages not yet committed by ``group`` (see :func:`partition_lag`)."""
    with LagReader(settings) as reader:
        return reader.group_lag(group, topics)


def partition_lag(
    settings: Settings, group: str, topics: Sequence[str]
) -> dict[tuple[str, int], int]:
    """Per (topic, partition), messages not yet committed by ``group`` (one-shot
    :meth:`LagReader.partition_lag`)."""
    with LagReader(settings) as reader:
        return reader.partition_lag(group, topics)


class LagReader:
    """Reads a group's lag over connections kept open: a poller that asks every tenth of
    a second would otherwise connect and fetch metadata each time (about 20 ms of CPU
    and 120 ms a question, measured on the bench broker)."""

    def __init__(self, settings: Settings) -> None:
        self._admin = KafkaAdminClient(**client_config(settings))
        self._consumer = KafkaConsumer(**client_config(settings), group_id=None)

    def __enter__(self) -> LagReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close both clients."""
        self._consumer.close()
        self._admin.close()

    def group_lag(self, group: str, topics: Sequence[str]) -> dict[str, int]:
        """Per topic, messages not yet committed by ``group``."""
        lag: dict[str, int] = {}
        for (topic, _), behind in self.partition_lag(group, topics).items():
            lag[topic] = lag.get(topic, 0) + behind
        return lag

    def partition_lag(self, group: str, topics: Sequence[str]) -> dict[tuple[str, int], int]:
        """Per (topic, partition), messages not yet committed by ``group``.

        Counts ``topics`` (in full before the group's first commit) and every other topic
        the group has committed on, such as the processors' internal repartition topics —
        but not table changelogs, which a worker only reads when it recovers.
        """
        committed = _committed(self._admin, group)
        names = set(topics) | {tp.topic for tp in committed}
        names = {n for n in names if not n.endswith("-changelog")}
        consumer = self._consumer
        partitions = [
            TopicPartition(t, p) for t in names for p in (consumer.partitions_for_topic(t) or ())
        ]
        lag: dict[tuple[str, int], int] = {}
        for tp, end in consumer.end_offsets(partitions).items():
            meta = committed.get(tp)
            lag[(tp.topic, tp.partition)] = end - (
                meta.offset if meta is not None and meta.offset >= 0 else 0
            )
        return lag


def _committed(admin: KafkaAdminClient, group: str) -> dict[TopicPartition, Any]:
    try:
        offsets: dict[TopicPartition, Any] = admin.list_group_offsets({group: None})[group]
    except KafkaError:
        # No coordinator or no group yet: the workers have not committed anything.
        return {}
    return offsets


def wait_until_settled(
    settings: Settings,
    group: str,
    topics: Sequence[str],
    *,
    timeout_s: float = 600.0,
    quiet_s: float = 6.0,
    stall_s: float = 90.0,
    on_poll: Callable[[int], None] | None = None,
) -> None:
    """Block until ``group`` has no lag on ``topics`` for ``quiet_s`` seconds in a row.

    Gives up after ``timeout_s``, or sooner when the lag has not moved for ``stall_s``:
    a worker that stopped consuming a partition will not start again by itself, and
    waiting longer would not help.
    """
    deadline = time.monotonic() + timeout_s
    quiet_since: float | None = None
    lag: dict[str, int] = {}
    last, changed_at = lag, time.monotonic()
    while time.monotonic() < deadline:
        lag = group_lag(settings, group, topics)
        if on_poll is not None:
            on_poll(sum(lag.values()))
        now = time.monotonic()
        if lag != last:
            last, changed_at = lag, now
        if not any(lag.values()):
            quiet_since = quiet_since or now
            if now - quiet_since >= quiet_s:
                return
        else:
            quiet_since = None
            if now - changed_at >= stall_s:
                raise NotSettledError(group, lag, now - changed_at)
        time.sleep(1.0)
    raise NotSettledError(group, lag, timeout_s)


def group_members(settings: Settings, group: str) -> tuple[str, int]:
    """(state, number of members) of a consumer group; ("", 0) while it does not exist."""
    admin = KafkaAdminClient(**client_config(settings))
    try:
        info: dict[str, Any] = admin.describe_groups([group]).get(group, {})
    except KafkaError:
        return "", 0
    finally:
        admin.close()
    state = str(info.get("group_state") or info.get("state") or "")
    return state, len(info.get("members") or [])


def wait_for_members(
    settings: Settings,
    group: str,
    count: int,
    *,
    timeout_s: float = 120.0,
    on_poll: Callable[[], None] | None = None,
) -> None:
    """Block until ``group`` is Stable with ``count`` members.

    Feeding workers before every one has joined makes the group rebalance mid-stream;
    partitions then change hands while sends are in flight, which at-least-once
    processing survives but which can let a watermark overtake a fact and raise a
    request that is withdrawn a moment later. Waiting costs a few seconds.
    """
    deadline = time.monotonic() + timeout_s
    state, members = "", 0
    while time.monotonic() < deadline:
        if on_poll is not None:
            on_poll()
        state, members = group_members(settings, group)
        if state == "Stable" and members == count:
            return
        time.sleep(0.5)
    raise NotSettledError(group, {f"members ({state or 'no group'})": members}, timeout_s)
