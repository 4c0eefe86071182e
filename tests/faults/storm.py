"""The federation under fire: workers, a partner's subscriber and responder, and the
publishers, all as ``ivex`` child processes; a seeded schedule of SIGKILLs and pauses."""

from __future__ import annotations

import random
import signal
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ivex.access.clients import as_city
from ivex.settings import Settings
from tests.faults.checks import lag_of
from tests.faults.children import Child, child_env
from tests.faults.publishing import PublisherJob
from tests.fixtures.diagnosis import diagnose

#: The workers' Faust app id: under the processors' app prefix (docs/security.md).
APP_ID = "ivex-faults"
#: Longer than the workers' session timeout (6 s): the group evicts the paused worker.
PAUSE_S = 9.0


@dataclass
class Federation:
    """Every process of the run, by the name the schedule kills it by."""

    admin: Settings
    processors: Settings
    run_dir: Path
    partner: str
    job: PublisherJob
    workers: list[Child] = field(default_factory=list)
    others: dict[str, Child] = field(default_factory=dict)

    @property
    def sink(self) -> str:
        """The partner's case table (``--sink`` of its subscriber)."""
        return f"sqlite:///{self.run_dir / 'partner.db'}"

    def start(self, worker_count: int = 2) -> None:
        """Start the workers, the partner's subscriber and responder, and the publisher."""
        env = child_env(self.processors)
        for n in range(1, worker_count + 1):
            data = self.run_dir / f"worker-{n}"
            args = ["streams", "worker", "--app-id", APP_ID, "--data-dir", str(data)]
            self.workers.append(Child(f"worker-{n}", args, env, self.run_dir / f"worker-{n}.log"))
        city_env = child_env(as_city(self.admin, self.partner))
        common = ["--city", self.partner]
        self.others["subscriber"] = Child(
            "subscriber", ["subscribe", *common, "--sink", self.sink, "--batch-size", "50"],
            city_env, self.run_dir / "subscriber.log",
        )  # fmt: skip
        self.others["responder"] = Child(
            "responder", ["respond", *common, "--from-case-table", self.sink, "--batch-size", "20"],
            city_env, self.run_dir / "responder.log",
        )  # fmt: skip
        for child in self.children():
            child.start()
        self.job.pump()

    def children(self) -> list[Child]:
        """Every long-running child (not the publisher runs)."""
        return [*self.workers, *self.others.values()]

    def target(self, kind: str) -> Child | None:
        """The process ``kind`` names now (the publisher: its current run, if any)."""
        if kind == "publisher":
            return self.job.current
        by_name = {c.name: c for c in self.children()}
        return by_name[kind]

    def kinds(self) -> list[str]:
        """Every kind of process the schedule kills."""
        return ["publisher", *(c.name for c in self.children())]

    def keep_alive(self) -> None:
        """Restart any child that died on its own (it is counted as a crash)."""
        for child in self.children():
            if not child.alive:
                child.start()
        self.job.pump()

    def drained(self, settings: Settings, group: str, topics: list[str]) -> bool:
        """True once ``group`` has no lag on ``topics``; meanwhile a child that died is
        started again, as a supervisor would."""
        self.keep_alive()
        return lag_of(settings, group, topics) == 0

    def stop(self) -> None:
        """Stop everything (SIGTERM, then SIGKILL)."""
        if self.job.current is not None:
            self.job.current.stop()
        for child in self.children():
            child.stop()

    def tails(self) -> str:
        """Log tails of every child and where each worker's consumer stands, for
        failure messages."""
        workers = [(w.name, w.log, w.signal) for w in self.workers]
        return "\n".join(c.tail() for c in self.children()) + "\n" + diagnose(workers)


@dataclass
class Storm:
    """The seeded schedule: each kind killed ``kills`` times, a worker paused ``pauses``
    times, at random moments ``interval`` apart; the partner answers as it goes."""

    fed: Federation
    rng: random.Random
    interval: tuple[float, float]
    injected: Counter[str] = field(default_factory=Counter)
    log: list[str] = field(default_factory=list)

    def run(self, kills: int, pauses: int) -> None:
        """Inject every fault of the schedule (restarting what was killed at once)."""
        schedule = [k for k in self.fed.kinds() for _ in range(kills)] + ["pause"] * pauses
        self.rng.shuffle(schedule)
        began = time.monotonic()
        for what in schedule:
            self._wait(self.rng.uniform(*self.interval))
            if what == "pause":
                self._pause(self.rng.choice(self.fed.workers))
            else:
                self._kill(what)
            self.log.append(f"{time.monotonic() - began:7.1f}s {what}")

    def _kill(self, kind: str) -> None:
        child = self.fed.target(kind)
        if kind == "publisher" and child is None:
            self.fed.job.pump()
            child = self.fed.job.current
        if child is None:
            return
        child.kill()
        self.injected[f"SIGKILL {kind}"] += 1
        if kind != "publisher":
            child.start()
        self.fed.job.pump()  # the publisher run starts again on the same files

    def _pause(self, worker: Child) -> None:
        worker.signal(signal.SIGSTOP)
        self._wait(PAUSE_S)
        worker.signal(signal.SIGCONT)
        self.injected["SIGSTOP worker > session timeout"] += 1

    def _wait(self, seconds: float) -> None:
        """Sleep, keeping the publisher going and the partner answering."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.fed.job.pump()
            answer_some(self.fed.run_dir / "partner.db", self.rng)
            time.sleep(min(0.3, max(0.0, end - time.monotonic())))


def answer_some(db: Path, rng: random.Random, share: float = 0.3) -> int:
    """The partner's case workers answer a share of the open requests they have not yet."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            rows = conn.execute(
                "SELECT request_id FROM ivex_requests WHERE answered_status IS NULL "
                "AND state IN ('OPEN', 'OVERDUE') ORDER BY request_id"
            ).fetchall()
            picked = [r[0] for r in rows if rng.random() < share]
            for rid in picked:
                status = rng.choice(["ACKNOWLEDGED", "RESOLVED", "UNABLE_TO_LOCATE"])
                conn.execute(
                    "UPDATE ivex_requests SET answered_status = ?, answered_outcome = ? "
                    "WHERE request_id = ?",
                    (status, None if status == "ACKNOWLEDGED" else "OTHER", rid),
                )
            return len(picked)
    except sqlite3.OperationalError:
        return 0  # the table is not there yet, or busy: answer on the next round
