"""``ivex audit checkpoint`` and ``ivex audit verify``: tamper evidence by hash chain.

The chain and what it covers: :mod:`ivex.audit.chain`; docs/audit.md for operators.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ivex.audit.checkpoints import checkpoint, verify
from ivex.cli.context import CliContext
from ivex.topics import TopicNames

_TOPIC_HELP = "A topic to cover (repeatable); default: every city topic."


@click.command("checkpoint")
@click.option("--topic", "topics", multiple=True, help=_TOPIC_HELP)
@click.pass_obj
def checkpoint_command(ctx: CliContext, topics: tuple[str, ...]) -> None:
    """Extend the hash chain of each topic partition up to its current end.

    Appends checkpoints to the compacted audit.checkpoints topic: for each partition, the
    range of offsets covered, the chain head, the head it extends and every record's
    digest. Runs incrementally (only records since the last checkpoint are read);
    schedule it (e.g. hourly) and keep the printed heads somewhere the broker's
    administrators cannot write.
    """
    settings = ctx.settings
    chosen = list(topics) or TopicNames(settings).all_city_topics()
    with _counting("Chaining records") as tick:
        segments = checkpoint(settings, chosen, on_record=tick)
    if not segments:
        Console().print("Nothing new since the last checkpoints.")
        return
    table = Table(title=f"Checkpoints appended: {len(segments)}")
    for name in ("topic", "partition", "offsets", "records", "chain head"):
        right = name in ("partition", "records")
        table.add_column(name, justify="right" if right else "left", no_wrap=name == "topic")
    for s in segments:
        table.add_row(
            s.topic,
            str(s.partition),
            f"{s.start}–{s.end - 1}",
            f"{s.end - s.start:,}",
            s.head.hex()[:16],
        )
    Console().print(table)


@click.command("verify")
@click.option(
    "--topic", "topics", multiple=True, help="A checkpointed topic (repeatable); default: all."
)
@click.option(
    "--against",
    help="Read this topic (a copy or mirror, same offsets) in place of the single --topic.",
)
@click.pass_obj
def verify_command(ctx: CliContext, topics: tuple[str, ...], against: str | None) -> None:
    """Recompute the hash chain from offset 0 and compare it with the checkpoints.

    Names the first offset whose record was altered, deleted, reordered or inserted
    since it was checkpointed (or a checkpoint that was forged); records after the
    last checkpoint are counted as not covered yet. Exits 1 on any tampering.
    """
    settings = ctx.settings
    with _counting("Re-reading the logs") as tick:
        verdicts = verify(settings, list(topics) or None, against=against, on_record=tick)
    table = Table(title="Tamper evidence")
    names = ("checkpointed", "read from") if against else ("topic/partition",)
    for name in (*names, "checked", "not covered", "verdict"):
        right = name in ("checked", "not covered")
        table.add_column(name, justify="right" if right else "left", no_wrap=name in names)
    for v in verdicts:
        if v.finding is None:
            verdict = "[green]intact[/green]"
        else:
            detail = f" ({v.finding.detail})" if v.finding.detail else ""
            verdict = f"[red]{v.finding.what} at offset {v.finding.offset}{detail}[/red]"
        where = (
            (f"{v.topic}/{v.partition}", v.against) if against else (f"{v.topic}/{v.partition}",)
        )
        table.add_row(*where, f"{v.checked:,}", f"{v.uncovered:,}", verdict)
    Console().print(table)
    tampered = [v for v in verdicts if not v.intact]
    if tampered:
        Console().print(f"[red]{len(tampered)} partition(s) tampered with[/red]")
        sys.exit(1)
    Console().print(f"[green]{len(verdicts)} partition(s) intact[/green]")


@contextmanager
def _counting(text: str) -> Iterator[Callable[[], None]]:
    """A progress line counting records (the total is unknown before the read)."""
    columns = (SpinnerColumn(), TextColumn("{task.description}: {task.completed:,} records"),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task(text, total=None)
        count = 0

        def tick() -> None:
            nonlocal count
            count += 1
            if count % 1000 == 0:
                progress.update(task, completed=count)

        yield tick


__all__: Sequence[str] = ("checkpoint_command", "verify_command")
