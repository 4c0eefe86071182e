"""``ivex srb``: sex ratio at birth — reports from the log, and the chart (docs/srb.md).

Both subcommands read the ``city.<code>.births`` topics from the log and compute the
reports the stream workers publish on ``monitor.srb`` — the same decoding, the same
tally — with no worker running.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ivex.cli.context import CliContext
from ivex.models import SexRatioReport
from ivex.models.enums import SrbStatus
from ivex.models.monitoring import BIRTH_ORDER_BUCKETS, ROLLING_PREFIX
from ivex.settings import Settings
from ivex.srb_chart import write_chart
from streams.srb.log import tally_from_log
from streams.srb.reports import FEDERATION, ReportBuilder, period_month
from streams.srb.tally import Tally

STATUS_STYLE = {
    SrbStatus.INSUFFICIENT_DATA: "dim",
    SrbStatus.NORMAL: "green",
    SrbStatus.WATCH: "yellow",
    SrbStatus.ALERT: "bold red",
}
_WARNINGS = (SrbStatus.WATCH, SrbStatus.ALERT)
_MONTH = click.DateTime(formats=["%Y-%m"])


@click.group("srb")
def command() -> None:
    """Sex ratio at birth: per city, month and birth-order bucket, with early warning.

    SRB = 100 x male / female births, with its 95% Wilson interval; the status is
    INSUFFICIENT_DATA below [srb].min_births, ALERT when the whole interval is outside
    [srb].normal_low..normal_high, WATCH when only the point estimate is. See docs/srb.md.
    """


@command.command("report")
@click.option("--city", required=True, help=f"Member city code, or {FEDERATION} (all pooled).")
@click.option("--from", "start", type=_MONTH, help="First month YYYY-MM (default: the first).")
@click.option("--to", "end", type=_MONTH, help="Last month YYYY-MM (default: the last).")
@click.option(
    "--bucket",
    "buckets",
    multiple=True,
    type=click.Choice(BIRTH_ORDER_BUCKETS),
    help="Birth-order bucket(s) to show; repeat for several (default: all four).",
)
@click.option("--rolling", is_flag=True, help="Rolling 12 months ending each month (R12:).")
@click.pass_obj
def report(
    obj: CliContext,
    city: str,
    start: object,
    end: object,
    buckets: tuple[str, ...],
    rolling: bool,
) -> None:
    """Print the SRB reports of one city from the births on the log, status in colour.

    A change to WATCH or ALERT against the previous month's status is marked: the early
    warning the stream workers publish on monitor.alerts.
    """
    settings = obj.settings
    if city != FEDERATION:
        settings.city(city)
    tally = read_tally(settings)
    reports = select(
        ReportBuilder(tally, settings.srb).all_reports(),
        city,
        rolling=rolling,
        buckets=buckets or BIRTH_ORDER_BUCKETS,
    )
    first, last = _month(start), _month(end)
    shown = [r for r in reports if _within(period_month(r.period), first, last)]
    console = Console()
    console.print(report_table(shown, previous_statuses(reports), _title(settings, city)))


@command.command("chart")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file: .png (matplotlib) or .html (self-contained, inline SVG).",
)
@click.option("--rolling/--monthly", default=True, show_default=True, help="Which periods.")
@click.pass_obj
def chart(obj: CliContext, out: Path, rolling: bool) -> None:
    """Draw the SRB of every city over time: estimate, 95% band, normal range, alerts.

    One column per birth-order bucket, one row per city (and the federation pooled).
    """
    settings = obj.settings
    reports = ReportBuilder(read_tally(settings), settings.srb).all_reports()
    write_chart(out, reports, settings.srb, rolling=rolling, names=city_names(settings))
    Console().print(f"SRB chart written to {out}")


def read_tally(settings: Settings) -> Tally:
    """The births on the log, tallied, with a progress bar."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("Reading the births topics", total=None)
        return tally_from_log(
            settings,
            on_plan=lambda plan: progress.update(task, total=plan.total),
            on_record=lambda: progress.advance(task),
        )


def city_names(settings: Settings) -> dict[str, str]:
    """Scope code → display name (the federation included)."""
    return {c.code: c.name for c in settings.cities} | {FEDERATION: "Federation"}


def select(
    reports: Iterable[SexRatioReport], city: str, *, rolling: bool, buckets: Sequence[str]
) -> list[SexRatioReport]:
    """The reports of one city, months or rolling periods, in the given buckets."""
    return [
        r
        for r in reports
        if r.city == city
        and r.period.startswith(ROLLING_PREFIX) == rolling
        and r.birth_order in buckets
    ]


def previous_statuses(reports: Iterable[SexRatioReport]) -> dict[tuple[str, str], SrbStatus]:
    """``(period, bucket)`` → the status of the bucket's previous period in ``reports``."""
    previous: dict[tuple[str, str], SrbStatus] = {}
    last: dict[str, SrbStatus] = {}
    for r in sorted(reports, key=lambda r: period_month(r.period)):
        if r.birth_order in last:
            previous[(r.period, r.birth_order)] = last[r.birth_order]
        last[r.birth_order] = r.status
    return previous


def report_table(
    reports: Iterable[SexRatioReport], previous: dict[tuple[str, str], SrbStatus], title: str
) -> Table:
    """Reports as a table, status in colour, changes to WATCH/ALERT marked."""
    table = Table(title=title)
    for name in ("period", "bucket", "male", "female", "SRB", "95% CI", "status"):
        right = name in ("male", "female", "SRB")
        table.add_column(name, justify="right" if right else "left", no_wrap=True)
    table.add_column("change")
    for r in sorted(reports, key=lambda r: (r.period, BIRTH_ORDER_BUCKETS.index(r.birth_order))):
        was = previous.get((r.period, r.birth_order))
        change = (
            f"{was} → {r.status}" if r.status in _WARNINGS and was not in (None, r.status) else ""
        )
        style = STATUS_STYLE[r.status]
        table.add_row(
            r.period,
            r.birth_order,
            f"{r.male:,}",
            f"{r.female:,}",
            *_figures(r),
            f"[{style}]{r.status}[/]",
            f"[{style}]{change}[/]" if change else "",
        )
    return table


def _figures(r: SexRatioReport) -> tuple[str, str]:
    if r.male + r.female == 0:
        return ("—", "—")
    return (_num(r.srb), f"{_num(r.ci_low)}–{_num(r.ci_high)}")


def _num(value: float | None) -> str:
    return "∞" if value is None else f"{value:.1f}"  # None: no girls at all


def _month(value: object) -> str | None:
    return None if value is None else f"{value:%Y-%m}"


def _within(month: str, first: str | None, last: str | None) -> bool:
    return (first is None or month >= first) and (last is None or month <= last)


def _title(settings: Settings, city: str) -> str:
    return f"Sex ratio at birth — {city} {city_names(settings).get(city, '')}"
