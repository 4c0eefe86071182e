"""The broker's log directory on a small tmpfs fills up while a city publishes, and the
publisher gives up after its retries: nothing it acknowledged is missing from the topic
once space is freed and the broker restarted, and nothing is there twice.

The tmpfs is mostly taken by a ballast file first, so that the publisher's own records
fill the rest in seconds instead of minutes.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.publisher import Publisher, PublisherOptions, RowOutcome
from ivex.access.clients import as_city
from ivex.errors import IvexError
from tests.faults.own_broker import OwnBroker, start_own_broker
from tests.faults.profile import Profile
from tests.faults.publishing import events_on_topics
from tests.faults.results import record
from tests.integration.publishing_helpers import KEY, birth_row

pytestmark = [pytest.mark.integration, pytest.mark.faults]

CITY = "620700"
DISK = "64m"
#: Space left free next to the ballast: a few thousand records fill it.
HEADROOM = 3 * 1024 * 1024


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(disk)], check=True)
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.fixture
def own(tmpfs: Path) -> Iterator[OwnBroker]:
    own = start_own_broker(tmpfs / "kafka")
    try:
        yield own
    finally:
        own.broker.stop()


def test_disk_full_acknowledges_only_what_is_stored(
    own: OwnBroker, tmpfs: Path, seed: int, profile: Profile
) -> None:
    began = time.monotonic()
    ballast = tmpfs / "ballast"
    _fill(ballast, _free(tmpfs) - HEADROOM)
    city = as_city(own.admin, CITY)
    options = PublisherOptions(
        batch_size=200, attempts=2, backoff_s=0.2, delivery_timeout_ms=8000,
        bootstrap_timeout_ms=2000,
    )  # fmt: skip
    reported: list[RowOutcome] = []
    failure: IvexError | None = None
    n = 0
    with Publisher(city, CITY, key=KEY, options=options) as publisher:
        while failure is None and time.monotonic() - began < 240:
            rows = [birth_row(n + i, facility_code="H" + "9" * 30) for i in range(1, 1001)]
            n += 1000
            try:
                publisher.publish("births", rows, on_outcome=reported.append)
            except IvexError as exc:  # PublishUnavailable, or the broker's storage error
                failure = exc
    assert failure is not None, f"the disk never filled ({n} rows, {_free(tmpfs)} bytes free)"
    print(f"publisher gave up after {n} rows: {failure.code}: {failure.message}")

    ballast.unlink()  # free the disk, then bring the broker back on the same data
    if own.broker.status().running:
        own.kill()
    own.restart()
    acked = {o.event_id or "" for o in reported if o.status in ("published", "duplicate")}
    seen = events_on_topics(own.admin)
    lost = [e for e in acked if seen[e] == 0]
    doubled = [e for e, k in seen.items() if k > 1]
    record(
        "disk full", profile, seed, {"broker log dir full (tmpfs), publisher gives up": 1},
        len(acked), lost=len(lost), doubled=len(doubled), stalls=0,
        seconds=time.monotonic() - began,
    )  # fmt: skip
    assert acked, "something must have been acknowledged before the disk filled"
    assert not lost, f"{len(lost)} acknowledged events are not on the topic"
    assert not doubled


def _free(path: Path) -> int:
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def _fill(path: Path, size: int) -> None:
    chunk = b"\0" * (1024 * 1024)
    with path.open("wb") as handle:
        for _ in range(max(0, size) // len(chunk)):
            handle.write(chunk)
