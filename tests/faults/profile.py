"""The two profiles of the fault-injection suite and its seed.

``IVEX_FAULTS_PROFILE=long`` (``make faults``) selects the long profile; the short one runs
in ``make test``. ``IVEX_FAULTS_SEED`` replays a run: every random choice (what is killed,
when, which rows are mutated) comes from it, and it is printed when a test fails.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """How hard the suite pushes: workload size, injections per kind, pacing."""

    name: str
    #: ``ivex simulate --scale`` and ``--months`` of the workload.
    scale: float
    months: int
    #: SIGKILLs per kind of process (publisher, each worker, subscriber, responder).
    kills: int
    #: Seconds between two injections: uniform in this range.
    interval: tuple[float, float]
    #: SIGSTOP/SIGCONT pauses of a worker, each longer than the session timeout.
    pauses: int
    #: SIGKILLs of the broker (restarted each time) under load.
    broker_kills: int
    #: Hypothesis examples of each integration fuzz test.
    fuzz_examples: int


SHORT = Profile("short", 0.16, 8, 5, (0.8, 2.0), 1, 3, 40)
LONG = Profile("long", 0.6, 12, 30, (0.8, 3.0), 3, 5, 400)


def current() -> Profile:
    """The profile ``IVEX_FAULTS_PROFILE`` names (short unless it says long)."""
    return LONG if os.environ.get("IVEX_FAULTS_PROFILE", "short").lower() == "long" else SHORT


def seed() -> int:
    """``IVEX_FAULTS_SEED``, or a fresh random seed (printed with any failure)."""
    given = os.environ.get("IVEX_FAULTS_SEED")
    return int(given) if given else random.SystemRandom().randrange(2**31)
