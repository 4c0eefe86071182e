"""``ivex explain``: why a request exists, read back from the log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import click
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table

from ivex.audit.explain import EvidenceEvent, Explanation, Seen, WatermarkPass, explain, millis
from ivex.audit.jsonable import plain
from ivex.audit.times import local_text, zone
from ivex.cli.context import CliContext


@click.command("explain")
@click.argument("request_id")
@click.pass_obj
def command(ctx: CliContext, request_id: str) -> None:
    """Explain REQUEST_ID: its states, rule, deadline, watermarks and evidence.

    Reads the request's states from the assist.requests topics (compacted: the states
    compaction has not removed yet) and assist.escalations, the cities' responses to
    it, the rule that raised it with its parameters from the federation config, the
    deadline and respond-by, for each (city, stream) whose watermark had to pass the
    deadline the first watermark that did, and every evidence event decoded from its
    topic/partition/offset. Times in tables are in the federation's zone (UTC+8).
    Exits 2 with an error when no requests topic knows REQUEST_ID.
    """
    settings = ctx.settings
    found = explain(settings, request_id)
    tz = settings.rules.timezone_offset_hours
    prefix = settings.federation.topic_prefix
    console = Console()
    console.print(_summary(found, tz))
    console.print(_states_table(found.states, prefix, tz))
    if found.responses:
        console.print(_responses_table(found.responses, tz))
    if found.escalations:
        console.print(f"Escalated to the operator {len(found.escalations)} time(s).")
    console.print(_rule_panel(found))
    if found.watermarks:
        console.print(_watermarks_table(found.watermarks, tz))
    for number, event in enumerate(found.evidence, start=1):
        console.print(_evidence_table(number, event, prefix))


def _end_of_day(ms: int, tz: int) -> str:
    day = (datetime.fromtimestamp(ms / 1000, zone(tz)) - timedelta(milliseconds=1)).date()
    return f"end of {day} (UTC{tz:+d})"


def _summary(found: Explanation, tz: int) -> Panel:
    latest = found.latest
    raised, respond_by = millis(latest["raised_at"]), millis(latest["respond_by"])
    deadline = found.rule is not None and found.rule.deadline
    lines = [
        f"[bold]{latest['kind']}[/bold] · state [bold]{latest['state']}[/bold] · "
        f"{latest['priority']}",
        f"addressed to {latest['addressed_city']}, copy to "
        f"{', '.join(latest['copy_to']) or '—'}; subject {str(latest['subject_ref'])[:16]}…",
        f"reason: {latest['reason']}",
        (f"deadline: {_end_of_day(raised, tz)} — raised at {local_text(raised, tz)}"
         if deadline else f"raised at {local_text(raised, tz)} (fires at once)"),
        f"respond by: {local_text(respond_by, tz)}",
    ]  # fmt: skip
    return Panel("\n".join(lines), title=f"Request {found.request_id}", expand=False)


def _states_table(states: list[Seen], prefix: str, tz: int) -> Table:
    table = Table(title="States on the log (oldest first)")
    for name in ("topic", "offset", "produced", "state", "reason"):
        table.add_column(name)
    for s in states:
        table.add_row(
            s.topic.removeprefix(prefix),
            str(s.offset),
            local_text(s.timestamp_ms, tz),
            str(s.datum["state"]),
            str(s.datum["reason"]),
        )
    return table


def _responses_table(responses: list[Seen], tz: int) -> Table:
    table = Table(title="Responses of the cities")
    for name in ("city", "status", "outcome", "responded", "note"):
        table.add_column(name)
    for r in responses:
        d = r.datum
        table.add_row(
            str(d["responding_city"]),
            str(d["status"]),
            str(d.get("outcome") or ""),
            local_text(millis(d["responded_at"]), tz),
            str(d.get("note") or ""),
        )
    return table


def _rule_panel(found: Explanation) -> Panel:
    if found.rule is None:
        return Panel("no rule of this version of ivex raises this kind", title="Rule")
    params = Table(box=None, show_header=False)
    for name, value in found.parameters.items():
        params.add_row(f"rules.{name}", str(value))
    return Panel(Group(found.description, "", params), title=f"Rule {found.rule.kind}")


def _watermarks_table(marks: list[WatermarkPass], tz: int) -> Table:
    table = Table(title="Watermarks the deadline waited for (first one at or past it)")
    for name in ("city", "stream", "complete through", "offset", "declared", "latest"):
        table.add_column(name)
    for m in marks:
        latest = "—" if m.latest is None else local_text(m.latest, tz)
        if m.passed is None:
            table.add_row(m.city, m.stream, "[red]not yet[/red]", "", "", latest)
            continue
        through, offset, declared = m.passed
        table.add_row(
            m.city, m.stream, local_text(through, tz), str(offset), local_text(declared, tz), latest
        )
    return table


def _evidence_table(number: int, event: EvidenceEvent, prefix: str) -> Table:
    e = event.entry
    where = f"{str(e['topic']).removeprefix(prefix)}/{e['partition']}@{e['offset']}"
    title = f"Evidence {number}: {event.record_type or e['stream']} {e['record_id']} at {where}"
    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    if event.problem is not None:
        table.add_row("problem", f"[red]{event.problem}[/red]")
    datum: dict[str, Any] = plain(event.datum) if event.datum is not None else {}
    for name, value in datum.items():
        table.add_row(name, "" if value is None else str(value))
    return table
