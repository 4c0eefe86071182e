"""A second worker joins a new group while the cities publish: the rebalance must lose
nothing.

The race this covers: around a rebalance Faust drops records it already fetched and
counts on seeking every partition back to its committed offset; a partition nobody had
committed yet was not sought back, so its dropped records were never processed
(:mod:`streams.transport`). The cities publish topic after topic across the second
worker's start, so some topics get their first records while the group rebalances.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ivex.settings import Settings
from tests.integration.streams_helpers import (
    WorkerProcess,
    delete_app_topics,
    observed_outputs,
    running_workers,
    stall_report,
    wait_until,
)
from tests.integration.test_streams_worker import KEY, expected_requests, publish_scenario

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
    expected = expected_requests("OVERDUE")

    def arrived() -> bool:
        states = observed_outputs(federation).request_states()
        return all(states.get(k) == v for k, v in expected.items())

    def missing() -> str:
        states = observed_outputs(federation).request_states()
        wrong = {k: states.get(k) for k in expected if states.get(k) != expected[k]}
        return f"requests not (yet) as expected: {wrong}\n{stall_report(workers)}"

    started = time.monotonic()
    try:
        with running_workers(workers[:1]):
            workers[0].wait_ready()
            with running_workers(workers[1:]):
                # Topic after topic while the second worker starts, joins and the
                # group rebalances: some topics get their first records meanwhile.
                publish_scenario(federation, pause_s=0.3)
                wait_until(arrived, 120.0, "the expected requests", missing)
    finally:
        delete_app_topics(federation, APP_ID)
    assert "(generation 2)" in workers[1].log_text(), "no rebalance: the test proved nothing"
    print(f"scenario through a rebalance in {time.monotonic() - started:.1f}s")
