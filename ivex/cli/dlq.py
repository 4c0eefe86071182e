"""``ivex dlq``: a city's rejected rows, from ``dlq.<city>``."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from ivex.audit.dead_letters import Rejected, counts_by_reason, read_dead_letters
from ivex.audit.times import local_text, parse_instant
from ivex.cli.context import CliContext
from ivex.cli.progress import read_progress


@click.command("dlq")
@click.option("--city", required=True, help="Member city (6-digit code) whose DLQ to read.")
@click.option("--since", metavar="TIME", help="Only rows rejected at or after TIME (ISO).")
@click.option("--limit", default=50, show_default=True, help="Rows listed at most (newest).")
@click.pass_obj
def command(ctx: CliContext, city: str, since: str | None, limit: int) -> None:
    """A city's rejected input rows: where from, which field, why — and counts by reason.

    Reads dlq.<city>: rows its connectors rejected (file and line, or HTTP request and
    item, or outbox id) and responses the exchange rejected (topic and offset). Shows
    the field and the reason, and the row's record_id; never the row's other values,
    and never a resident ID number (the DLQ keeps rows masked, and this masks again).
    TIME is an ISO date or datetime, China Standard Time (UTC+8) without an offset;
    it filters on when the row was rejected.
    """
    settings = ctx.settings
    settings.city(city)
    tz = settings.rules.timezone_offset_hours
    since_ms = None if since is None else parse_instant(since, tz)
    with read_progress(f"Reading dlq.{city}") as (on_plan, on_record):
        rows = read_dead_letters(
            settings, city, since_ms=since_ms, on_plan=on_plan, on_record=on_record
        )
    console = Console()
    console.print(reasons_table(rows, city))
    console.print(rows_table(rows, limit, tz))


def reasons_table(rows: list[Rejected], city: str) -> Table:
    """Counts by stream, field and reason, most frequent first."""
    table = Table(title=f"Rejected rows of {city}: {len(rows)}")
    for name in ("stream", "field", "reason"):
        table.add_column(name)
    table.add_column("rows", justify="right")
    for stream, field, reason, count in counts_by_reason(rows):
        table.add_row(stream, field, reason, str(count))
    return table


def rows_table(rows: list[Rejected], limit: int, tz: int) -> Table:
    """The newest ``limit`` rejected rows, oldest of them first."""
    shown = rows[-limit:] if limit > 0 else []
    table = Table(title=f"Rejected rows ({len(shown)} of {len(rows)}, newest last)")
    for name in ("rejected", "stream", "source", "line", "record_id", "field", "reason"):
        table.add_column(name)
    for r in shown:
        table.add_row(
            local_text(r.timestamp_ms, tz), r.stream, r.source, r.line, r.record_id, r.field,
            r.reason,
        )  # fmt: skip
    return table
