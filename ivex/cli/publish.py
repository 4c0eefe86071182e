"""``ivex publish``: the file connector (CSV / JSON Lines) and watermark declarations.

Exit codes: 0 all rows published or duplicates, 1 some rows rejected (they are on the
DLQ), 2 any other ivex error (e.g. Kafka unavailable: nothing unacknowledged was
reported published; re-running the file is safe).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from connectors.formats import FORMATS, format_of, read_file
from connectors.publisher import Publisher, PublishReport, RowOutcome
from ivex.cli.context import CliContext
from ivex.errors import PublishUnavailable
from ivex.topics import STREAMS, Stream


@click.command("publish")
@click.option("--city", required=True, help="Publishing city (6-digit member code).")
@click.option("--stream", required=True, type=click.Choice(STREAMS), help="City stream.")
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), help="Input format (default: from extension)."
)
@click.option(
    "--complete-through",
    help="Declare a watermark: every record up to this ISO 8601 instant (with zone) is published.",
)
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.pass_obj
def command(
    obj: CliContext,
    city: str,
    stream: Stream,
    fmt: str | None,
    complete_through: str | None,
    file: Path | None,
) -> None:
    """Publish FILE (CSV with header, or JSON Lines) of one city stream, and/or declare a
    watermark with --complete-through."""
    if file is None and complete_through is None:
        raise click.UsageError("give a FILE to publish, --complete-through, or both")
    through = _instant(complete_through) if complete_through else None
    console = Console(stderr=True)
    with Publisher(obj.settings, city) as publisher:
        report = _publish_file(publisher, stream, file, fmt, console) if file else None
        if through is not None:
            declared = publisher.declare_watermark(stream, through)
            state = "published" if declared is not None else "already there"
            console.print(f"watermark {stream} complete through {through.isoformat()}: {state}")
    if report is not None and report.rejected:
        sys.exit(1)


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            "not an ISO 8601 instant", param_hint="--complete-through"
        ) from None
    if moment.utcoffset() is None:
        raise click.BadParameter("give a UTC offset, e.g. +08:00", param_hint="--complete-through")
    return moment


def _publish_file(
    publisher: Publisher, stream: Stream, file: Path, fmt: str | None, console: Console
) -> PublishReport:
    rows = read_file(file, format_of(file, fmt))
    report = PublishReport(publisher.city, stream)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    with progress:
        task = progress.add_task(f"{file.name} → {stream}", total=_count_rows(file))

        def advance(outcome: RowOutcome) -> None:
            report.outcomes.append(outcome)
            progress.advance(task)

        try:
            final = publisher.publish(stream, rows, on_outcome=advance)
        except PublishUnavailable:
            _summary(console, report, partial=True)
            raise
    _summary(console, final, partial=False)
    return final


def _count_rows(file: Path) -> int | None:
    # Physical lines are an estimate (quoted CSV newlines); good enough for a progress bar.
    with file.open("rb") as handle:
        lines = sum(1 for line in handle if line.strip())
    return max(0, lines - 1) if file.suffix.lower() == ".csv" else lines


def _summary(console: Console, report: PublishReport, *, partial: bool) -> None:
    title = f"{report.city} {report.stream}" + (" (interrupted)" if partial else "")
    table = Table(title=title)
    table.add_column("outcome")
    table.add_column("rows", justify="right")
    table.add_row("published", str(report.published))
    table.add_row("duplicate", str(report.duplicates))
    table.add_row("rejected", str(report.rejected))
    for through in report.watermarks:
        table.add_row("watermark", datetime.fromtimestamp(through / 1000).astimezone().isoformat())
    console.print(table)
    reasons = report.rejected_by_reason()
    if reasons:
        by_reason = Table(title="rejected by reason (rows are on the DLQ)")
        by_reason.add_column("field")
        by_reason.add_column("reason")
        by_reason.add_column("rows", justify="right")
        for (field, reason), count in reasons.most_common():
            by_reason.add_row(field, reason, str(count))
        console.print(by_reason)
