"""The publisher under fire: ``ivex publish`` per city, re-run after every kill, with its
``--outcomes`` ledger of what Kafka acknowledged; and the ledger's check against the log."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ivex.access.clients import as_city
from ivex.settings import Settings
from ivex.topic_reader import read_topics
from ivex.topics import TopicNames
from tests.faults.children import IVEX, Child, child_env

#: More of the cases that raise requests than the default, and more rows to reject.
FAULTS = {
    "unregistered": 0.15, "late_registration": 0.15, "duplicate_registration": 0.05,
    "correction": 0.05, "malformed": 0.02, "duplicate_row": 0.02,
}  # fmt: skip


def simulate(out: Path, seed: int, scale: float, months: int) -> Path:
    """The cities' input files (``ivex simulate``; its own faults included: rows to reject)."""
    faults = [arg for name, rate in FAULTS.items() for arg in ("--fault", f"{name}={rate}")]
    subprocess.run(
        [str(IVEX), "simulate", "--seed", str(seed % 10**6), "--scale", str(scale),
         "--months", str(months), "--out", str(out), *faults],
        check=True, capture_output=True, env={"PATH": str(Path(sys.executable).parent)},
    )  # fmt: skip
    return out


def input_id_numbers(sim: Path) -> set[str]:
    """Every raw resident ID number in the simulated input files (the ID-number columns)."""
    ids: set[str] = set()
    for path in sim.glob("*/*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                ids |= {v for k, v in row.items() if k and k.endswith("_id_number") and v}
    return ids


def echoed_ids(text: str, ids: set[str]) -> set[str]:
    """The ID numbers of ``ids`` that ``text`` contains (upper- or lower-case check)."""
    tokens = set(re.findall(r"\d{17}[\dXx]", text))
    return {t for t in tokens if t in ids or t.upper() in ids}


def busiest_city(sim: Path) -> str:
    """The city most requests of the simulation's truth are addressed to (the partner)."""
    lines = (sim / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    counts = Counter(json.loads(line)["addressed_city"] for line in lines if line.strip())
    return str(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0])


@dataclass
class PublisherJob:
    """Publishes every city's directory, one ``ivex publish`` at a time, as that city.

    A killed (or failed) run is started again on the same files: what was acknowledged
    comes back as duplicates. ``pump`` moves on to the next city when a run exits with
    0 or 1 (1: some rows rejected to the DLQ); after the last city it starts again from
    the first while ``cycle`` is set, so there is always a publisher to kill.
    """

    admin: Settings
    sim: Path
    run_dir: Path
    cycle: bool = True
    done: set[str] = field(default_factory=set)
    index: int = 0
    current: Child | None = None

    @property
    def ledger(self) -> Path:
        """The ledger file all runs append to."""
        return self.run_dir / "ledger.jsonl"

    def pump(self) -> None:
        """Start the next run if none is running; note which cities completed."""
        cities = self.admin.city_codes
        if self.current is not None and not self.current.alive:
            code = self.current.returncode()
            if code in (0, 1):
                self.done.add(cities[self.index])
                self.index = (self.index + 1) % len(cities)
            self.current = None
        if self.current is None and (self.cycle or len(self.done) < len(cities)):
            city = cities[self.index]
            args = ["publish", "--city", city, "--outcomes", str(self.ledger), str(self.sim / city)]
            env = child_env(as_city(self.admin, city))
            self.current = Child(f"publisher-{city}", args, env, self.run_dir / "publisher.log")
            self.current.start()

    @property
    def finished(self) -> bool:
        """Every city published once, and no run in flight."""
        return len(self.done) == len(self.admin.city_codes) and self.current is None


def acknowledged(ledger: Path) -> set[str]:
    """Event ids the publishers reported published or duplicate (both: on Kafka)."""
    ids: set[str] = set()
    if not ledger.exists():
        return ids
    for line in ledger.read_text(encoding="utf-8").splitlines():
        if not line.endswith("}"):
            continue  # a line cut by SIGKILL: its row was not reported
        row = json.loads(line)
        if row["status"] in ("published", "duplicate"):
            ids.add(row["event_id"])
    return ids


def events_on_topics(settings: Settings) -> Counter[str]:
    """How often each event id (``ce_id``) is on the city topics, watermarks left out."""
    seen: Counter[str] = Counter()
    for rec in read_topics(settings, TopicNames(settings).all_city_topics()):
        if rec.header("ce_type") != "SourceWatermark":
            seen[rec.header("ce_id") or ""] += 1
    return seen


@dataclass(frozen=True)
class LedgerCheck:
    """The ledger against the log: lost (acknowledged, not there) and doubled events."""

    acknowledged: int
    lost: tuple[str, ...]
    duplicated: tuple[str, ...]


def check_ledger(settings: Settings, ledger: Path) -> LedgerCheck:
    """Every acknowledged event in its city topic exactly once."""
    acked = acknowledged(ledger)
    seen = events_on_topics(settings)
    lost = tuple(sorted(e for e in acked if seen[e] == 0))
    doubled = tuple(sorted(e for e, n in seen.items() if n > 1))
    return LedgerCheck(len(acked), lost, doubled)
