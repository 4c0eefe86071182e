"""``ivex demo``: the whole job on one machine, from an empty broker to a verified result.

Steps: start a private broker → provision topics → wire check → simulate the cities →
start two stream workers → publish every city's files on its schedule (one city
lagging) → wait until the workers caught up → verify the requests against the ground
truth → print the summary → stop everything it started.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.status import Status

from ivex.demo import summary
from ivex.demo.cases import CaseTotals, answer_share, count_states, subscribe_all
from ivex.demo.environment import DemoEnvironment, demo_environment, security_line
from ivex.demo.feed import FeedTotals, batches, coarsen, feed
from ivex.demo.rederive_check import rederive_verdict
from ivex.demo.settle import wait_for_members, wait_until_settled
from ivex.demo.srb import srb_chart_step, srb_live_check
from ivex.demo.wirecheck import wire_check
from ivex.demo.workers import check_alive, running_workers
from ivex.provision import apply_topics
from ivex.settings import Settings
from ivex.simulation.params import build_params
from ivex.simulation.run import simulate, write
from ivex.topics import TopicNames, faust_id
from ivex.verify import VerifyReport, compare, load_truth, requests_on_topics

#: Consumer group (Faust app id) of the demo's stream workers.
APP_ID = "ivex-demo-engine"


@dataclass(frozen=True)
class DemoOptions:
    """Knobs of a demo run (defaults: the README's demo)."""

    run_dir: Path = Path("out/demo")
    seed: int = 1
    scale: float = 0.5
    months: int = 12
    workers: int = 2
    #: Publish every n-th batch of the simulator's plan (1 = daily, as planned).
    batch_every: int = 7
    #: Share of open requests the partner cities answer during the demo.
    answer_share: float = 0.6


@contextmanager
def step(console: Console, text: str) -> Iterator[Status]:
    """A spinner while a step runs, then a line saying it is done and how long it took."""
    started = time.monotonic()
    with console.status(text) as status:
        yield status
    console.print(f"[green]✓[/green] {text} ({time.monotonic() - started:.0f} s)")


def run_demo(settings: Settings, config: Path | None, options: DemoOptions) -> VerifyReport:
    """Run the demo end to end; returns the verification report (ok = nothing lost)."""
    console = Console()
    started = time.monotonic()
    console.print("Starting a private Kafka broker (the first run downloads its jars) …")
    with demo_environment(settings, options.run_dir, config) as env:
        report = run_pipeline(console, env, options)
    console.print(f"Demo finished in {time.monotonic() - started:.0f} s.")
    return report


def run_pipeline(console: Console, env: DemoEnvironment, options: DemoOptions) -> VerifyReport:
    """Every step after the broker is up: provision, simulate, publish, process, verify."""
    settings = env.settings
    console.print(f"Broker up at [bold]{settings.kafka.bootstrap_servers}[/bold].")
    console.print(security_line(settings))
    created = apply_topics(settings).created
    console.print(f"Provisioned {len(created)} topics.")
    checks = wire_check(settings)
    exact = sum(c.byte_exact for c in checks)
    console.print(f"Wire check: {exact}/{len(checks)} record types round-tripped byte-exact.")
    sim_dir = env.run_dir / "sim"
    manifest = _simulate(console, settings, sim_dir, options)
    with running_workers(options.workers, env.run_dir, env.env, APP_ID) as procs:
        alive = partial(check_alive, procs, env.run_dir)
        with step(console, f"Waiting for {options.workers} stream workers to join"):
            group = faust_id(settings, APP_ID)
            wait_for_members(settings, group, options.workers, on_poll=alive)
        plan = coarsen(manifest["publish_plan"], options.batch_every)
        totals = _feed(settings, sim_dir, plan)
        _settle(console, settings, alive)
        cases = _work_cases(console, settings, env.run_dir / "cases", options, alive)
        srb_live = srb_live_check(console, settings)
    requests = requests_on_topics(settings)
    report = compare(load_truth(sim_dir / "truth.jsonl"), requests)
    _print_summary(console, env, totals, requests, report)
    console.print(summary.cases_table(settings, cases))
    srb_chart_step(console, settings, env.run_dir)
    rederive_verdict(console, settings)
    if not srb_live:
        raise SystemExit(1)
    return report


def _simulate(
    console: Console, settings: Settings, sim_dir: Path, options: DemoOptions
) -> dict[str, Any]:
    with step(console, "Simulating a year of the federation"):
        params = build_params(settings, seed=options.seed, scale=options.scale,
                              months=options.months)  # fmt: skip
        manifest: dict[str, Any] = write(simulate(params), sim_dir)
    console.print(f"Simulated the cities into {sim_dir} (truth: {sim_dir / 'truth.jsonl'}).")
    return manifest


def _feed(settings: Settings, sim_dir: Path, plan: dict[str, Any]) -> FeedTotals:
    steps = sum(1 for _ in batches(plan))
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns) as progress:
        task = progress.add_task("Cities publishing their batches", total=steps)
        return feed(
            settings,
            sim_dir,
            plan,
            on_batch=lambda _b, city: progress.update(
                task, advance=1, description=f"Cities publishing (now {city})"
            ),
        )


def _settle(console: Console, settings: Settings, alive: Callable[[], None]) -> None:
    names = TopicNames(settings)
    with step(console, "Waiting for the stream workers to catch up") as status:

        def poll(lag: int) -> None:
            alive()
            status.update(f"Stream workers catching up: {lag:,} behind")

        # The cities' answers too: a responses topic counts in full until the workers
        # first commit on it.
        topics = names.all_city_topics() + [names.responses(c) for c in settings.city_codes]
        wait_until_settled(settings, faust_id(settings, APP_ID), topics, on_poll=poll)


def _work_cases(
    console: Console,
    settings: Settings,
    cases_dir: Path,
    options: DemoOptions,
    alive: Callable[[], None],
) -> CaseTotals:
    """Cities subscribe, answer a share of their requests, and see the new states."""
    totals = CaseTotals()
    with step(console, "Partner cities subscribing into their case tables"):
        subscribe_all(settings, cases_dir, totals)
    with step(console, "Case workers answering requests"):
        answer_share(settings, cases_dir, options.answer_share, totals)
    _settle(console, settings, alive)
    with step(console, "Case tables catching up with the new request states"):
        subscribe_all(settings, cases_dir, totals)
        count_states(settings, cases_dir, totals)
    return totals


def _print_summary(
    console: Console,
    env: DemoEnvironment,
    totals: FeedTotals,
    requests: Mapping[str, Mapping[str, Any]],
    report: VerifyReport,
) -> None:
    console.print(summary.published_table(env.settings, totals))
    console.print(summary.rejected_table(totals))
    console.print(summary.requests_table(env.settings, requests))
    console.print(summary.verify_table(report))
    summary.print_verdict(console, report)
    console.print(
        f"Run directory: {env.run_dir} — simulated files and truth.jsonl in sim/, the "
        "cities' SQLite case tables in cases/, worker logs, verify.json."
    )
    verdict = {
        "ok": report.ok,
        "expected": report.expected,
        "raised": report.raised,
        "missing": len(report.missing),
        "extra": len(report.extra),
        "differing": len(report.differing),
    }
    (env.run_dir / "verify.json").write_text(json.dumps(verdict, indent=2) + "\n")
