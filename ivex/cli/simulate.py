"""``ivex simulate``: write a seeded year of the federation's records, and its truth."""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from ivex.errors import ConfigError
from ivex.simulation.model import STREAMS
from ivex.simulation.params import Demography, FaultRates, build_params
from ivex.simulation.run import SimResult, simulate, write
from ivex.simulation.writer import FORMATS


def _pairs(values: tuple[str, ...], what: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in values:
        name, sep, number = item.partition("=")
        try:
            if not sep:
                raise ValueError
            out[name.strip()] = float(number)
        except ValueError:
            raise click.BadParameter(f"{item!r}: expected NAME=NUMBER", param_hint=what) from None
    return out


def _clear(out: Path) -> None:
    """Remove stream files of a previous run, so a format change leaves no stale file."""
    for stream in STREAMS:
        for fmt in FORMATS:
            for old in out.glob(f"*/{stream}.{fmt}"):
                old.unlink()


@click.command("simulate")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the run.")
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default="2025-01-01",
    show_default=True,
    help="First day of the simulated period.",
)
@click.option("--months", type=int, default=12, show_default=True, help="Length of the period.")
@click.option(
    "--scale", type=float, default=1.0, show_default=True, help="1.0 gives ~7,000 births a year."
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out/sim"),
    show_default=True,
    help="Output directory.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--city-weight", multiple=True, metavar="CODE=W", help="Relative size of a city.")
@click.option("--srb", multiple=True, metavar="CODE=V", help="SRB of a city's first births.")
@click.option(
    "--srb-higher-order",
    multiple=True,
    metavar="CODE=V",
    help="SRB of a city's births of order 2+.",
)
@click.option("--lagging-city", metavar="CODE", help="The city that publishes weekly.")
@click.option("--fault", multiple=True, metavar="NAME=RATE", help="Set one fault rate (0..1).")
@click.option("--no-faults", is_flag=True, help="Every fault rate 0 (before --fault).")
@click.pass_obj
def command(
    ctx: object,
    seed: int,
    start: datetime,
    months: int,
    scale: float,
    out_dir: Path,
    fmt: str,
    city_weight: tuple[str, ...],
    srb: tuple[str, ...],
    srb_higher_order: tuple[str, ...],
    lagging_city: str | None,
    fault: tuple[str, ...],
    no_faults: bool,
) -> None:
    """Simulate the member cities' births, registrations, terminations and pregnancy
    reports, with the faults the exchange exists to catch; write the connectors' input
    files per city and stream, manifest.json and truth.jsonl (the requests a correct
    case engine raises from them). Same seed and options give byte-identical files."""
    settings = ctx.settings  # type: ignore[attr-defined]
    base = FaultRates.none() if no_faults else FaultRates()
    try:
        faults = base.override(_pairs(fault, "--fault"))
    except ConfigError as exc:
        raise click.BadParameter(exc.message, param_hint="--fault") from None
    params = build_params(
        settings,
        seed=seed,
        start=date(start.year, start.month, start.day),
        months=months,
        scale=scale,
        city_weights=_pairs(city_weight, "--city-weight"),
        srb=_pairs(srb, "--srb"),
        srb_higher_order=_pairs(srb_higher_order, "--srb-higher-order"),
        lagging_city=lagging_city,
        faults=faults,
        demography=Demography(),
    )
    began = time.monotonic()
    result = simulate(params)
    if out_dir.exists():
        _clear(out_dir)
    write(result, out_dir, fmt)
    _report(result, out_dir, time.monotonic() - began)


def _report(result: SimResult, out_dir: Path, seconds: float) -> None:
    console = Console()
    table = Table(title=f"ivex simulate → {out_dir}  (seed {result.params.seed})")
    table.add_column("city")
    for stream in STREAMS:
        table.add_column(stream, justify="right")
    for city in result.params.cities:
        counts = [
            sum(1 for f in result.facts if f.source_city == city and f.stream == s) for s in STREAMS
        ]
        lag = " (weekly)" if city == result.params.lagging_city else ""
        table.add_row(city + lag, *(str(n) for n in counts))
    console.print(table)
    kinds: dict[str, dict[str, int]] = {}
    for r in result.truth:
        kinds.setdefault(r.kind, {}).setdefault(r.state, 0)
        kinds[r.kind][r.state] += 1
    truth = Table(title="expected requests (truth.jsonl)")
    truth.add_column("kind")
    truth.add_column("OPEN", justify="right")
    truth.add_column("WITHDRAWN", justify="right")
    for kind, states in sorted(kinds.items()):
        truth.add_row(kind, str(states.get("OPEN", 0)), str(states.get("WITHDRAWN", 0)))
    console.print(truth)
    console.print(
        f"simulation end {result.end_instant.isoformat()}; {seconds:.1f} s; "
        f"manifest: {out_dir / 'manifest.json'}"
    )
