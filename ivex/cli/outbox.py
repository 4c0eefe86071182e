"""``ivex outbox``: relay a PostgreSQL ``ivex_outbox`` table to Kafka (connectors.outbox)."""

from __future__ import annotations

import logging
import time

import click

from connectors.outbox import OutboxRelay, init_outbox
from connectors.publisher import Publisher
from ivex.cli.context import CliContext
from ivex.errors import PublishUnavailable

log = logging.getLogger(__name__)


@click.command("outbox")
@click.option("--city", required=True, help="Publishing city (6-digit member code).")
@click.option("--dsn", required=True, envvar="IVEX_OUTBOX_DSN", help="PostgreSQL DSN.")
@click.option("--init", "init_only", is_flag=True, help="Create the ivex_outbox table and exit.")
@click.option("--once", is_flag=True, help="Publish what is pending, then exit.")
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--poll-interval", default=1.0, show_default=True, type=float, help="Seconds.")
@click.pass_obj
def command(
    obj: CliContext,
    city: str,
    dsn: str,
    init_only: bool,
    once: bool,
    batch_size: int,
    poll_interval: float,
) -> None:
    """Publish unpublished ivex_outbox rows of CITY in id order; mark them once acknowledged."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if init_only:
        init_outbox(dsn)
        click.echo("ivex_outbox ready", err=True)
        return
    with Publisher(obj.settings, city) as publisher:
        relay = OutboxRelay(dsn, publisher, batch_size=batch_size)
        if once:
            marked = relay.run(once=True)
            click.echo(f"marked {marked} outbox row(s)", err=True)
            return
        _run_forever(relay, poll_interval)


def _run_forever(relay: OutboxRelay, poll_interval: float) -> None:
    # A long-running relay outlives broker outages: back off and resume from the table.
    backoff = poll_interval
    while True:
        try:
            relay.run(once=False, poll_interval_s=poll_interval)
        except PublishUnavailable as exc:
            log.warning("Kafka unavailable (%s); retrying in %.0fs", exc.reason, backoff)
            time.sleep(backoff)
            backoff = min(backoff * 2, 60.0)
        except KeyboardInterrupt:
            return
