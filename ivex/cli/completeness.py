"""``ivex completeness``: per city and stream, the latest watermark and its lag."""

from __future__ import annotations

import sys
import time

import click
from rich.console import Console
from rich.table import Table

from ivex.audit.completeness import Basis, PairStatus, exceeding, scan, statuses
from ivex.audit.times import format_duration, local_text, parse_duration, parse_instant
from ivex.cli.context import CliContext
from ivex.cli.progress import read_progress

#: Exit status when a lag exceeds --max-lag (1 and 2 are taken by errors).
LAG_EXCEEDED = 3


@click.command("completeness")
@click.option(
    "--max-lag",
    metavar="DURATION",
    help="Exit 3 if any lag exceeds this (36h, 2d, 90m, 1d12h).",
)
@click.option(
    "--lag-basis",
    type=click.Choice(["now", "leader"]),
    default="now",
    show_default=True,
    help="Which lag --max-lag checks: behind now, or behind the stream's most advanced city.",
)
@click.option("--now", "now_text", metavar="TIME", help="Take this instant as now (ISO).")
@click.pass_obj
def command(ctx: CliContext, max_lag: str | None, lag_basis: str, now_text: str | None) -> None:
    """Per city and stream: the latest watermark and how far it lags.

    For each city and stream: complete through (the latest watermark: every record
    recorded up to then is published), its lag behind the most advanced city of that
    stream and behind now, the records published since it (recorded after it), and the
    deadlines it holds back: pending rule judgements that every other stream of their
    gate has passed (count and the oldest deadline). Runs the case engine over the city
    topics to know them (in isolation: the live workers are not involved), with a
    progress bar on stderr.

    For monitoring scripts: with --max-lag, exits 3 when any lag (behind now, or with
    --lag-basis leader behind the most advanced city) exceeds it; a stream that never
    declared a watermark always does. Exit 0 otherwise. TIME without an offset is China
    Standard Time (UTC+8); --now defaults to the wall clock.
    """
    settings = ctx.settings
    tz = settings.rules.timezone_offset_hours
    limit = None if max_lag is None else parse_duration(max_lag)
    now_ms = int(time.time() * 1000) if now_text is None else parse_instant(now_text, tz)
    with read_progress("Reading the city topics") as (on_plan, on_record):
        found = scan(settings, on_plan=on_plan, on_record=on_record)
    rows = statuses(settings.city_codes, found, now_ms)
    basis: Basis = "now" if lag_basis == "now" else "leader"
    late = exceeding(rows, limit, basis) if limit is not None else []
    console = Console()
    console.print(completeness_table(rows, late, tz, now_ms))
    if found.undecodable:
        console.print(f"{found.undecodable} undecodable record(s) skipped (see ivex.errors).")
    if limit is not None:
        if late:
            names = ", ".join(f"{r.city}/{r.stream}" for r in late)
            console.print(f"[red]lag over {max_lag} ({basis}): {names}[/red]")
            sys.exit(LAG_EXCEEDED)
        console.print(f"every lag within {max_lag} ({basis})")


def completeness_table(
    rows: list[PairStatus], late: list[PairStatus], tz: int, now_ms: int
) -> Table:
    """The report as a table; rows over the limit in red."""
    table = Table(title=f"Completeness per city and stream (now {local_text(now_ms, tz)})")
    for name in ("city", "stream", "complete through"):
        table.add_column(name, no_wrap=True)
    for name in ("behind\nleader", "behind\nnow", "records\nsince", "held"):
        table.add_column(name, justify="right")
    table.add_column("oldest held", justify="right", no_wrap=True)
    flagged = {(r.city, r.stream) for r in late}
    for r in rows:
        table.add_row(
            r.city,
            r.stream,
            "never" if r.complete_through is None else local_text(r.complete_through, tz),
            _duration(r.behind_leader),
            _duration(r.behind_now),
            str(r.records_since),
            str(r.held) if r.held else "",
            "" if r.oldest_held is None else local_text(r.oldest_held, tz),
            style="red" if (r.city, r.stream) in flagged else None,
        )
    return table


def _duration(ms: int | None) -> str:
    return "—" if ms is None else format_duration(ms)
