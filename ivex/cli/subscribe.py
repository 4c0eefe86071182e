"""``ivex subscribe``: a partner city's requests and notices into a sink (connectors.subscriber).

Exit codes: 0 done (``--once``) or interrupted, 2 an ivex error (e.g. the sink refused).
"""

from __future__ import annotations

import logging
import time

import click

from connectors.sinks import TARGETS, open_sink
from connectors.subscriber import Subscriber, SubscriberOptions
from ivex.cli.context import CliContext
from ivex.errors import SinkError

log = logging.getLogger(__name__)


@click.command("subscribe")
@click.option("--city", required=True, help="Subscribing city (6-digit member code).")
@click.option("--sink", "target", required=True, envvar="IVEX_SINK", help=f"One of: {TARGETS}.")
@click.option(
    "--group",
    help="Consumer group (default: city.<city>.sub-<sink kind>, after the topic prefix;"
    " a city may only join groups starting with city.<city>.).",
)
@click.option("--once", is_flag=True, help="Store what is on the topics now, then exit.")
@click.option("--from-beginning", is_flag=True, help="Re-read both topics from their start.")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
@click.pass_obj
def command(
    obj: CliContext,
    city: str,
    target: str,
    group: str | None,
    once: bool,
    from_beginning: bool,
    batch_size: int,
) -> None:
    """Store the requests and notices addressed to CITY in a sink; commit after storing."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    options = SubscriberOptions(group=group, batch_size=batch_size, from_beginning=from_beginning)
    with Subscriber(obj.settings, city, open_sink(target), options) as subscriber:
        if once:
            report = subscriber.run(once=True)
            click.echo(
                f"stored {report.requests} request(s) and {report.notices} notice(s) "
                f"in group {subscriber.group}; skipped {len(report.skipped)}",
                err=True,
            )
            return
        _run_forever(subscriber)


def _run_forever(subscriber: Subscriber) -> None:
    # A long-running subscriber outlives an endpoint's outage: back off, resume at the commit.
    backoff = 1.0
    while True:
        try:
            subscriber.run(once=False)
        except SinkError as exc:
            log.warning("%s; resuming in %.0fs", exc.message, backoff)
            time.sleep(backoff)
            backoff = min(backoff * 2, 300.0)
        except KeyboardInterrupt:
            return
