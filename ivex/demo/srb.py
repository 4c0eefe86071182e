"""The demo's SRB step: the births on the log → reports → ``srb.png`` in the run directory."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.console import Console

from ivex.models import SexRatioReport
from ivex.models.enums import SrbStatus
from ivex.models.monitoring import ROLLING_PREFIX
from ivex.settings import Settings
from ivex.srb_chart import write_chart
from streams.srb.log import tally_from_log
from streams.srb.reports import FEDERATION, ReportBuilder


def srb_chart_step(console: Console, settings: Settings, run_dir: Path) -> Path:
    """Write the SRB chart of the demo's births and say what it shows."""
    reports = ReportBuilder(tally_from_log(settings), settings.srb).all_reports()
    names = {c.code: c.name for c in settings.cities} | {FEDERATION: "Federation"}
    out = write_chart(run_dir / "srb.png", reports, settings.srb, names=names)
    latest = _latest_rolling(reports)
    counts = Counter(r.status for r in latest.values())
    alerts = sorted(f"{names.get(c, c)} (order {b})" for (c, b), r in latest.items()
                    if r.status is SrbStatus.ALERT)  # fmt: skip
    console.print(
        f"SRB chart written to [bold]{out}[/bold]: last rolling 12 months "
        + ", ".join(f"{s} {counts[s]}" for s in SrbStatus)
        + (f"; ALERT: {', '.join(alerts)}" if alerts else "")
    )
    return out


def _latest_rolling(
    reports: list[SexRatioReport],
) -> dict[tuple[str, str], SexRatioReport]:
    latest: dict[tuple[str, str], SexRatioReport] = {}
    for r in sorted(reports, key=lambda r: r.period):
        if r.period.startswith(ROLLING_PREFIX):
            latest[(r.city, r.birth_order)] = r
    return latest
