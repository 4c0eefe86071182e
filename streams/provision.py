"""Create the worker's own topics (the engine and lifecycle input topics, table
changelogs) before Faust starts.

Faust declares them too, but each worker does so while it is already joining the
consumer group: when two workers start together, the group leader can compute an
assignment before the other worker's freshly created topic shows in its metadata, and
Faust then ignores that topic until the next rebalance — its partitions would sit
unprocessed. Creating them first, and waiting until the cluster lists them, removes the
race. Only the app's own topics are created here; city and assist topics are
``ivex topics apply``'s job.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from typing import Final

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from ivex.kafka_config import client_config
from ivex.settings import Settings
from ivex.topics import (
    INTERNAL_PARTITIONS,
    TopicSpec,
    faust_id,
    internal_topic_name,
    lifecycle_topic_name,
    srb_topic_name,
)
from streams.tables import SRB_TABLE, TABLES, changelog_name

_COMPACTED: Final = {"cleanup.policy": "compact"}


def internal_specs(settings: Settings, app_id: str) -> list[TopicSpec]:
    """The topics one app id owns: the input topics and a changelog per table."""
    fid = faust_id(settings, app_id)
    specs = [
        TopicSpec(internal_topic_name(settings, app_id), INTERNAL_PARTITIONS),
        TopicSpec(lifecycle_topic_name(settings, app_id), INTERNAL_PARTITIONS),
    ]
    specs += [
        TopicSpec(changelog_name(fid, table), INTERNAL_PARTITIONS, dict(_COMPACTED))
        for table in TABLES
    ]
    specs += [
        TopicSpec(srb_topic_name(settings, app_id), 1),
        TopicSpec(changelog_name(fid, SRB_TABLE), 1, dict(_COMPACTED)),
    ]
    return specs


def ensure_internal_topics(settings: Settings, app_id: str, *, timeout_s: float = 30.0) -> None:
    """Create the app's topics if missing and wait until the cluster lists them all."""
    specs = internal_specs(settings, app_id)
    admin = KafkaAdminClient(**client_config(settings), client_id="ivex-streams-provision")
    try:
        _create_missing(admin, specs)
        _wait_listed(admin, [s.name for s in specs], timeout_s)
    finally:
        with contextlib.suppress(Exception):
            admin.close()


def _create_missing(admin: KafkaAdminClient, specs: Sequence[TopicSpec]) -> None:
    existing = set(admin.list_topics())
    missing = [
        NewTopic(s.name, s.partitions, 1, topic_configs=s.configs)
        for s in specs
        if s.name not in existing
    ]
    for topic in missing:
        # One at a time: another worker creating the same topic is not an error.
        with contextlib.suppress(TopicAlreadyExistsError):
            admin.create_topics([topic])


def _wait_listed(admin: KafkaAdminClient, names: Sequence[str], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not set(names) <= set(admin.list_topics()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"internal topics not listed after {timeout_s}s: {names}")
        time.sleep(0.2)
