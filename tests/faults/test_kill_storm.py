"""SIGKILL every kind of process at seeded random moments while the cities publish a few
thousand events; pause a worker past its session timeout. Afterwards: every event the
publishers acknowledged is on its city topic exactly once, the live requests equal the
re-derivation of the log, the partner's case table holds each of its requests once in its
latest state, and no consumer group has lag."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivex.topics import TopicNames
from tests.faults.checks import (
    WorkersStalledError,
    assert_rederived,
    audit_detail,
    audit_differences,
    check_sink,
    input_topics,
    lag_of,
    poll,
    request_timeline,
    settle_workers,
    subscriber_group,
)
from tests.faults.profile import Profile
from tests.faults.publishing import (
    PublisherJob,
    busiest_city,
    check_ledger,
    echoed_ids,
    input_id_numbers,
    simulate,
)
from tests.faults.results import record
from tests.faults.storm import APP_ID, Federation, Storm
from tests.fixtures.kafka import Access

pytestmark = [
    pytest.mark.integration,
    pytest.mark.faults,
]


@pytest.fixture
def fed(access: Access, tmp_path: Path, seed: int, profile: Profile) -> Iterator[Federation]:
    sim = simulate(tmp_path / "sim", seed, profile.scale, profile.months)
    admin = access.admin
    job = PublisherJob(admin, sim, tmp_path)
    partner = busiest_city(sim)
    federation = Federation(admin, access.processors, tmp_path, partner, job)
    try:
        federation.start()
        yield federation
    finally:
        federation.stop()


def test_sigkill_storm_loses_and_doubles_nothing(
    fed: Federation, seed: int, profile: Profile
) -> None:
    storm = Storm(fed, random.Random(seed), profile.interval)
    began, began_at = time.monotonic(), time.time()
    storm.run(profile.kills, profile.pauses)
    print("\n".join(storm.log))
    print(f"storm over after {time.monotonic() - began:.0f}s")
    # The storm is over: let the publishers finish one clean pass, then everything drain.
    fed.job.cycle = False
    assert poll(lambda: _pumped(fed), 300), "the publishers did not finish\n" + fed.tails()
    try:
        settle_workers(fed.admin, APP_ID, fed.tails, supervise=fed.keep_alive)
    except WorkersStalledError:  # the ledger still counts, and must hold
        ledger = check_ledger(fed.admin, fed.job.ledger)
        record(
            "kill storm", profile, seed, storm.injected, ledger.acknowledged,
            lost=len(ledger.lost), doubled=len(ledger.duplicated), stalls=1,
            seconds=time.monotonic() - began,
        )  # fmt: skip
        assert not ledger.lost, ledger.lost[:5]
        assert not ledger.duplicated, ledger.duplicated[:5]
        raise
    # The partner's answers go out, the workers apply them, the subscriber stores them.
    db = fed.run_dir / "partner.db"
    assert poll(lambda: _all_answers_published(db), 120), fed.tails()
    settle_workers(fed.admin, APP_ID, fed.tails, supervise=fed.keep_alive)
    names = TopicNames(fed.admin)
    sub_topics = [names.requests(fed.partner), names.notices(fed.partner)]
    group = subscriber_group(fed.admin, fed.partner, fed.sink)
    assert poll(lambda: fed.drained(fed.admin, group, sub_topics), 120), fed.tails()

    ledger = check_ledger(fed.admin, fed.job.ledger)
    report = audit_differences(fed.admin)
    sink = check_sink(fed.admin, fed.partner, db)
    worker_lag = lag_of(
        fed.admin, f"{fed.admin.federation.topic_prefix}ivex-faults", input_topics(fed.admin)
    )
    record(
        "kill storm", profile, seed, storm.injected, ledger.acknowledged,
        lost=len(ledger.lost), doubled=len(ledger.duplicated) + len(sink.stale),
        stalls=worker_lag, seconds=time.monotonic() - began, diverged=report.differences,
        detail="" if report.ok else audit_detail(report),
    )  # fmt: skip
    print(f"injected {dict(storm.injected)}; acknowledged {ledger.acknowledged}")
    assert ledger.acknowledged > 500, "the workload must be acknowledged"
    assert not ledger.lost, f"acknowledged but not on the topic: {ledger.lost[:5]}"
    assert not ledger.duplicated, f"on the topic more than once: {ledger.duplicated[:5]}"
    assert report.requests.derived > 10, "the workload must raise requests"
    assert sink.on_topic > 0, sink
    assert sink.ok, sink
    assert worker_lag == 0
    # The inputs' own ID numbers, not look-alikes: a float in a log can pass the check.
    ids = input_id_numbers(fed.job.sim)
    assert ids
    for log in fed.run_dir.glob("*.log"):  # the publishers' tables, the workers' logs…
        assert not echoed_ids(log.read_text(errors="replace"), ids), log.name
    for kind in fed.kinds():
        assert storm.injected[f"SIGKILL {kind}"] >= profile.kills, storm.injected
    if not report.ok:  # when the extra requests were published, against the schedule
        print(request_timeline(fed.admin, report.requests.extra, began_at))
    assert_rederived(report)  # last: its long report must not hide the checks above


def _pumped(fed: Federation) -> bool:
    fed.keep_alive()
    return fed.job.finished


def _all_answers_published(db: Path) -> bool:
    import sqlite3

    with sqlite3.connect(db, timeout=5) as conn:
        (pending,) = conn.execute(
            "SELECT count(*) FROM ivex_requests WHERE answered_status IS NOT NULL "
            "AND response_published_at IS NULL AND response_error IS NULL"
        ).fetchone()
    return int(pending) == 0
