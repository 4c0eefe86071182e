"""``ivex publish``: the file connector (CSV / JSON Lines) and watermark declarations.

Exit codes: 0 all rows published or duplicates, 1 some rows rejected (they are on the
DLQ), 2 any other ivex error (e.g. Kafka unavailable: nothing unacknowledged was
reported published; re-running the file is safe).
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from connectors.formats import FORMATS, SUFFIXES, format_of, read_file
from ivex.cli.context import CliContext
from ivex.errors import PublishUnavailable
from ivex.topics import STREAMS, Stream

if TYPE_CHECKING:
    from connectors.publisher import Publisher, PublishReport, RowOutcome


@click.command("publish")
@click.option("--city", required=True, help="Publishing city (6-digit member code).")
@click.option(
    "--stream",
    type=click.Choice(STREAMS),
    help="City stream of every FILE (default: from each file's name, e.g. births.csv).",
)
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), help="Input format (default: from extension)."
)
@click.option(
    "--complete-through",
    help="Declare a watermark: every record up to this ISO 8601 instant (with zone) is "
    "published, for --stream or for every stream published.",
)
@click.option(
    "--outcomes",
    "outcomes_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append each row's final outcome (published, duplicate, rejected; with its event "
    "id) to this JSON Lines file as soon as it is known: a ledger of what Kafka acknowledged.",
)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.pass_obj
def command(
    obj: CliContext,
    city: str,
    stream: Stream | None,
    fmt: str | None,
    complete_through: str | None,
    outcomes_path: Path | None,
    paths: tuple[Path, ...],
) -> None:
    """Publish FILEs or the files of DIRs (CSV with header, or JSON Lines) of one city,
    and/or declare a watermark with --complete-through.

    Each file's stream comes from its name (births.csv, pregnancies.jsonl, ...) unless
    --stream is given; each file is sent with one flush at its end. Example:
    ivex publish --city 620700 exports/2025-03/
    """
    files = [(f, stream or _stream_of(f)) for f in _files(paths)]
    if not files and complete_through is None:
        raise click.UsageError("give FILEs or DIRs to publish, --complete-through, or both")
    if not files and stream is None:
        raise click.UsageError("--complete-through without FILEs needs --stream")
    through = _instant(complete_through) if complete_through else None
    console = Console(stderr=True)
    rejected = 0
    from connectors.publisher import Publisher  # Kafka clients: only when publishing

    with (
        Publisher(obj.settings, city) as publisher,
        _ledger(outcomes_path) as ledger,
    ):
        for file, file_stream in files:
            rejected += _publish_file(publisher, file_stream, file, fmt, console, ledger).rejected
        if through is not None:
            for declared_stream in [stream] if stream else sorted({s for _, s in files}):
                declared = publisher.declare_watermark(declared_stream, through)
                state = "published" if declared is not None else "already there"
                console.print(
                    f"watermark {declared_stream} complete through {through.isoformat()}: {state}"
                )
    if rejected:
        sys.exit(1)


def _files(paths: tuple[Path, ...]) -> list[Path]:
    """The files to publish: each FILE, and each DIR's CSV/JSON Lines files by name."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
        else:
            out.append(path)
    return out


def _stream_of(file: Path) -> Stream:
    name = file.name.split(".", 1)[0].lower()
    for stream in STREAMS:
        if name == stream:
            return stream
    raise click.UsageError(
        f"cannot tell the stream of {file.name}: name it <stream>{file.suffix} "
        f"({', '.join(STREAMS)}) or give --stream"
    )


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


@contextlib.contextmanager
def _ledger(path: Path | None) -> Iterator[IO[str] | None]:
    """The ``--outcomes`` file, line-buffered: a line is written once its row is final."""
    if path is None:
        yield None
        return
    with path.open("a", encoding="utf-8", buffering=1) as handle:
        yield handle


def _publish_file(
    publisher: Publisher,
    stream: Stream,
    file: Path,
    fmt: str | None,
    console: Console,
    ledger: IO[str] | None = None,
) -> PublishReport:
    from connectors.publisher import PublishReport

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
            if ledger is not None:
                ledger.write(json.dumps(outcome.as_dict() | {"stream": stream}) + "\n")
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
