"""Publish the simulated cities' files as the cities would: batch by batch, with watermarks.

Each city publishes on its own schedule (the simulator's publish plan: daily, or weekly
for the lagging city). Batches of all cities go out in time order of their boundaries,
so a lagging city really holds deadlines back while the others advance. With each
batch the city declares every stream complete through the batch boundary (one
:meth:`~connectors.publisher.Publisher.publish_parts` call per batch and city).
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from connectors.formats import InputRow, format_of, read_file
from connectors.publisher import Part, Publisher, PublishReport
from ivex.access.clients import city_client
from ivex.settings import Settings
from ivex.topics import STREAMS, Stream


@dataclass
class FeedTotals:
    """What the cities published: counts per (city, stream) and rejections by reason."""

    published: Counter[tuple[str, str]] = field(default_factory=Counter)
    duplicates: Counter[tuple[str, str]] = field(default_factory=Counter)
    rejected: Counter[tuple[str, str]] = field(default_factory=Counter)
    watermarks: int = 0

    def add(self, city: str, stream: str, report: PublishReport) -> None:
        """Count one publish report."""
        self.published[(city, stream)] += report.published
        self.duplicates[(city, stream)] += report.duplicates
        for (fld, reason), n in report.rejected_by_reason().items():
            self.rejected[(fld, reason)] += n


@dataclass(frozen=True)
class Batch:
    """Rows of one city and stream recorded up to ``boundary``."""

    boundary: datetime
    city: str
    stream: Stream
    rows: list[InputRow]


def batches(plan: dict[str, Any]) -> Iterator[tuple[datetime, str]]:
    """(boundary, city) pairs of every city's schedule, merged in time order."""
    per_city = [
        [(datetime.fromisoformat(b), city) for b in spec["boundaries"]]
        for city, spec in sorted(plan.items())
    ]
    yield from heapq.merge(*per_city)


def coarsen(plan: dict[str, Any], every: int) -> dict[str, Any]:
    """Keep every ``every``-th batch boundary of each city (and always the last one).

    Fewer, larger batches: the same records and the same final watermarks, in fewer
    round trips; the lagging city stays ``every`` times as late as the others.
    """
    out: dict[str, Any] = {}
    for city, spec in plan.items():
        bounds = list(spec["boundaries"])
        kept = bounds[every - 1 :: every]
        if not kept or kept[-1] != bounds[-1]:
            kept.append(bounds[-1])
        out[city] = dict(spec, boundaries=kept, interval_days=spec["interval_days"] * every)
    return out


def split_by_boundary(rows: list[InputRow], bounds: list[datetime]) -> list[list[InputRow]]:
    """Cut rows (sorted by recorded_at) into one list per boundary.

    A row whose recorded_at does not parse (a malformed row) stays with its neighbours.
    """
    out: list[list[InputRow]] = [[] for _ in bounds]
    slot = 0
    for row in rows:
        at = _recorded_at(row)
        while at is not None and slot < len(bounds) - 1 and at > bounds[slot]:
            slot += 1
        out[slot].append(row)
    return out


def _recorded_at(row: InputRow) -> datetime | None:
    try:
        value = datetime.fromisoformat(str(row.data.get("recorded_at", "")))
    except ValueError:
        return None
    return value if value.utcoffset() is not None else None


def feed(
    settings: Settings,
    sim_dir: Path,
    plan: dict[str, Any],
    *,
    on_batch: Callable[[datetime, str], None] | None = None,
) -> FeedTotals:
    """Publish every city's simulated files following ``plan``; return the totals."""
    totals = FeedTotals()
    cuts = {city: _city_cuts(sim_dir / city, spec) for city, spec in plan.items()}
    # Each city publishes as itself: its principal may write only its own topics.
    publishers = {city: Publisher(city_client(settings, city), city) for city in plan}
    position: Counter[str] = Counter()
    try:
        for boundary, city in batches(plan):
            slot = position[city]
            position[city] += 1
            # Every stream of the batch in one call: one flush for the rows, one for the
            # watermarks declaring each stream complete through the boundary.
            parts = [
                Part(stream, cuts[city][stream][slot], f"{stream}.csv", boundary)
                for stream in STREAMS
            ]
            for part, report in zip(parts, publishers[city].publish_parts(parts), strict=True):
                totals.add(city, part.stream, report)
                totals.watermarks += len(report.watermarks)
            if on_batch is not None:
                on_batch(boundary, city)
    finally:
        for pub in publishers.values():
            pub.close()
    return totals


def _city_cuts(city_dir: Path, spec: dict[str, Any]) -> dict[Stream, list[list[InputRow]]]:
    bounds = [datetime.fromisoformat(b) for b in spec["boundaries"]]
    cuts: dict[Stream, list[list[InputRow]]] = {}
    for stream in STREAMS:
        files = sorted(city_dir.glob(f"{stream}.*"))
        rows = list(read_file(files[0], format_of(files[0]))) if files else []
        cuts[stream] = split_by_boundary(rows, bounds)
    return cuts
