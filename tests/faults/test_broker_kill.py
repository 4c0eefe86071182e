"""SIGKILL the broker and restart it, several times, while the cities publish and the
workers, the partner's subscriber and its responder run. Afterwards the same checks as
the kill storm: nothing acknowledged lost or doubled, the live requests equal the
re-derivation, the partner's case table current, no lag."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivex.topics import TopicNames, faust_id
from tests.faults.checks import (
    WorkersStalledError,
    assert_rederived,
    audit_detail,
    audit_differences,
    check_sink,
    input_topics,
    lag_of,
    poll,
    settle_workers,
    subscriber_group,
)
from tests.faults.own_broker import OwnBroker, start_own_broker
from tests.faults.profile import Profile
from tests.faults.publishing import PublisherJob, busiest_city, check_ledger, simulate
from tests.faults.results import record
from tests.faults.storm import APP_ID, Federation, answer_some

pytestmark = [
    pytest.mark.integration,
    pytest.mark.faults,
]


@pytest.fixture
def own(tmp_path: Path) -> Iterator[OwnBroker]:
    own = start_own_broker(tmp_path / "kafka")
    try:
        yield own
    finally:
        own.broker.stop()


def test_broker_sigkilled_under_load_loses_and_doubles_nothing(
    own: OwnBroker, tmp_path: Path, seed: int, profile: Profile
) -> None:
    rng = random.Random(seed)
    # Half the storm's workload: the broker's restarts take most of the time.
    sim = simulate(tmp_path / "sim", seed, profile.scale / 2, profile.months)
    fed = Federation(
        own.admin, own.processors, tmp_path, busiest_city(sim),
        PublisherJob(own.admin, sim, tmp_path, cycle=False),
    )  # fmt: skip
    began = time.monotonic()
    kills = 0
    try:
        fed.start(worker_count=1)
        for _ in range(profile.broker_kills):
            _busy(fed, rng, rng.uniform(4.0, 12.0))
            pid = own.kill()
            kills += 1
            print(f"{time.monotonic() - began:6.1f}s broker pid {pid} SIGKILLed")
            _busy(fed, rng, rng.uniform(0.5, 3.0))
            own.restart()
        assert poll(lambda: _pumped(fed), 300), "the publishers did not finish\n" + fed.tails()
        try:
            settle_workers(own.admin, APP_ID, fed.tails, supervise=fed.keep_alive)
        except WorkersStalledError:  # the ledger still counts, and must hold
            ledger = check_ledger(own.admin, fed.job.ledger)
            record(
                "broker kill", profile, seed, {"SIGKILL broker (restarted)": kills},
                ledger.acknowledged, lost=len(ledger.lost), doubled=len(ledger.duplicated),
                stalls=1, seconds=time.monotonic() - began,
            )  # fmt: skip
            assert not ledger.lost, ledger.lost[:5]
            assert not ledger.duplicated, ledger.duplicated[:5]
            raise
        db = tmp_path / "partner.db"
        assert poll(lambda: _answers_out(fed, db), 180), fed.tails()
        settle_workers(own.admin, APP_ID, fed.tails, supervise=fed.keep_alive)
        names = TopicNames(own.admin)
        group = subscriber_group(own.admin, fed.partner, fed.sink)
        sub_topics = [names.requests(fed.partner), names.notices(fed.partner)]
        assert poll(lambda: fed.drained(own.admin, group, sub_topics), 180), fed.tails()
        ledger = check_ledger(own.admin, fed.job.ledger)
        report = audit_differences(own.admin)
        sink = check_sink(own.admin, fed.partner, db)
        stalled = lag_of(own.admin, faust_id(own.admin, APP_ID), input_topics(own.admin))
    finally:
        fed.stop()
    record(
        "broker kill", profile, seed, {"SIGKILL broker (restarted)": kills},
        ledger.acknowledged, lost=len(ledger.lost),
        doubled=len(ledger.duplicated) + len(sink.stale), stalls=stalled,
        seconds=time.monotonic() - began, diverged=report.differences,
        detail="" if report.ok else audit_detail(report),
    )  # fmt: skip
    assert ledger.acknowledged > 300
    assert not ledger.lost, ledger.lost[:5]
    assert not ledger.duplicated, ledger.duplicated[:5]
    assert sink.ok, sink
    assert stalled == 0
    assert_rederived(report)  # last: its long report must not hide the checks above


def _busy(fed: Federation, rng: random.Random, seconds: float) -> None:
    """Keep publishing, answering and restarting crashed children for ``seconds``."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        fed.keep_alive()
        answer_some(fed.run_dir / "partner.db", rng)
        time.sleep(0.3)


def _pumped(fed: Federation) -> bool:
    fed.keep_alive()
    return fed.job.finished


def _answers_out(fed: Federation, db: Path) -> bool:
    import sqlite3

    fed.keep_alive()
    with sqlite3.connect(db, timeout=5) as conn:
        (pending,) = conn.execute(
            "SELECT count(*) FROM ivex_requests WHERE answered_status IS NOT NULL "
            "AND response_published_at IS NULL AND response_error IS NULL"
        ).fetchone()
    return int(pending) == 0
