"""``ivex verify``: compare the requests on the topics with a ground-truth file."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from ivex.cli.context import CliContext
from ivex.demo.summary import print_verdict, verify_table
from ivex.verify import compare, load_truth, requests_on_topics


@click.command("verify")
@click.option(
    "--truth",
    "truth_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ground-truth JSON Lines file, e.g. truth.jsonl written by `ivex simulate`.",
)
@click.pass_obj
def command(ctx: CliContext, truth_path: Path) -> None:
    """Check that the exchange raised exactly the requests a ground truth expects.

    Reads the latest state of every request on the assist.requests.<city> topics and
    lists what is missing, extra, or different (kind, addressed city, state). A
    request a city has since acknowledged or resolved still counts as raised.
    Exits 1 on any mismatch.
    """
    truth = load_truth(truth_path)
    report = compare(truth, requests_on_topics(ctx.settings))
    console = Console()
    console.print(verify_table(report))
    print_verdict(console, report)
    if not report.ok:
        sys.exit(1)
