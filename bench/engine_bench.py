"""Benchmark of the pure case engine: ``CaseEngine.apply`` alone, one core.

Generates a synthetic federation workload (default: ~200k facts across the 5 Hexi cities,
~30k women, a watermark per city and stream each day), then times applying it in
event-time order. Run: ``.venv/bin/python -m bench.engine_bench [--women N] [--seed S]``.

By default the process's GC is tuned as a driver would tune it
(:func:`streams.engine.gc_tuning.tune_gc`); ``--default-gc`` keeps CPython's default
thresholds and only freezes the generated input out of the GC (the earlier setting).

The first line of output says which engine ran: ``engine=compiled`` when the mypyc build
of ``scripts/accelerate.py`` is loaded, ``engine=pure`` otherwise (``IVEX_PURE_ENGINE=1``
forces the pure-Python one, for side-by-side runs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import time
import uuid
from dataclasses import dataclass, field, replace
from typing import Final

import streams.engine.engine as engine_module
from streams.engine.days import MS_PER_DAY, MS_PER_HOUR, end_of_day
from streams.engine.engine import CaseEngine
from streams.engine.facts import (
    CORRECT,
    RECORD,
    VOID,
    Birth,
    Fact,
    Position,
    Pregnancy,
    Registration,
    Termination,
    Watermark,
)
from streams.engine.gc_tuning import tune_gc
from streams.engine.params import EngineParams

CITIES: Final = ("620200", "620300", "620600", "620700", "620900")
STREAMS: Final = ("births", "registrations", "terminations", "pregnancies")
START: Final = dt.date(2023, 1, 1)
DAYS: Final = 5 * 365


@dataclass
class Workload:
    """Facts and watermarks in one event-time order."""

    items: list[Fact | Watermark] = field(default_factory=list)
    facts: int = 0


class _Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.offsets: dict[tuple[str, str], int] = {}
        self.facts: list[Fact] = []

    def eid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def pos(self, city: str, stream: str) -> Position:
        key = (city, stream)
        self.offsets[key] = self.offsets.get(key, -1) + 1
        return Position(f"city.{city}.{stream}", 0, self.offsets[key])

    def instant(self, day: dt.date) -> int:
        return end_of_day(day, 8) - MS_PER_DAY + self.rng.randrange(8, 20) * MS_PER_HOUR

    def woman(self, n: int) -> None:
        """Two or three pregnancies over five years, each with its records."""
        hukou = self.rng.choice(CITIES)
        edd = START + dt.timedelta(days=self.rng.randrange(200, 500))
        for episode in range(self.rng.choice((2, 2, 3, 3, 3))):
            live = hukou if self.rng.random() < 0.6 else self.rng.choice(CITIES)
            self.episode(f"m{n:06d}", f"{n}-{episode}", hukou, live, edd)
            edd += dt.timedelta(days=self.rng.randrange(400, 700))

    def episode(self, mref: str, n: str, hukou: str, live: str, edd: dt.date) -> None:
        """One pregnancy: a report, then a termination or a birth and its registration."""
        rng = self.rng
        if rng.random() < 0.7:
            self.add(self.pregnancy(mref, n, hukou, live, edd))
        if rng.random() < 0.1:
            self.add(self.termination(mref, n, hukou, live, edd - dt.timedelta(days=150)))
            return
        if rng.random() < 0.92:
            bday = edd + dt.timedelta(days=rng.randrange(-14, 10))
            b = self.birth(mref, hukou, live, bday, n)
            self.add(b)
            if rng.random() < 0.9:
                self.add(self.registration(mref, hukou, b, n))

    def add(self, fact: Fact) -> None:
        self.facts.append(fact)
        roll = self.rng.random()
        if roll < 0.05:
            later = fact.recorded_at + self.rng.randrange(1, 20) * MS_PER_DAY
            action = VOID if roll < 0.01 else CORRECT
            self.facts.append(
                replace(
                    fact,
                    event_id=self.eid(),
                    action=action,
                    recorded_at=later,
                    position=self.pos(fact.source_city, fact.stream),
                )
            )

    def pregnancy(self, mref: str, n: str, hukou: str, live: str, edd: dt.date) -> Pregnancy:
        reported = edd - dt.timedelta(days=self.rng.randrange(120, 230))
        return Pregnancy(
            self.eid(), f"p-{n}", RECORD, live, self.instant(reported), mref, hukou, live,
            reported, edd, 12, 0, self.pos(live, "pregnancies"),
        )  # fmt: skip

    def termination(self, mref: str, n: str, hukou: str, live: str, day: dt.date) -> Termination:
        weeks = self.rng.choice((8, 10, 12, 14, 16))
        approval = "A-1" if self.rng.random() < 0.5 else None
        return Termination(
            self.eid(), f"t-{n}", RECORD, live, self.instant(day), mref, hukou, day, weeks,
            "SURGICAL", False, approval, "F", self.pos(live, "terminations"),
        )  # fmt: skip

    def birth(self, mref: str, hukou: str, live: str, day: dt.date, n: str) -> Birth:
        sex = self.rng.choice(("MALE", "FEMALE"))
        at = self.instant(day + dt.timedelta(days=self.rng.randrange(0, 3)))
        return Birth(
            self.eid(), f"b-{n}", RECORD, live, at, mref, hukou, day, sex, 1, 1, 39,
            "HOSPITAL", "H", f"C{n}", self.pos(live, "births"),
        )  # fmt: skip

    def registration(self, mref: str, hukou: str, b: Birth, n: str) -> Registration:
        delay = self.rng.randrange(5, 80)
        on = b.birth_date + dt.timedelta(days=delay)
        cert = b.certificate_no if self.rng.random() < 0.8 else None
        return Registration(
            self.eid(), f"r-{n}", RECORD, hukou, self.instant(on), f"c-{n}", mref,
            b.birth_date, b.child_sex, cert, b.source_city, on, self.pos(hukou, "registrations"),
        )  # fmt: skip


def generate(women: int, seed: int) -> Workload:
    """A workload of ``women`` women, with daily watermarks of every city and stream."""
    gen = _Gen(seed)
    for n in range(women):
        gen.woman(n)
    facts = sorted(gen.facts, key=lambda f: (f.recorded_at, f.event_id))
    work = Workload(facts=len(facts))
    i = 0
    for day in range(DAYS + 120):
        through = end_of_day(START + dt.timedelta(days=day), 8)
        while i < len(facts) and facts[i].recorded_at <= through:
            work.items.append(facts[i])
            i += 1
        for city in CITIES:
            for stream in STREAMS:
                work.items.append(Watermark(gen.eid(), city, stream, through, through))
    work.items.extend(facts[i:])
    return work


def run(work: Workload) -> tuple[float, int, int]:
    """Apply the workload to a fresh engine; (CPU seconds, requests out, notices out).

    CPU time of this (single-threaded) process, so that other load on the machine does
    not distort the per-core figure.
    """
    engine = CaseEngine(EngineParams(cities=CITIES))
    requests = notices = 0
    apply = engine.apply
    t0 = time.process_time()
    for item in work.items:
        out = apply(item)
        requests += len(out.requests)
        notices += len(out.notices)
    return time.process_time() - t0, requests, notices


def engine_build() -> str:
    """``compiled`` if the mypyc build of the engine is loaded, else ``pure``."""
    path = engine_module.__file__ or ""
    return "pure" if path.endswith(".py") else "compiled"


def main() -> None:
    """Generate, time, print events/s."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--women", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--items",
        type=int,
        default=None,
        help="apply only the first N events (for instruction counts under callgrind)",
    )
    parser.add_argument(
        "--default-gc", action="store_true", help="CPython's GC thresholds (input frozen only)"
    )
    args = parser.parse_args()
    work = generate(args.women, args.seed)
    if args.items is not None:
        work.facts = sum(not isinstance(i, Watermark) for i in work.items[: args.items])
        del work.items[args.items :]
    watermarks = len(work.items) - work.facts
    if args.default_gc:
        # The generated input is not engine state: keep the cyclic GC from rescanning it.
        gc.collect()
        gc.freeze()
    else:
        tune_gc()
    seconds, requests, notices = run(work)
    print(
        f"facts={work.facts} watermarks={watermarks} women={args.women} "
        f"requests_out={requests} notices_out={notices} "
        f"gc={'default' if args.default_gc else 'tune_gc'} engine={engine_build()}"
    )
    print(f"apply: {seconds:.2f} s, {len(work.items) / seconds:,.0f} events/s "
          f"({work.facts / seconds:,.0f} facts/s counting watermark work as overhead)")  # fmt: skip


if __name__ == "__main__":
    main()
