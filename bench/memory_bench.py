"""Memory of one stream worker: RSS and state bytes per woman after a large workload.

Simulates the federation at ``--scale`` (seed 7; 1.0 ≈ 17k events, ≈ 5.5k women),
produces it onto the city topics, runs one ``ivex streams worker`` until the group has
no lag, reads the worker's resident set (VmRSS, and its peak VmHWM), stops it, then
sizes its state: for the batch runtime (the default) the tables it holds in memory — the
latest key and value of every key of each changelog, the bytes it keeps per key — and
for ``--runtime faust`` each RocksDB table on disk; and counts the women.

Run: ``.venv/bin/python -m bench.memory_bench [--scale 4.0] [--runtime batch|faust]
[--bootstrap HOST:PORT]`` (without ``--bootstrap`` it starts a private PLAINTEXT broker).
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
from ivex.bulk_reader import read_bulk
from ivex.demo.environment import child_env
from ivex.demo.settle import wait_for_members
from ivex.demo.workers import check_alive, running_workers
from ivex.provision import apply_topics
from ivex.settings import Settings, load_settings
from ivex.simulation.params import build_params
from ivex.simulation.run import simulate, write
from ivex.topics import TopicNames, faust_id
from streams.tables import SRB_TABLE, TABLES, WOMEN_TABLE, changelog_name


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


def changelog_sizes(settings: Settings, app: str) -> tuple[Counter[str], list[int]]:
    """Bytes of the latest key and value of every key per table (what a batch worker holds
    in memory, without the dicts' own overhead), and those of each woman, sorted."""
    latest: dict[str, dict[bytes, int]] = {}
    names = {changelog_name(app, t): t for t in (*TABLES, SRB_TABLE)}
    for record in read_bulk(settings, sorted(names)):
        sizes = latest.setdefault(names[record.topic], {})
        key = record.key or b""
        if record.value is None:
            sizes.pop(key, None)
        else:
            sizes[key] = len(key) + len(record.value)
    totals = Counter({table: sum(sizes.values()) for table, sizes in latest.items()})
    return totals, sorted(latest.get(WOMEN_TABLE, {}).values())


def main() -> None:
    """Run the workload through one worker and print memory per woman."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=4.0)
    parser.add_argument("--bootstrap", help="use this broker instead of starting one")
    parser.add_argument("--runtime", choices=["batch", "faust"], default="batch")
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
        env = child_env(settings, None)
        with running_workers(1, run, env, app_id, args.runtime) as procs:
            alive = partial(check_alive, procs, run)
            wait_for_members(settings, group, 1, on_poll=alive)
            _drained(settings, group, topics, alive)
            took = time.perf_counter() - start
            rss, peak = _status_kb(procs[0].pid, "VmRSS"), _status_kb(procs[0].pid, "VmHWM")
        each: list[int] = []
        if args.runtime == "faust":
            sizes, women = table_sizes(run / "workers" / "w0")
        else:
            sizes, each = changelog_sizes(settings, group)
            women = len(each)
    what = "RocksDB" if args.runtime == "faust" else "in-memory state"
    total = sum(sizes.values())
    print(f"events: {sent:,}; processed by one worker in {took:.1f} s (start-up included)")
    print(f"women in the women table: {women:,}")
    print(f"worker RSS after the run: {rss / 1024:.0f} MiB (peak {peak / 1024:.0f} MiB)")
    for table, size in sizes.most_common():
        print(f"  {what} {table}: {size / 1e6:.1f} MB")
    if women:
        print(f"{what} bytes per woman (all tables): {total / women:,.0f}")
        print(f"{what} women table bytes per woman:  {sizes_of(sizes, 'women') / women:,.0f}")
        print(f"RSS per woman: {rss * 1024 / women:,.0f} bytes")
    if args.runtime == "batch" and each:
        n = len(each)
        print(
            f"one woman's state (key and value): p50 {each[n // 2]:,}, "
            f"p99 {each[n * 99 // 100]:,}, max {each[-1]:,} bytes"
        )


def sizes_of(sizes: Counter[str], suffix: str) -> int:
    """Bytes of the tables whose name ends with ``suffix``."""
    return sum(size for table, size in sizes.items() if table.endswith(suffix))


if __name__ == "__main__":
    main()
