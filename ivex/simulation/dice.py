"""Seeded randomness that stays put when unrelated knobs change.

Each pregnancy draws its ordinary life from its own :class:`random.Random`, and each
fault decision from a keyed hash, so that turning one fault off leaves every other
decision of the run unchanged (tests compare runs that differ in one knob).
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, time, timedelta, timezone


def rng_for(seed: int, *parts: object) -> random.Random:
    """An independent generator for one purpose of one run."""
    return random.Random(":".join(str(p) for p in (seed, *parts)))  # noqa: S311 - simulation


def uniform(seed: int, *parts: object) -> float:
    """A reproducible number in [0, 1) for one decision, independent of every other one."""
    text = ":".join(str(p) for p in (seed, *parts)).encode()
    digest = hashlib.blake2b(text, digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


class Dice:
    """Fault decisions of one subject (a pregnancy, a fact)."""

    def __init__(self, seed: int, subject: str) -> None:
        self._seed = seed
        self._subject = subject

    def hit(self, name: str, rate: float, index: int = 0) -> bool:
        """Whether fault ``name`` strikes this subject (its ``index``-th child, say)."""
        return rate > 0 and uniform(self._seed, self._subject, name, index) < rate


def work_time(rng: random.Random, day: date, tz: timezone) -> datetime:
    """An instant during office hours (08:00-17:59) on ``day``: no record crosses midnight."""
    clock = time(rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59))
    return datetime.combine(day, clock, tzinfo=tz)


def days(n: int) -> timedelta:
    """``n`` days."""
    return timedelta(days=n)
