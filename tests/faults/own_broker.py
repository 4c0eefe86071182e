"""A private secure broker for the tests that kill it or fill its disk, with the
federation's topics and access provisioned on it."""

from __future__ import annotations

import os
import signal
import uuid
from dataclasses import dataclass
from pathlib import Path

from ivex.access.apply import apply_access
from ivex.access.clients import as_user
from ivex.access.model import processors_user
from ivex.broker import LocalBroker
from ivex.provision import apply_topics
from ivex.settings import DEFAULT_CONFIG, Settings, load_settings
from tests.fixtures.broker_start import start_with_retries
from tests.fixtures.kafka import start_secure_broker


@dataclass
class OwnBroker:
    """The broker and the federation's admin and processors settings on it."""

    broker: LocalBroker
    admin: Settings
    processors: Settings

    def kill(self) -> int:
        """SIGKILL the broker's JVM (no clean shutdown); returns its pid."""
        pid = self.broker.status().pid
        assert pid is not None, "the broker is not running"
        os.killpg(pid, signal.SIGKILL)
        self.broker.stop()  # reaps it and forgets the pid file; nothing left to stop
        return pid

    def restart(self) -> None:
        """Start it again on the same ports and data (:func:`start_with_retries`)."""
        start_with_retries(self.broker)


def start_own_broker(state: Path) -> OwnBroker:
    """Start a secure broker with its state under ``state``; provision topics and access."""
    base = load_settings(DEFAULT_CONFIG)
    broker, cluster = start_secure_broker(base, state)
    admin = base.derive(
        kafka=cluster.kafka,
        access=cluster.access,
        federation={"topic_prefix": f"f{uuid.uuid4().hex[:6]}."},
    )
    apply_topics(admin)
    apply_access(admin)
    return OwnBroker(broker, admin, as_user(admin, processors_user(admin)))
