"""Memory of one stream worker: RSS and RocksDB bytes per woman after a large workload.

Simulates the federation at ``--scale`` (seed 7; 1.0 ≈ 17k events, ≈ 5.5k women),
produces it onto the city topics, runs one ``ivex streams worker`` until the group has
no lag, reads the worker's resident set (VmRSS, and its peak VmHWM), stops it, then
sizes each RocksDB table on disk and counts the women in the ``women`` table.

Run: ``.venv/bin/python -m bench.memory_bench [--scale 4.0] [--bootstrap HOST:PORT]``
(without ``--bootstrap`` it starts a private PLAINTEXT broker).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections import Counter
from functools import partial
from pathlib import Path

from rocksdict import AccessType, Rdict

from bench.pipeline_bench import _drained, load, private_broker
from ivex.demo.environment import child_env
from ivex.demo.settle import wait_for_members
from ivex.demo.workers import check_alive, running_workers
from ivex.provision import apply_topics
from ivex.settings import load_settings
from ivex.simulation.params import build_params
from ivex.simulation.run import simulate, write
from ivex.topics import TopicNames, faust_id


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def table_sizes(data_dir: Path) -> tuple[Counter[str], int]:
    """Bytes on disk per table (all partitions), and the keys of the ``women`` table."""
    sizes: Counter[str] = Counter()
    women = 0
    for db in data_dir.rglob("*.db"):
        if not db.is_dir():
            continue
        table = db.name.rsplit("-", 1)[0]
        sizes[table] += sum(f.stat().st_size for f in db.rglob("*") if f.is_file())
        if table.endswith("women"):
            store = Rdict(str(db), access_type=AccessType.read_only())
            women += sum(1 for _ in store.keys())  # noqa: SIM118 - an Rdict is not iterable
            store.close()
    return sizes, women


def main() -> None:
    """Run the workload through one worker and print memory per woman."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=4.0)
    parser.add_argument("--bootstrap", help="use this broker instead of starting one")
    args = parser.parse_args()
    base = load_settings()
    with private_broker(args.bootstrap, base) as settings, tempfile.TemporaryDirectory() as tmp:
        apply_topics(settings)
        result = simulate(build_params(settings, seed=7, scale=args.scale))
        write(result, Path(tmp))
        sent, _ = load(settings, Path(tmp), result.end_instant)
        app_id, run = f"mem-{uuid.uuid4().hex[:6]}", Path(tmp) / "run"
        group, topics = faust_id(settings, app_id), TopicNames(settings).all_city_topics()
        start = time.perf_counter()
        with running_workers(1, run, child_env(settings, None), app_id) as procs:
            alive = partial(check_alive, procs, run)
            wait_for_members(settings, group, 1, on_poll=alive)
            _drained(settings, group, topics, alive)
            took = time.perf_counter() - start
            rss, peak = _status_kb(procs[0].pid, "VmRSS"), _status_kb(procs[0].pid, "VmHWM")
        sizes, women = table_sizes(run / "workers" / "w0")
    total = sum(sizes.values())
    print(f"events: {sent:,}; processed by one worker in {took:.1f} s (start-up included)")
    print(f"women in the women table: {women:,}")
    print(f"worker RSS after the run: {rss / 1024:.0f} MiB (peak {peak / 1024:.0f} MiB)")
    for table, size in sizes.most_common():
        print(f"  RocksDB {table}: {size / 1e6:.1f} MB")
    if women:
        print(f"RocksDB bytes per woman (all tables): {total / women:,.0f}")
        print(f"RocksDB women table bytes per woman:  {sizes_of(sizes, 'women') / women:,.0f}")
        print(f"RSS per woman: {rss * 1024 / women:,.0f} bytes")


def sizes_of(sizes: Counter[str], suffix: str) -> int:
    """Bytes of the tables whose name ends with ``suffix``."""
    return sum(size for table, size in sizes.items() if table.endswith(suffix))


if __name__ == "__main__":
    main()
