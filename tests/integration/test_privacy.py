"""The privacy scan on the secure path: cities publish as themselves (bad rows included),
a worker runs as the processors, and afterwards no resident ID number — any string
passing the ID check character with a real date — is in any topic (DLQ, changelogs and
internal topics included), the worker's log or its state directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.publisher import Publisher
from ivex.identity import looks_like_resident_id
from ivex.topics import STREAMS
from tests.fixtures.kafka import Access
from tests.integration.privacy_scan import federation_topics, leaks_in_files, leaks_in_topics
from tests.integration.streams_helpers import WorkerProcess, delete_app_topics
from tests.integration.test_streams_worker import (
    COMPLETE,
    KEY,
    expected_requests,
    scenario,
    wait_for_requests,
)

pytestmark = pytest.mark.integration

APP_ID = "ivex-privacy"


def _bad_row(row: dict[str, str]) -> dict[str, str]:
    """A row the connector rejects (bad date) that still carries a valid ID number."""
    return row | {"record_id": row["record_id"] + "-bad", "birth_date": "2025-02-30"}


def publish_as_cities(access: Access) -> int:
    """Every city publishes its part of the scenario and one bad row as itself; returns
    how many rows were rejected (to the city's DLQ)."""
    rows, rejected = scenario(), 0
    for city in access.admin.city_codes:
        with Publisher(access.city(city), city) as publisher:
            for stream in STREAMS:
                batch = rows.get((city, stream), [])
                if stream == "births" and batch:
                    batch = [*batch, _bad_row(batch[0])]
                if batch:
                    rejected += publisher.publish(stream, batch).rejected
                publisher.declare_watermark(stream, COMPLETE)
    return rejected


@pytest.fixture(params=["batch", "faust"])
def worker(
    access: Access, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[WorkerProcess]:
    # Both runtimes: the Faust one also keeps state on disk (RocksDB), which is scanned.
    proc = WorkerProcess(
        access.processors,
        APP_ID,
        tmp_path / "state",
        tmp_path / "worker.log",
        runtime=request.param,
    )
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()
        delete_app_topics(access.admin, APP_ID)


def test_no_id_number_anywhere_after_a_secure_run(
    access: Access, worker: WorkerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVEX_PSEUDONYMISATION_KEY", KEY)
    settings = access.admin
    # The scan would see one: the inputs are full of valid ID numbers.
    sample = next(iter(scenario().values()))[0]["mother_id_number"]
    assert looks_like_resident_id(f"x{sample}x")

    assert publish_as_cities(access) == 1
    wait_for_requests(settings, expected_requests("OVERDUE"), [worker])
    assert worker.stop() == 0

    topics = federation_topics(settings)
    assert any(t.endswith("-changelog") for t in topics), topics
    scanned, leaks = leaks_in_topics(settings, topics)
    assert scanned > 50
    assert leaks == []
    assert not looks_like_resident_id(worker.log_text())
    on_disk = list((tmp_path / "state").rglob("*"))
    if worker.runtime == "faust":
        assert on_disk, "the Faust worker kept no state on disk: nothing was scanned"
        assert leaks_in_files(tmp_path / "state") == []
    else:
        assert on_disk == [], "the batch runtime keeps its tables in memory only"
