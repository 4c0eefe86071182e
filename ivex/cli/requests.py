"""``ivex requests``: the state of the requests addressed to a city, as rich tables.

From the city's requests topic (latest state per ``request_id``, in log order) or, with
``--sink``, from its case table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime

import click
from rich.console import Console
from rich.table import Table

from connectors.sinks import open_case_table
from connectors.sinks.case_table import OPEN_STATES, CaseRow
from ivex.cli.context import CliContext
from ivex.codec import Codec
from ivex.models import AssistanceRequest
from ivex.settings import Settings
from ivex.topic_reader import read_topics
from ivex.topics import TopicNames


@click.command("requests")
@click.option("--city", required=True, help="Addressed city (6-digit member code).")
@click.option("--sink", "target", help="Read this case table (postgresql://… / sqlite:///…).")
@click.option("--limit", default=50, show_default=True, help="Open requests listed at most.")
@click.pass_obj
def command(obj: CliContext, city: str, target: str | None, limit: int) -> None:
    """Counts by kind and state, then open and overdue requests, oldest first."""
    obj.settings.city(city)
    if target is None:
        rows = latest_from_topic(obj.settings, city)
    else:
        with open_case_table(target) as table:
            rows = table.requests()
    console = Console()
    console.print(counts_table(rows, city))
    console.print(open_table(rows, datetime.now(UTC), limit))


def latest_from_topic(settings: Settings, city: str) -> list[CaseRow]:
    """The latest state of every request on ``assist.requests.<city>``."""
    codec = Codec()
    latest: dict[str, CaseRow] = {}
    topic = TopicNames(settings).requests(city)
    for record in read_topics(settings, [topic]):
        if record.value is None:
            continue
        datum = codec.decode(record.value, "AssistanceRequest").datum
        request = AssistanceRequest.model_validate(datum)
        row = CaseRow(
            str(request.request_id),
            request.kind,
            request.state,
            request.priority,
            request.raised_at,
            request.respond_by,
        )
        latest[row.request_id] = row
    return list(latest.values())


def counts_table(rows: Iterable[CaseRow], city: str) -> Table:
    """Requests counted by kind (rows) and state (columns)."""
    counts = Counter((r.kind, r.state) for r in rows)
    states = sorted({state for _, state in counts})
    table = Table(title=f"Requests addressed to {city}")
    table.add_column("kind")
    for state in states:
        table.add_column(state, justify="right")
    table.add_column("total", justify="right")
    for kind in sorted({kind for kind, _ in counts}):
        per_state = [counts[(kind, state)] for state in states]
        table.add_row(kind, *map(str, per_state), str(sum(per_state)))
    return table


def open_table(rows: Iterable[CaseRow], now: datetime, limit: int) -> Table:
    """Open, acknowledged and overdue requests, oldest first, with days overdue."""
    waiting = sorted((r for r in rows if r.state in OPEN_STATES), key=lambda r: r.raised_at)
    table = Table(title=f"Open requests ({len(waiting)}), oldest first")
    for name in ("request", "kind", "state", "priority", "raised_at", "respond_by"):
        table.add_column(name)
    table.add_column("days overdue", justify="right")
    for row in waiting[:limit]:
        overdue = (now - row.respond_by).days if now > row.respond_by else 0
        table.add_row(
            row.request_id[:8],
            row.kind,
            row.state,
            row.priority,
            f"{row.raised_at:%Y-%m-%d}",
            f"{row.respond_by:%Y-%m-%d}",
            str(overdue) if overdue else "",
            style="red" if overdue else None,
        )
    return table
