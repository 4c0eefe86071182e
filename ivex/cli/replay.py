"""``ivex replay``: decode topics (or a time range of them) to JSON Lines or Avro."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from ivex.audit.avro_file import AvroContainerWriter
from ivex.audit.replay import JsonLinesSink, RecordSink, ReplayStats, replay
from ivex.audit.times import parse_instant
from ivex.audit.topic_select import select_topics
from ivex.cli.context import CliContext
from ivex.cli.progress import read_progress
from ivex.codec import shipped


@click.command("replay")
@click.argument("topics", nargs=-1, required=True)
@click.option("--from", "start", metavar="TIME", help="First instant (inclusive).")
@click.option("--to", "end", metavar="TIME", help="Last instant (inclusive; a date = its end).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "avro"]),
    default="jsonl",
    show_default=True,
    help="JSON Lines, or an Avro object container file (needs --out).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here instead of standard output.",
)
@click.pass_obj
def command(
    ctx: CliContext,
    topics: tuple[str, ...],
    start: str | None,
    end: str | None,
    fmt: str,
    out: Path | None,
) -> None:
    """Decode every record of TOPICS, in log order per partition.

    TOPICS are the federation's topic names without its topic prefix: exact names
    (monitor.srb), prefixes (city.620700 = its four streams, assist.requests = every
    city's) or globs ('city.*.births'). Any topic of the federation can be replayed:
    city streams, requests, notices, responses, dlq, monitor.srb, ivex.errors,
    assist.escalations, ivex.schemas.

    JSON Lines: one object a record with topic, partition, offset, timestamp, key,
    headers (ce_* and the DLQ's ivex_*), record_type and the decoded value (dates and
    instants as ISO text, in UTC). An undecodable value is written with value null and
    an error object, never skipped. Avro: one container file of envelopes (the same
    fields; the value a union of every ivex record type), readable by Apache Avro's
    `avro-tools tojson` — see docs/operations.md.

    TIME is an ISO date or datetime (2025-03-01, 2025-03-01T08:00, …+08:00); without
    an offset it is China Standard Time (UTC+8, the federation's zone). The range
    filters on the Kafka record timestamp, i.e. when the record was produced. A
    progress bar and a summary go to stderr, so stdout carries only records.
    """
    settings = ctx.settings
    tz = settings.rules.timezone_offset_hours
    start_ms = None if start is None else parse_instant(start, tz)
    end_ms = None if end is None else parse_instant(end, tz, end_of_day=True)
    names = select_topics(settings, topics)
    if fmt == "avro" and out is None:
        raise click.UsageError("--format avro writes a binary file: give --out FILE")
    with read_progress("Replaying") as (on_plan, on_record):

        def run(sink: RecordSink) -> ReplayStats:
            return replay(
                settings, names, sink, start_ms=start_ms, end_ms=end_ms,
                on_plan=on_plan, on_record=on_record,
            )  # fmt: skip

        if fmt == "avro":
            assert out is not None
            with AvroContainerWriter(out, shipped()) as avro:
                stats = run(avro)
        elif out is not None:
            with out.open("w", encoding="utf-8") as handle:
                stats = run(JsonLinesSink(handle))
        else:
            stats = run(JsonLinesSink(sys.stdout))
    _summary(stats, names, out)


def _summary(stats: ReplayStats, names: list[str], out: Path | None) -> None:
    types = ", ".join(f"{n} {t}" for t, n in sorted(stats.by_type.items()))
    where = f" → {out}" if out is not None else ""
    Console(stderr=True).print(
        f"replayed {stats.records} record(s) from {len(names)} topic(s){where}"
        + (f": {types}" if types else "")
        + (f"; {stats.undecodable} undecodable" if stats.undecodable else "")
    )
