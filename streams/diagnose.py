"""What a running worker can say about itself when it seems stuck.

``kill -USR1 <worker pid>`` logs, per assigned stream partition, where the consumer
stands (fetch position, high-water mark, the offset processing resumes from, what is
acknowledged, whether fetching is paused), each agent's buffered events, the flow
control, and then every task's stack (mode's own SIGUSR1 dump). The integration tests
send it before they report a stall, so a stall found in CI says where it was.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import faust

log = logging.getLogger(__name__)


def consumer_lines(app: Any) -> Iterator[str]:
    """One line per assigned stream partition, then one per agent and the flow control."""
    consumer = app.consumer
    changelogs = app.tables.changelog_topics
    client = consumer._thread._ensure_consumer()
    assigned = sorted(
        (tp for tp in consumer.assignment() if tp.topic not in changelogs),
        key=lambda tp: (tp.topic, tp.partition),
    )
    active = consumer._get_active_partitions()
    for tp in assigned:
        yield _partition_line(consumer, client, tp, active)
    for agent in app.agents.values():
        for actor in list(agent._actors):
            queue = actor.stream.channel.queue
            pending = len(queue._pending_pressure_drop_callbacks)
            yield f"agent {agent.name}: {queue.qsize()} buffered, {pending} pressure callbacks"
    yield (
        f"flow control active={app.flow_control.is_active()} "
        f"consumer flow_active={consumer.flow_active} unacked={len(consumer._unacked_messages)}"
    )


def _partition_line(consumer: Any, client: Any, tp: Any, active: set[Any]) -> str:
    try:
        position: Any = client._subscription.subscription.assignment.state_value(tp).position
    except Exception as exc:  # a report must not fail on a client's internals
        position = f"? ({type(exc).__name__})"
    acked = consumer._acked.get(tp) or []
    state = "active" if tp in active else "NOT FETCHED"
    if tp in consumer._paused_partitions:
        state += " paused"
    if tp in consumer._buffered_partitions:
        state += " buffered"
    return (
        f"{tp.topic}/{tp.partition}: position={position} "
        f"highwater={client.highwater(tp)} read_offset={consumer._read_offset.get(tp)} "
        f"base={getattr(consumer, '_bases', {}).get(tp)} "
        f"committed={consumer._committed_offset.get(tp)} acked={len(acked)}"
        f"{f' from {acked[0]}' if acked else ''} gaps={len(consumer._gap.get(tp) or ())} "
        f"{state}"
    )


class Worker(faust.Worker):
    """Faust's worker whose SIGUSR1 logs :func:`consumer_lines` before the task dump."""

    def _on_sigusr1(self) -> None:
        try:
            for line in consumer_lines(self.app):
                log.warning("diagnose: %s", line)
        except Exception:  # never let a diagnosis take the worker down
            log.exception("diagnose: could not read the consumer's state")
        super()._on_sigusr1()
