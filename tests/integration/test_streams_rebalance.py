"""A second worker joins a new group while the cities publish: the rebalance must lose
nothing.

The race this covered first: around a rebalance Faust drops records it already fetched
and counts on seeking every partition back to its committed offset; a partition nobody
had committed yet was not sought back, so its dropped records were never processed
(:mod:`streams.transport`). The batch runtime drops every partition's state at a
revocation and restores what it is assigned from the changelogs. The cities publish
topic after topic across the second worker's start, so some topics get their first
records while the group rebalances.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from ivex.settings import Settings
from tests.integration.streams_helpers import (
    WorkerProcess,
    delete_app_topics,
    running_workers,
    wait_until,
)
from tests.integration.test_streams_worker import (
    KEY,
    expected_requests,
    publish_scenario,
    wait_for_requests,
)

pytestmark = pytest.mark.integration

APP_ID = "it-rebalance"


def test_a_worker_joining_while_cities_publish_loses_nothing(
    federation: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVEX_PSEUDONYMISATION_KEY", KEY)
    workers = [
        WorkerProcess(federation, APP_ID, tmp_path / f"w{i}", tmp_path / f"w{i}.log")
        for i in (1, 2)
    ]
    started = time.monotonic()
    try:
        with running_workers(workers[:1]):
            workers[0].wait_ready()
            with running_workers(workers[1:]):
                # Topic after topic while the second worker starts, joins and the
                # group rebalances: some topics get their first records meanwhile.
                publish_scenario(federation, pause_s=0.3)
                wait_for_requests(federation, expected_requests("OVERDUE"), workers)
                # The stall diagnosis works (what a failure above would have shown).
                workers[1].signal(signal.SIGUSR1)
                wait_until(
                    lambda: "diagnose: " in workers[1].log_text() or None,
                    20.0,
                    "the SIGUSR1 diagnosis",
                )
    finally:
        delete_app_topics(federation, APP_ID)
    rebalanced = "(assignment 2)" in workers[0].log_text()
    assert rebalanced, "no rebalance: the test proved nothing"
    print(f"scenario through a rebalance in {time.monotonic() - started:.1f}s")
