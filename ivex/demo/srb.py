"""The demo's SRB step: the births on the log → reports → ``srb.png`` in the run directory."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from rich.console import Console

from ivex.models import SexRatioReport
from ivex.models.enums import SrbStatus
from ivex.models.monitoring import ROLLING_PREFIX
from ivex.settings import Settings
from ivex.srb_chart import write_chart
from streams.srb.compare import live_reports, offline_reports
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


def srb_live_check(console: Console, settings: Settings, *, timeout_s: float = 90.0) -> bool:
    """Wait until the workers' ``monitor.srb`` equals the offline computation; say so.

    The SRB agent coalesces its reports per batch, so it may trail the case engine by a
    batch window when the demo gets here.
    """
    offline = offline_reports(settings)
    deadline = time.monotonic() + timeout_s
    live = live_reports(settings)
    while live != offline and time.monotonic() < deadline:
        time.sleep(2)
        live = live_reports(settings)
    if live == offline:
        console.print(
            f"[green]✓[/green] monitor.srb: {len(live):,} live reports equal the offline "
            "computation from the births (ivex srb report)"
        )
        return True
    differing = sorted(k for k in offline.keys() | live.keys() if offline.get(k) != live.get(k))
    console.print(
        f"[red]✗ monitor.srb differs from the offline computation in {len(differing)} "
        f"cell(s), e.g. {', '.join(differing[:3])}[/red]"
    )
    return False


def _latest_rolling(
    reports: list[SexRatioReport],
) -> dict[tuple[str, str], SexRatioReport]:
    latest: dict[tuple[str, str], SexRatioReport] = {}
    for r in sorted(reports, key=lambda r: r.period):
        if r.period.startswith(ROLLING_PREFIX):
            latest[(r.city, r.birth_order)] = r
    return latest
