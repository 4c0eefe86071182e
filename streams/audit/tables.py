"""Rich tables of an audit report, for the command and the demo's summary."""

from __future__ import annotations

from rich.table import Table

from streams.audit.diff import AuditReport, Comparison

#: Differences listed on screen (all of them go to ``--report``).
SHOWN = 20


def summary_table(report: AuditReport) -> Table:
    """Derived against on the topics, and the differences, per kind of output."""
    d = report.derived
    title = f"Re-derivation: {d.events:,} events in {report.seconds:.1f} s, {d.shares} process(es)"
    table = Table(title=title)
    for name in ("output", "re-derived", "on topics", "missing", "extra", "differing"):
        table.add_column(name, justify="left" if name == "output" else "right")
    for c in (report.requests, report.notices):
        table.add_row(
            c.what,
            f"{c.derived:,}",
            f"{c.on_topics:,}",
            _count(len(c.missing)),
            _count(len(c.extra)),
            _count(len(c.differing_ids)),
        )
    return table


def details_table(report: AuditReport) -> Table:
    """The first differences, one row each (a differing output: one row per field)."""
    table = Table(title="Differences" if not report.ok else "Differences: none")
    for name in ("output", "id", "kind", "category", "field", "re-derived", "on topic"):
        table.add_column(
            name, no_wrap=name in ("output", "id", "kind", "category", "field"), overflow="fold"
        )
    rows = [row for c in (report.requests, report.notices) for row in _rows(report, c)]
    for row in rows[:SHOWN]:
        table.add_row(*row)
    if len(rows) > SHOWN:
        table.caption = f"{len(rows) - SHOWN} more rows in --report"
    return table


def _rows(report: AuditReport, c: Comparison) -> list[tuple[str, ...]]:
    derived = report.derived.requests if c.what == "requests" else report.derived.notices
    actual = report.on_topics[c.what]
    rows: list[tuple[str, ...]] = [
        (c.what, k, str(derived[k]["kind"]), "missing", "", "", "") for k in c.missing
    ]
    rows += [(c.what, k, str(actual[k]["kind"]), "extra", "", "", "") for k in c.extra]
    rows += [
        (c.what, f.output_id, f.kind, "differing", f.field, _clip(f.derived), _clip(f.actual))
        for f in c.differing
    ]
    return rows


def verdict_line(report: AuditReport) -> str:
    """One line a person (or the demo summary) reads: 0 differences, or how many."""
    if report.ok:
        return "[green]rederive: 0 differences[/green] — the topics hold what the log derives"
    return f"[red]rederive: {report.differences} difference(s)[/red]"


def _count(n: int) -> str:
    return f"[red]{n:,}[/red]" if n else "0"


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
