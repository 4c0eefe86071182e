"""The SRB chart: per city over time, the estimate with its 95% band, the normal range
shaded, warnings marked; one column per birth-order bucket (docs/srb.md, "The chart").

A function of the reports alone (no Kafka): PNG through matplotlib's Agg backend, or a
self-contained HTML page with the same figure inline as SVG (no script, no network).
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Final

from ivex.models import SexRatioReport
from ivex.models.enums import SrbStatus
from ivex.models.monitoring import BIRTH_ORDER_BUCKETS, FEDERATION_SCOPE, ROLLING_PREFIX
from ivex.settings import SrbSettings

FEDERATION: Final = FEDERATION_SCOPE
#: Figure geometry: PNG pixels are (width, height per row) x DPI.
PANEL_WIDTH_IN: Final = 4.0
PANEL_HEIGHT_IN: Final = 2.4
DPI: Final = 100
#: The SRB axis is clipped to this range; a band beyond it is drawn to the edge.
Y_RANGE: Final = (80.0, 170.0)
_MARKS: Final = {SrbStatus.WATCH: ("#f0a202", "o"), SrbStatus.ALERT: ("#d1242f", "X")}


def figure_pixels(rows: int) -> tuple[int, int]:
    """``(width, height)`` in pixels of the PNG of a chart with ``rows`` scopes."""
    columns = len(BIRTH_ORDER_BUCKETS)
    return (round(columns * PANEL_WIDTH_IN * DPI), round(rows * PANEL_HEIGHT_IN * DPI))


def scopes_of(reports: Iterable[SexRatioReport]) -> list[str]:
    """Scopes in chart order: cities by code, the federation last."""
    found = {r.city for r in reports}
    return sorted(found - {FEDERATION}) + ([FEDERATION] if FEDERATION in found else [])


def write_chart(
    out: Path,
    reports: Sequence[SexRatioReport],
    settings: SrbSettings,
    *,
    rolling: bool = True,
    names: Mapping[str, str] | None = None,
) -> Path:
    """Draw ``reports`` to ``out`` (.png or .html); returns ``out``."""
    suffix = out.suffix.lower()
    if suffix not in (".png", ".html", ".htm"):
        raise ValueError(f"chart format {suffix or '(none)'} unknown: use .png or .html")
    chosen = [r for r in reports if r.period.startswith(ROLLING_PREFIX) == rolling]
    figure = draw(chosen, settings, names or {}, rolling=rolling)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        if suffix == ".png":
            figure.savefig(out, format="png", dpi=DPI)
        else:
            out.write_text(_html_page(figure, rolling), encoding="utf-8")
    finally:
        import matplotlib.pyplot as plt

        plt.close(figure)
    return out


def draw(
    reports: Sequence[SexRatioReport],
    settings: SrbSettings,
    names: Mapping[str, str],
    *,
    rolling: bool,
) -> Any:
    """The matplotlib figure of ``reports``: a row per scope, a column per bucket."""
    import matplotlib

    matplotlib.use("Agg")  # no display; must precede pyplot's import
    import matplotlib.pyplot as plt

    scopes = scopes_of(reports) or [FEDERATION]
    width, height = figure_pixels(len(scopes))
    fig, axes = plt.subplots(
        len(scopes),
        len(BIRTH_ORDER_BUCKETS),
        figsize=(width / DPI, height / DPI),
        dpi=DPI,
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    series = _series(reports)
    for row, scope in enumerate(scopes):
        for col, bucket in enumerate(BIRTH_ORDER_BUCKETS):
            ax = axes[row][col]
            _panel(ax, series.get((scope, bucket), []), settings)
            if row == 0:
                ax.set_title(f"birth order {bucket}", fontsize=10)
            if col == 0:
                ax.set_ylabel(f"{names.get(scope, scope)}\nSRB", fontsize=9)
    kind = "rolling 12 months" if rolling else "month"
    fig.suptitle(
        f"Sex ratio at birth by {kind}: estimate, 95% interval, normal range "
        f"{settings.normal_low:g}–{settings.normal_high:g}; WATCH ●, ALERT ✕",
        fontsize=11,
    )
    fig.autofmt_xdate()
    fig.subplots_adjust(left=0.07, right=0.98, top=0.92, bottom=0.08, hspace=0.25, wspace=0.08)
    return fig


def _series(
    reports: Iterable[SexRatioReport],
) -> dict[tuple[str, str], list[SexRatioReport]]:
    found: dict[tuple[str, str], list[SexRatioReport]] = {}
    for r in reports:
        found.setdefault((r.city, r.birth_order), []).append(r)
    for items in found.values():
        items.sort(key=lambda r: r.period.removeprefix(ROLLING_PREFIX))
    return found


def _panel(ax: Any, reports: list[SexRatioReport], settings: SrbSettings) -> None:
    low, high = Y_RANGE
    ax.axhspan(settings.normal_low, settings.normal_high, color="#2da44e", alpha=0.18, lw=0)
    ax.set_ylim(low, high)
    ax.grid(alpha=0.3, lw=0.5)
    ax.tick_params(labelsize=8)
    shown = [r for r in reports if r.status is not SrbStatus.INSUFFICIENT_DATA]
    if not shown:
        ax.text(0.5, 0.5, "insufficient data", ha="center", va="center",
                transform=ax.transAxes, fontsize=8, color="grey")  # fmt: skip
        return
    days = [_month_start(r.period) for r in shown]
    ax.fill_between(
        days,
        [_clip(r.ci_low, low) for r in shown],
        [_clip(r.ci_high, high) for r in shown],
        color="#0969da",
        alpha=0.2,
        lw=0,
    )
    ax.plot(days, [_clip(r.srb, high) for r in shown], color="#0969da", lw=1.4)
    for status, (colour, marker) in _MARKS.items():
        marked = [(d, r) for d, r in zip(days, shown, strict=True) if r.status is status]
        if marked:
            ax.scatter([d for d, _ in marked], [_clip(r.srb, high) for _, r in marked],
                       color=colour, marker=marker, s=30, zorder=3)  # fmt: skip


def _month_start(period: str) -> date:
    month = period.removeprefix(ROLLING_PREFIX)
    return date(int(month[:4]), int(month[5:7]), 1)


def _clip(value: float | None, edge: float) -> float:
    """None (an unbounded ratio) drawn at the axis edge; values kept inside the axis."""
    low, high = Y_RANGE
    return edge if value is None else min(max(value, low), high)


def _html_page(figure: Any, rolling: bool) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype
    kind = "rolling 12 months" if rolling else "month"
    title = html.escape(f"ivex — sex ratio at birth by {kind}")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n"
        "<style>body{font-family:sans-serif;margin:1em} svg{max-width:100%;height:auto}</style>\n"
        f"</head>\n<body>\n<h1>{title}</h1>\n{svg}\n</body>\n</html>\n"
    )
