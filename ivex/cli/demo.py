"""``ivex demo``: the demo federation end to end (the README's first command)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ivex.cli.context import CliContext
from ivex.demo.run import DemoOptions, run_demo


@click.command("demo")
@click.option(
    "--run-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DemoOptions.run_dir,
    show_default=True,
    help="Where the run keeps its broker, simulated files, logs and reports (wiped first).",
)
@click.option("--seed", default=DemoOptions.seed, show_default=True, help="Simulator seed.")
@click.option(
    "--scale",
    default=DemoOptions.scale,
    show_default=True,
    help="Size of the simulated federation (1.0 ≈ 7,000 births a year).",
)
@click.option("--months", default=DemoOptions.months, show_default=True, help="Simulated period.")
@click.option("--workers", default=DemoOptions.workers, show_default=True, help="Stream workers.")
@click.pass_obj
def command(
    ctx: CliContext, run_dir: Path, seed: int, scale: float, months: int, workers: int
) -> None:
    """Run the demo federation end to end on this machine, then stop what it started.

    Starts a private Kafka broker, provisions the topics, simulates a year of the five
    Hexi cities (with the faults that make the exchange necessary), publishes every
    city's files through the connectors on its own schedule (one city lagging), runs
    the case engine on stream workers, and checks the requests raised against the
    simulator's ground truth. Exits 1 if any request is missing, extra or different.
    """
    options = DemoOptions(run_dir=run_dir, seed=seed, scale=scale, months=months,
                          workers=workers)  # fmt: skip
    report = run_demo(ctx.settings, ctx.config, options)
    if not report.ok:
        sys.exit(1)
