"""``ivex audit``: the operators' proof that the live exchange lost and invented nothing.

``rederive`` re-runs the case engine and lifecycle over the whole log and diffs them
with the requests and notices topics (``--repair`` re-publishes what is lost);
``checkpoint`` and ``verify`` (:mod:`ivex.cli.audit_chain`) keep a hash chain over the
logs so that a rewritten record is found.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ivex.cli import audit_chain
from ivex.cli.context import CliContext
from ivex.settings import Settings
from streams.audit.diff import AuditReport, report_json
from streams.audit.repair import publish, repair_records
from streams.audit.run import audit, log_ends
from streams.audit.tables import SHOWN, details_table, summary_table, verdict_line


@click.group("audit")
def command() -> None:
    """Audit the exchange against its own log: re-derive, repair, tamper evidence."""


@command.command("rederive")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=lambda: os.cpu_count() or 1,
    show_default="the number of CPUs",
    help="Processes, each applying the women of one share (by mother_ref hash).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the full diff as JSON to this file.",
)
@click.option(
    "--repair",
    is_flag=True,
    help="Re-publish the missing and differing requests and notices (idempotent).",
)
@click.pass_obj
def rederive_command(ctx: CliContext, workers: int, report_path: Path | None, repair: bool) -> None:
    """Re-derive every request and notice from the city and responses topics, from
    offset 0, and diff them with what assist.requests.* and assist.notices.* hold.

    Runs the same pure engine and lifecycle as the stream workers, in isolation from
    them (no consumer group, no state), in WORKERS processes. Lists what is missing
    on the topics, extra on them, or different field by field; exits 1 on any
    difference. Run it when the workers have caught up (e.g. nightly, and after any
    worker crash): while they still work, recent outputs show as missing.

    --repair publishes exactly the missing and differing states, with the live
    system's own encoder (same ids, values and headers: repeating it is harmless).
    Extra outputs are reported, never deleted.
    """
    settings = ctx.settings
    console = Console()
    report = _run(settings, workers)
    console.print(summary_table(report))
    if not report.ok:
        console.print(details_table(report))
    if report_path is not None:
        report_path.write_text(json.dumps(report_json(report), indent=2), encoding="utf-8")
        console.print(f"Full report: {report_path}")
    console.print(verdict_line(report))
    if repair and not report.ok:
        _repair(console, settings, report)
    if not report.ok:
        sys.exit(1)


def _run(settings: Settings, workers: int) -> AuditReport:
    _, total = log_ends(settings)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, transient=True) as progress:
        tasks = [
            progress.add_task(f"Re-deriving, share {k + 1}/{workers}", total=total)
            for k in range(workers)
        ]
        return audit(settings, workers, lambda k, n: progress.advance(tasks[k], n))


def _repair(console: Console, settings: Settings, report: AuditReport) -> None:
    records = repair_records(settings, report)
    publish(settings, records)
    table = Table(title=f"Repaired: {len(records)} record(s) published")
    for name in ("topic", "key", "state / kind"):
        table.add_column(name)
    for r in records[:SHOWN]:
        key = (r.key or b"").decode()
        output = report.derived.requests.get(key) or report.derived.notices.get(key, {})
        table.add_row(r.topic, key, str(output.get("state", output.get("kind", ""))))
    if len(records) > SHOWN:
        table.caption = f"and {len(records) - SHOWN} more, each missing or differing in --report"
    console.print(table)
    if report.requests.extra or report.notices.extra:
        console.print("Extra outputs are left alone: the log does not explain them.")
    console.print("Run `ivex audit rederive` again to confirm 0 differences.")


command.add_command(audit_chain.checkpoint_command)
command.add_command(audit_chain.verify_command)
