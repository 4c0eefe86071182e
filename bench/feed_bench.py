"""The demo's publishing step, timed: ``feed()`` of the demo's simulated cities.

Simulates the federation as ``ivex demo`` does (seed 7, scale 0.5, 12 months, every
7th batch boundary), provisions fresh topics under a new prefix and times
:func:`ivex.demo.feed.feed` publishing every city's files on its schedule.

Run: ``.venv/bin/python -m bench.feed_bench [--bootstrap HOST:PORT] [--scale 0.5]``
(without ``--bootstrap`` it starts a private broker).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.pipeline_bench import private_broker
from ivex.demo.environment import DEMO_KEY
from ivex.demo.feed import batches, coarsen, feed
from ivex.provision import apply_topics
from ivex.settings import load_settings
from ivex.simulation.params import build_params
from ivex.simulation.run import simulate, write


def main() -> None:
    """Simulate, publish, print the time and rates."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", help="use this broker instead of starting one")
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--batch-every", type=int, default=7)
    args = parser.parse_args()
    base = load_settings()
    os.environ.setdefault(base.pseudonymisation.key_env, DEMO_KEY)
    with private_broker(args.bootstrap, base) as settings, tempfile.TemporaryDirectory() as tmp:
        apply_topics(settings)
        params = build_params(settings, seed=7, scale=args.scale, months=12)
        manifest: dict[str, Any] = write(simulate(params), Path(tmp))
        plan = coarsen(manifest["publish_plan"], args.batch_every)
        steps = sum(1 for _ in batches(plan))
        start = time.perf_counter()
        totals = feed(settings, Path(tmp), plan)
        took = time.perf_counter() - start
    rows = sum(totals.published.values()) + sum(totals.rejected.values())
    print(f"batches (city x boundary): {steps}; watermarks: {totals.watermarks}")
    print(
        f"rows published: {sum(totals.published.values()):,}, rejected: "
        f"{sum(totals.rejected.values()):,}"
    )
    print(f"feed(): {took:.2f} s, {rows / took:,.0f} rows/s, {steps / took:,.1f} batches/s")


if __name__ == "__main__":
    main()
