"""The Wilson score interval on p = male / (male + female), mapped to the SRB scale.

SRB = 100·male/female = 100·p/(1 − p), a monotone map of p, so the interval's bounds map
one to one. The Wilson interval (not the Wald one) stays inside [0, 1] and behaves at
small counts, which is where a monthly figure of a small city lives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from statistics import NormalDist


@dataclass(frozen=True, slots=True)
class SrbInterval:
    """Point estimate and interval on the SRB scale; None where the scale is infinite."""

    srb: float | None
    ci_low: float | None
    ci_high: float | None


@cache
def z_value(confidence: float) -> float:
    """The two-sided standard-normal quantile of ``confidence`` (1.959964 for 0.95)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be strictly between 0 and 1")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def wilson_p(successes: int, n: int, confidence: float) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``successes / n`` (``n`` > 0)."""
    z = z_value(confidence)
    p = successes / n
    z2n = z * z / n
    centre = (p + z2n / 2.0) / (1.0 + z2n)
    half = z / (1.0 + z2n) * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n))
    # At 0 or n the bounds are exactly 0 or 1; rounding would leave a 1e-15 residue.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def to_srb(p: float) -> float | None:
    """100·p/(1 − p); None for p = 1 (no girls: the ratio is unbounded)."""
    return None if p >= 1.0 else 100.0 * p / (1.0 - p)


def srb_interval(male: int, female: int, confidence: float) -> SrbInterval:
    """SRB of ``male`` and ``female`` births with its Wilson interval; all None at 0 births."""
    if male < 0 or female < 0:
        raise ValueError("counts must not be negative")
    n = male + female
    if n == 0:
        return SrbInterval(None, None, None)
    low, high = wilson_p(male, n, confidence)
    point = None if female == 0 else 100.0 * male / female
    return SrbInterval(point, to_srb(low), to_srb(high))
