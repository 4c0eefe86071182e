"""Reports of a tally: one :class:`SexRatioReport` per scope, period and bucket.

A *scope* is a city or the federation pooled (:data:`FEDERATION`, the code ``000000``:
six digits, as the schema's city field wants, and no GB/T 2260 division). A *period*
is a month ``YYYY-MM`` or the 12 months ending it, ``R12:YYYY-MM``. Which periods
exist: every month some record of the scope ever named (the tally's universe; the
federation's is the union of its cities'), each as a month and as a rolling 12 months.
Buckets: "1", "2", "3+" and "ALL" (their sum).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from ivex.models import SexRatioReport
from ivex.models.monitoring import BIRTH_ORDER_BUCKETS, FEDERATION_SCOPE, ROLLING_PREFIX
from ivex.settings import SrbSettings
from streams.srb.status import srb_status
from streams.srb.tally import ORDER_BUCKETS, Tally
from streams.srb.wilson import srb_interval

#: The scope code of the federation as a whole (all member cities pooled).
FEDERATION: Final = FEDERATION_SCOPE
ROLLING_MONTHS: Final = 12
ALL: Final = "ALL"


def month_index(month: str) -> int:
    """Months since year 0 of ``YYYY-MM`` (so that months subtract)."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_text(index: int) -> str:
    """Inverse of :func:`month_index`."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def report_key(scope: str, period: str, bucket: str) -> str:
    """The key of a report on ``monitor.srb``: ``<city>|<period>|<bucket>``."""
    return f"{scope}|{period}|{bucket}"


def period_month(period: str) -> str:
    """The month a period ends with (``R12:2025-06`` → ``2025-06``)."""
    return period.removeprefix(ROLLING_PREFIX)


class ReportBuilder:
    """Builds reports from a (live) tally with the federation's SRB settings."""

    def __init__(self, tally: Tally, settings: SrbSettings) -> None:
        self.tally = tally
        self.settings = settings

    def scopes(self) -> list[str]:
        """Every city with records, then the federation."""
        return [*self.tally.cities(), FEDERATION]

    def months(self, scope: str) -> frozenset[str]:
        """The months a scope has reports for."""
        if scope != FEDERATION:
            return self.tally.months(scope)
        return frozenset().union(*(self.tally.months(c) for c in self.tally.cities()))

    def counts(self, scope: str, period: str, bucket: str) -> tuple[int, int]:
        """``(male, female)`` of one report."""
        end = month_index(period_month(period))
        span = ROLLING_MONTHS if period.startswith(ROLLING_PREFIX) else 1
        months = [month_text(i) for i in range(end - span + 1, end + 1)]
        cities = self.tally.cities() if scope == FEDERATION else [scope]
        buckets = ORDER_BUCKETS if bucket == ALL else (bucket,)
        male = female = 0
        for city in cities:
            for month in months:
                for b in buckets:
                    m, f = self.tally.counts((city, month, b))
                    male += m
                    female += f
        return male, female

    def report(self, scope: str, period: str, bucket: str) -> SexRatioReport:
        """The report of one scope, period and bucket."""
        male, female = self.counts(scope, period, bucket)
        interval = srb_interval(male, female, self.settings.confidence)
        return SexRatioReport(
            city=scope,
            period=period,
            birth_order=bucket,
            male=male,
            female=female,
            srb=interval.srb,
            ci_low=interval.ci_low,
            ci_high=interval.ci_high,
            status=srb_status(male, female, interval, self.settings),
        )

    def keys(self) -> Iterator[tuple[str, str, str]]:
        """Every ``(scope, period, bucket)`` with a report, in a stable order."""
        for scope in self.scopes():
            for month in sorted(self.months(scope)):
                yield from _month_keys(scope, month)

    def affected(self, touched: Iterable[tuple[str, str]]) -> list[tuple[str, str, str]]:
        """Reports that a change to ``(city, month)`` cells may have changed, in order."""
        found: set[tuple[str, str, str]] = set()
        for city, month in touched:
            first = month_index(month)
            for scope in (city, FEDERATION):
                universe = self.months(scope)
                found.update(_month_keys(scope, month))
                for i in range(first + 1, first + ROLLING_MONTHS):
                    later = month_text(i)
                    if later in universe:
                        found.update(_rolling_keys(scope, later))
        return sorted(found, key=_order)

    def all_reports(self) -> list[SexRatioReport]:
        """Every report of the tally."""
        return [self.report(*key) for key in self.keys()]


def _month_keys(scope: str, month: str) -> list[tuple[str, str, str]]:
    keys = [(scope, month, b) for b in BIRTH_ORDER_BUCKETS]
    return keys + _rolling_keys(scope, month)


def _rolling_keys(scope: str, month: str) -> list[tuple[str, str, str]]:
    return [(scope, ROLLING_PREFIX + month, b) for b in BIRTH_ORDER_BUCKETS]


def _order(key: tuple[str, str, str]) -> tuple[bool, str, str, bool, int]:
    scope, period, bucket = key
    return (
        scope == FEDERATION,
        scope,
        period_month(period),
        period.startswith(ROLLING_PREFIX),
        BIRTH_ORDER_BUCKETS.index(bucket),
    )
