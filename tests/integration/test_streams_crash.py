"""SIGKILL the streams worker three times while it publishes and processes a few
thousand events and the cities answer some of the requests; after restarts, the requests
topics hold exactly the requests the pure engine and lifecycle derive from the same logs
(same ids, same latest state), none missing."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.responder import Responder
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
    answered: set[str] = set()
    for n, chunk in enumerate(chunks[:KILLS], start=1):
        worker.wait_ready(count=n)
        publish(federation, chunk)
        time.sleep(rng.uniform(0.5, 3.0))  # a random point of the processing
        answer_some(federation, rng, answered)
        time.sleep(rng.uniform(0.1, 1.5))  # … and of the lifecycle's
        worker.kill()
        worker.start()
    for chunk in chunks[KILLS:]:
        publish(federation, chunk)
    reference = reference_outputs(federation)
    assert len(reference.requests) > 100, "the workload must raise requests"
    states = {r.state for r in reference.requests.values()}
    assert {"ACKNOWLEDGED", "RESOLVED", "OVERDUE"} <= states, states

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
        f"{len(records)} events, {len(reference.requests)} requests, {len(answered)} answered, "
        f"{KILLS} kills, converged in {time.monotonic() - started:.1f}s"
    )


def answer_some(settings: Settings, rng: random.Random, answered: set[str]) -> None:
    """The addressed cities answer a third of the requests published so far, and one
    city sends an answer to a request that does not exist."""
    seen = observed_outputs(settings).requests
    fresh = sorted(rid for rid in seen if rid not in answered)
    by_city: dict[str, list[str]] = {}
    for rid in rng.sample(fresh, len(fresh) // 3):
        by_city.setdefault(seen[rid].addressed_city, []).append(rid)
        answered.add(rid)
    for city, rids in sorted(by_city.items()):
        with Responder(settings, city) as responder:
            for rid in rids:
                status = rng.choice(["ACKNOWLEDGED", "RESOLVED", "UNABLE_TO_LOCATE"])
                outcome = None if status == "ACKNOWLEDGED" else "OTHER"
                responder.respond(rid, status, outcome=outcome)
    with Responder(settings, settings.city_codes[0]) as responder:
        responder.respond(f"00000000-0000-5000-8000-{rng.randrange(10**12):012d}", "ACKNOWLEDGED")
