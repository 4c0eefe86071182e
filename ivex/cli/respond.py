"""``ivex respond``: answer one request, or publish the answers marked in a case table."""

from __future__ import annotations

import json
import logging

import click

from connectors.answers import AnswerRelay
from connectors.responder import Responder
from connectors.sinks import open_case_table
from ivex.cli.context import CliContext
from ivex.models.enums import Outcome, ResponseStatus


@click.command("respond")
@click.option("--city", required=True, help="Responding city (6-digit member code).")
@click.option("--request-id", help="The request answered.")
@click.option("--status", type=click.Choice([s.value for s in ResponseStatus]))
@click.option("--outcome", type=click.Choice([o.value for o in Outcome]))
@click.option("--note", help="Short note (no names, no ID numbers).")
@click.option(
    "--from-case-table",
    "case_table",
    metavar="DSN",
    help="Publish answered rows of a case table (postgresql://… or sqlite:///…) instead.",
)
@click.option("--once", is_flag=True, help="With --from-case-table: publish pending, then exit.")
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 10_000))
@click.pass_obj
def command(
    obj: CliContext,
    city: str,
    request_id: str | None,
    status: str | None,
    outcome: str | None,
    note: str | None,
    case_table: str | None,
    once: bool,
    batch_size: int,
) -> None:
    """Answer a request addressed to CITY on assist.responses.<CITY>, once Kafka acked it.

    Either --request-id with --status, or --from-case-table DSN: every row whose
    answered_status is set and response_published_at is empty is published, then marked.
    """
    with Responder(obj.settings, city) as responder:
        if case_table is not None:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
            with open_case_table(case_table) as table:
                marked = AnswerRelay(table, responder, batch_size=batch_size).run(once=once)
            click.echo(f"published {marked} answer(s)", err=True)
            return
        if request_id is None or status is None:
            raise click.UsageError("give --request-id and --status, or --from-case-table")
        response = responder.respond(request_id, status, outcome=outcome, note=note)
        click.echo(json.dumps(response.model_dump(mode="json"), ensure_ascii=False))
