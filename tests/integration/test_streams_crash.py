"""SIGKILL the streams worker three times while it publishes and processes a few
thousand events; after restarts, the requests topics hold exactly the requests the pure
engine derives from the same log (same ids, same latest state), none missing."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivex.settings import Settings
from tests.integration.streams_helpers import (
    READY,
    Outputs,
    WorkerProcess,
    delete_app_topics,
    observed_outputs,
    reference_outputs,
    wait_until,
)
from tests.integration.streams_workload import Workload, publish

pytestmark = pytest.mark.integration

SEED = 20250601
WOMEN = 1200
KILLS = 3
APP_ID = "crash-engine"


@pytest.fixture
def worker(federation: Settings, tmp_path: Path) -> Iterator[WorkerProcess]:
    proc = WorkerProcess(federation, APP_ID, tmp_path / "state", tmp_path / "worker.log")
    try:
        yield proc
    finally:
        proc.stop()
        delete_app_topics(federation, APP_ID)


def test_killed_worker_loses_and_invents_nothing(
    federation: Settings, worker: WorkerProcess
) -> None:
    rng = random.Random(SEED)
    records = list(Workload(federation.city_codes, WOMEN, SEED).records())
    # Interleaved slices would break each topic's order; cut in contiguous parts instead.
    size = -(-len(records) // (KILLS + 1))
    chunks = [records[i : i + size] for i in range(0, len(records), size)]
    started = time.monotonic()
    worker.start()
    for n, chunk in enumerate(chunks[:KILLS], start=1):
        worker.wait_ready(count=n)
        publish(federation, chunk)
        time.sleep(rng.uniform(0.5, 3.0))  # a random point of the processing
        worker.kill()
        worker.start()
    for chunk in chunks[KILLS:]:
        publish(federation, chunk)
    reference = reference_outputs(federation)
    assert len(reference.requests) > 100, "the workload must raise requests"

    def converged() -> Outputs | None:
        seen = observed_outputs(federation)
        return seen if seen.request_states() == reference.request_states() else None

    try:
        wait_until(converged, 120.0, "the requests of the reference engine")
    except AssertionError:
        seen = observed_outputs(federation)
        missing = set(reference.requests) - set(seen.requests)
        extra = set(seen.requests) - set(reference.requests)
        differing = {
            k
            for k in set(seen.requests) & set(reference.requests)
            if seen.requests[k].state != reference.requests[k].state
        }
        raise AssertionError(
            f"missing {len(missing)}, extra {len(extra)}, differing {len(differing)} of "
            f"{len(reference.requests)}; restarts: {worker.log_text().count(READY)}"
        ) from None
    seen = observed_outputs(federation)
    assert seen.requests == reference.requests
    assert set(seen.notices) == set(reference.notices)
    assert worker.log_text().count(READY) == KILLS + 1
    print(
        f"{len(records)} events, {len(reference.requests)} requests, "
        f"{KILLS} kills, converged in {time.monotonic() - started:.1f}s"
    )
