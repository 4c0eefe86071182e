"""The tables the demo prints at the end."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table

from ivex.demo.cases import CaseTotals
from ivex.demo.feed import FeedTotals
from ivex.settings import Settings
from ivex.topics import STREAMS
from ivex.verify import VerifyReport


def published_table(settings: Settings, totals: FeedTotals) -> Table:
    """Events published per city and stream (duplicates in brackets)."""
    table = Table(title="Events published per city and stream (duplicates absorbed)")
    table.add_column("city")
    for stream in STREAMS:
        table.add_column(stream, justify="right")
    for city in settings.cities:
        cells = [
            f"{totals.published[(city.code, s)]:,} ({totals.duplicates[(city.code, s)]})"
            for s in STREAMS
        ]
        table.add_row(f"{city.code} {city.name}", *cells)
    return table


def rejected_table(totals: FeedTotals) -> Table:
    """Rejected rows by field and reason (they went to the cities' DLQs)."""
    table = Table(title="Rejected rows (sent to dlq.<city>) by field and reason")
    table.add_column("field")
    table.add_column("reason")
    table.add_column("rows", justify="right")
    for (fld, reason), n in totals.rejected.most_common():
        table.add_row(fld, reason, f"{n:,}")
    return table


def requests_table(settings: Settings, requests: Mapping[str, Mapping[str, Any]]) -> Table:
    """Requests raised per kind and addressed city (latest state of each)."""
    counts: Counter[tuple[str, str]] = Counter(
        (str(r["kind"]), str(r["addressed_city"])) for r in requests.values()
    )
    kinds = sorted({k for k, _ in counts})
    table = Table(title="Assistance requests per kind and addressed city")
    table.add_column("kind")
    for city in settings.cities:
        table.add_column(city.code, justify="right")
    table.add_column("total", justify="right")
    for kind in kinds:
        row = [counts[(kind, c.code)] for c in settings.cities]
        table.add_row(kind, *map(str, row), str(sum(row)))
    return table


def verify_table(report: VerifyReport) -> Table:
    """Expected vs raised per kind, and the missing/extra/differing totals."""
    table = Table(title="Requests against the simulator's ground truth")
    table.add_column("kind")
    table.add_column("expected", justify="right")
    table.add_column("raised", justify="right")
    for kind, (expected, raised) in sorted(report.by_kind.items()):
        table.add_row(kind, str(expected), str(raised))
    table.add_row("[bold]total", str(report.expected), str(report.raised))
    return table


def print_verdict(console: Console, report: VerifyReport) -> None:
    """One line a person reads first: did the exchange lose or invent anything?"""
    style = "bold green" if report.ok else "bold red"
    console.print(
        f"[{style}]missing {len(report.missing)} · extra {len(report.extra)} · "
        f"differing {len(report.differing)}[/{style}]"
    )
    for item in report.missing[:10]:
        console.print(f"  missing {item.kind} {item.request_id} → {item.addressed_city}")
    for extra in report.extra[:10]:
        console.print(f"  extra   {extra['kind']} {extra['request_id']}")
    for diff in report.differing[:10]:
        console.print(f"  differs {diff.request_id} {diff.field}: {diff.expected} ≠ {diff.actual}")


def cases_table(settings: Settings, totals: CaseTotals) -> Table:
    """What each city's case table holds after the cities answered."""
    states = ("OPEN", "ACKNOWLEDGED", "RESOLVED", "OVERDUE", "WITHDRAWN")
    table = Table(title="Partner cities' case tables (SQLite) after answering")
    table.add_column("city")
    for state in states:
        table.add_column(state, justify="right")
    table.add_column("notices", justify="right")
    for city in settings.cities:
        cells = [str(totals.states[(city.code, st)]) for st in states]
        table.add_row(f"{city.code} {city.name}", *cells, str(totals.notices[city.code]))
    answered = ", ".join(f"{n} {status}" for status, n in sorted(totals.answered.items()))
    table.caption = f"answers published: {answered or 'none'}"
    return table
