"""The ``ivex`` command line: one subcommand per small module of :mod:`ivex.cli`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ivex.cli.lazy import LazyGroup
from ivex.errors import IvexError
from streams.engine import select_build


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="IVEX_CONFIG",
    help="Federation config file (TOML). Default: config/hexi.toml, the demo federation.",
)
@click.pass_context
def cli(ctx: click.Context, config: Path | None) -> None:
    """ivex — the Inter-regional Vital-Event eXchange.

    Cities publish births, registrations, terminations and pregnancy reports as Avro
    events on Kafka; the case engine raises assistance requests to the city that can
    act; operators replay and audit. Every command reads the federation config.
    """
    from ivex.cli.context import CliContext  # settings (pydantic) only once a command runs

    ctx.obj = CliContext(config)


#: (command, module of ivex.cli defining ``command``, the summary ``ivex --help`` lists).
COMMANDS: tuple[tuple[str, str, str], ...] = (
    (
        "demo",
        "demo",
        "Run the demo federation end to end on this machine, then stop what it started.",
    ),
    (
        "broker",
        "broker",
        "The local single-node Apache Kafka broker (KRaft) for development and the demo.",
    ),
    (
        "topics",
        "topics",
        "The federation's Kafka topics (docs/wire-format.md): one log per city and "
        "stream, assistance requests/notices/responses per city, DLQs, the SRB monitor "
        "and ivex's own topics.",
    ),
    (
        "access",
        "access",
        "Who may read and write what on the federation's Kafka (docs/security.md).",
    ),
    (
        "publish",
        "publish",
        "Publish FILEs or the files of DIRs (CSV with header, or JSON Lines) of one city,"
        " and/or declare a watermark with --complete-through.",
    ),
    (
        "serve-ingest",
        "serve_ingest",
        "Serve POST /v1/<stream> (a JSON array of rows) for CITY until interrupted.",
    ),
    (
        "outbox",
        "outbox",
        "Publish unpublished ivex_outbox rows of CITY in id order; mark them once acknowledged.",
    ),
    (
        "streams",
        "streams",
        "The case engine's stream processors (docs/rules.md, docs/architecture.md).",
    ),
    (
        "subscribe",
        "subscribe",
        "Store the requests and notices addressed to CITY in a sink; commit after storing.",
    ),
    (
        "respond",
        "respond",
        "Answer a request addressed to CITY on assist.responses.<CITY>, once Kafka acked it.",
    ),
    (
        "requests",
        "requests",
        "Counts by kind and state, then open and overdue requests, oldest first.",
    ),
    (
        "simulate",
        "simulate",
        "Simulate the member cities' births, registrations, terminations and pregnancy "
        "reports, with the faults the exchange exists to catch; write the connectors' "
        "input files per city and stream, manifest.json and truth.jsonl (the requests a "
        "correct case engine raises from them).",
    ),
    (
        "verify",
        "verify",
        "Check that the exchange raised exactly the requests a ground truth expects.",
    ),
    (
        "srb",
        "srb",
        "Sex ratio at birth: per city, month and birth-order bucket, with early warning.",
    ),
    (
        "replay",
        "replay",
        "Decode every record of TOPICS, in log order per partition.",
    ),
    (
        "explain",
        "explain",
        "Explain REQUEST_ID: its states, rule, deadline, watermarks and evidence.",
    ),
    (
        "completeness",
        "completeness",
        "Per city and stream: the latest watermark and how far it lags.",
    ),
    (
        "dlq",
        "dlq",
        "A city's rejected input rows: where from, which field, why — and counts by reason.",
    ),
    (
        "audit",
        "audit",
        "Audit the exchange against its own log: re-derive, repair, tamper evidence.",
    ),
)


def _register() -> None:
    # By module name: a command's module is imported when it is used, so `ivex --help`
    # and each command import only what they need (ivex/cli/lazy.py).
    for name, module, summary in COMMANDS:
        cli.add_lazy(name, f"ivex.cli.{module}", summary)


def main() -> None:
    """Entry point: run the CLI, turning an :class:`IvexError` into a clear message."""
    # Before any command imports the engine: never a compiled build of stale sources.
    select_build()
    _register()
    try:
        # Non-standalone mode returns ctx.exit(code) instead of raising SystemExit.
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except IvexError as exc:
        click.secho(f"error [{exc.code}]: {exc.message}", fg="red", err=True)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
