"""The ``ivex`` command line: one subcommand per small module of :mod:`ivex.cli`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ivex.cli.context import CliContext
from ivex.errors import IvexError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    ctx.obj = CliContext(config)


def _register() -> None:
    # Imported here, not at module level: `ivex --help` stays fast and import-light.
    from ivex.cli import (
        access,
        audit,
        broker,
        completeness,
        demo,
        dlq,
        explain,
        outbox,
        publish,
        replay,
        requests,
        respond,
        serve_ingest,
        simulate,
        srb,
        streams,
        subscribe,
        topics,
        verify,
    )

    for module in (
        demo,
        broker,
        topics,
        access,
        publish,
        serve_ingest,
        outbox,
        streams,
        subscribe,
        respond,
        requests,
        simulate,
        verify,
        srb,
        replay,
        explain,
        completeness,
        dlq,
        audit,
    ):
        cli.add_command(module.command)


def main() -> None:
    """Entry point: run the CLI, turning an :class:`IvexError` into a clear message."""
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
