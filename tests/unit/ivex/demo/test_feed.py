"""Batching of the demo feed: boundaries, coarsening, splitting rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from connectors.formats import InputRow
from ivex.demo.feed import batches, coarsen, split_by_boundary


def _plan() -> dict[str, Any]:
    days = [f"2025-01-{d:02d}T00:00:00+08:00" for d in range(2, 12)]
    return {
        "620200": {"interval_days": 1, "boundaries": days},
        "620300": {"interval_days": 7, "boundaries": [days[6], days[-1]]},
    }


def test_coarsen_keeps_every_nth_and_the_last_boundary() -> None:
    plan = coarsen(_plan(), 4)
    assert plan["620200"]["boundaries"] == [
        "2025-01-05T00:00:00+08:00",
        "2025-01-09T00:00:00+08:00",
        "2025-01-11T00:00:00+08:00",
    ]
    assert plan["620200"]["interval_days"] == 4
    assert plan["620300"]["boundaries"] == ["2025-01-11T00:00:00+08:00"]


def test_batches_of_all_cities_come_in_time_order() -> None:
    order = list(batches(_plan()))
    assert order == sorted(order)
    assert len(order) == 12


def _row(at: str) -> InputRow:
    return InputRow("f.csv", "1", {"recorded_at": at})


def test_split_by_boundary_keeps_unparseable_rows_with_neighbours() -> None:
    bounds = [datetime.fromisoformat("2025-01-02T00:00:00+08:00"),
              datetime.fromisoformat("2025-01-03T00:00:00+08:00")]  # fmt: skip
    rows = [
        _row("2025-01-01T10:00:00+08:00"),
        _row("2025-01-02T00:00:00+08:00"),
        _row("2025-02-30"),
        _row("2025-01-02T09:00:00+08:00"),
    ]
    cut = split_by_boundary(rows, bounds)
    assert [len(c) for c in cut] == [3, 1]
