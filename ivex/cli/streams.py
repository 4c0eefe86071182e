"""``ivex streams``: run the case-engine stream processors (Faust workers)."""

from __future__ import annotations

from pathlib import Path

import click

from ivex.cli.context import CliContext
from streams.options import Runtime, WorkerOptions


@click.group("streams")
def command() -> None:
    """The case engine's stream processors (docs/rules.md, docs/architecture.md).

    A worker ingests every city topic of the federation, runs the case engine and
    publishes assistance requests and notices. Start several workers (same --app-id)
    to share the work (up to 4 share the engine and lifecycle partitions). On the Faust
    runtime each needs its own --data-dir, and its own --web-port if the web server is
    enabled.
    """


@command.command("worker")
@click.option(
    "--app-id",
    default="ivex-case-engine",
    show_default=True,
    help="Consumer group and state name; the topic prefix is prepended. A fresh id "
    "re-derives everything from the city topics.",
)
@click.option(
    "--runtime",
    type=click.Choice(["batch", "faust"]),
    default="batch",
    show_default=True,
    help="batch: a plain librdkafka consumer loop, each poll one batch for every stage, "
    "offsets committed once Kafka acknowledged what the batches sent; tables in memory, "
    "restored from their changelogs (about 9x the Faust runtime's events per CPU-second). "
    "faust: the Faust app with RocksDB tables under --data-dir. Workers of one --app-id "
    "must all run the same runtime.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Faust runtime only: local table state (RocksDB). "
    "Default: .ivex/streams/<prefix><app-id>.",
)
@click.option(
    "--web-port",
    type=click.IntRange(0, 65535),
    help="Faust runtime only: its web server (stats, table views) on 127.0.0.1:PORT. Default: off.",
)
@click.option(
    "--loglevel",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
@click.pass_context
def worker(
    ctx: click.Context,
    app_id: str,
    runtime: Runtime,
    data_dir: Path | None,
    web_port: int | None,
    loglevel: str,
) -> None:
    """Run one worker until SIGTERM or SIGINT (then it stops cleanly)."""
    # Imported here: the Kafka clients are heavy, and only this command needs them.
    from streams.worker import run_worker

    obj = ctx.find_object(CliContext)
    if obj is None:  # pragma: no cover - the root group always sets it
        raise click.UsageError("no CLI context")
    options = WorkerOptions(app_id=app_id, runtime=runtime, data_dir=data_dir, web_port=web_port)
    run_worker(obj.settings, options, loglevel=loglevel)
