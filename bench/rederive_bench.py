"""Re-derivation (``ivex audit rederive``) with 1 and 2 processes, against raw
consume + decode, measured in one run over the same log.

Loads a simulated federation onto a real broker's city topics with the helpers of
:mod:`bench.pipeline_bench`, then times:

1. raw consume + decode: the bulk reader the re-derivation reads with
   (:mod:`ivex.bulk_reader`, librdkafka) plus the plain ``Codec.decode`` of every value
   (as the ingest decodes); the bulk reader alone; and, for comparison, kafka-python's
   bounded topic reader plus the same decode;
2. the re-derivation (:func:`streams.audit.run.derive`: read, decode, engine, lifecycle,
   merge) with 1 process and with 2 processes (process start-up included).

The log is loaded by :mod:`bench.bulk_load` (the simulation, then a pool of
``--load-processes`` processes encoding and producing the cities).

Run: ``.venv/bin/python -m bench.rederive_bench [--scale 1.0] [--bootstrap HOST:PORT
[--prefix PREFIX | --load-only]] [--load-processes 2] [--workers 1 2] [--no-raw]``
(without ``--bootstrap`` it starts a private broker and stops it afterwards).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.bulk_load import load
from bench.pipeline_bench import private_broker, time_raw
from ivex.bulk_reader import read_bulk
from ivex.codec import Codec
from ivex.provision import apply_topics
from ivex.settings import Settings, load_settings
from ivex.topics import TopicNames
from streams.audit.run import derive
from streams.audit.shares import Derived

#: Above this rate, 10 million events take under 5 minutes.
TARGET = 10_000_000 / 300


def time_raw_bulk(settings: Settings, *, decode: bool = True) -> tuple[int, float]:
    """Read every city topic with the bulk reader (``decode``: and decode every value)."""
    codec = Codec()
    count = 0
    start = time.perf_counter()
    for r in read_bulk(settings, TopicNames(settings).all_city_topics()):
        if r.value is not None:
            if decode:
                codec.decode(r.value, plain=True)
            count += 1
    return count, time.perf_counter() - start


def time_derive(settings: Settings, workers: int) -> tuple[Derived, float, float]:
    """One re-derivation over ``workers`` processes: wall time and CPU time of every
    process (this one and the shares' children)."""
    cpu = _cpu()
    start = time.perf_counter()
    derived = derive(settings, workers)
    return derived, time.perf_counter() - start, _cpu() - cpu


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@contextmanager
def _loaded(args: argparse.Namespace) -> Iterator[tuple[Settings, int]]:
    """A broker with the simulated log on it (or ``--prefix``'s, loaded by an earlier run)."""
    base = load_settings()
    if args.prefix:
        yield (
            base.derive(
                kafka={"bootstrap_servers": args.bootstrap},
                federation={"topic_prefix": args.prefix},
            ),
            0,
        )
        return
    with private_broker(args.bootstrap, base) as settings, tempfile.TemporaryDirectory() as tmp:
        apply_topics(settings)
        t0 = time.perf_counter()
        sent = load(settings, args.scale, Path(tmp), args.load_processes, args.months)
        print(
            f"loaded {sent:,} events in {time.perf_counter() - t0:.0f} s "
            f"(prefix {settings.federation.topic_prefix})"
        )
        yield settings, sent


def main() -> None:
    """Load the log, run the measurements, print rates and ratios."""
    args = _parser().parse_args()
    with _loaded(args) as (settings, sent):
        if args.load_only:
            return
        raws = _time_raws(settings) if not args.no_raw else None
        runs = {w: time_derive(settings, w) for w in args.workers}
        peak = _peak_mb()
    print(f"events on the city topics: {sent or next(iter(runs.values()))[0].events:,}")
    raw = _print_raws(raws) if raws is not None else None
    _print_runs(runs, raw)
    print(f"peak RSS: this process {peak[0]:,.0f} MB, largest child {peak[1]:,.0f} MB")
    print(f"target {TARGET:,.0f} events/s (10M in 5 min)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="simulator scale (1.0 ≈ 17k events)"
    )
    parser.add_argument(
        "--months",
        type=int,
        default=12,
        help="months simulated (a longer log at the same density: the simulated resident "
        "ID numbers run out of sequence codes per area and day above scale ≈ 200)",
    )
    parser.add_argument("--bootstrap", help="use this broker instead of starting one")
    parser.add_argument(
        "--prefix", help="with --bootstrap: re-use the log an earlier run loaded there"
    )
    parser.add_argument(
        "--load-only",
        action="store_true",
        help="with --bootstrap: load the log and stop (measure later with --prefix, e.g. on a "
        "quiet machine)",
    )
    parser.add_argument(
        "--load-processes",
        type=int,
        default=2,
        help="processes that encode and produce the simulated log (the simulation is one)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1, 2],
        help="re-derive with each of these numbers of processes (default 1 2); for a very "
        "large log `--workers 2` alone, as one process holds every woman's state",
    )
    parser.add_argument(
        "--no-raw", action="store_true", help="skip the raw consume (+ decode) measurements"
    )
    return parser


Raws = tuple[tuple[int, float], tuple[int, float], tuple[int, float]]


def _time_raws(settings: Settings) -> Raws:
    bulk, read = time_raw_bulk(settings), time_raw_bulk(settings, decode=False)
    n_old, t_old, _ = time_raw(settings, plain=True, keep=False)
    return bulk, read, (n_old, t_old)


def _print_raws(raws: Raws) -> float:
    (n_raw, t_raw), (n_read, t_read), (n_old, t_old) = raws
    raw = n_raw / t_raw
    print(f"raw consume+decode:   {raw:10,.0f} events/s ({t_raw:.2f} s; bulk reader)")
    print(f"raw consume alone:    {n_read / t_read:10,.0f} events/s ({t_read:.2f} s; bulk reader)")
    print(
        f"raw consume+decode:   {n_old / t_old:10,.0f} events/s ({t_old:.2f} s; "
        "kafka-python topic reader, for comparison)"
    )
    return raw


def _print_runs(runs: dict[int, tuple[Derived, float, float]], raw: float | None) -> None:
    for workers, (derived, seconds, cpu) in runs.items():
        rate = derived.events / seconds
        of_raw = f" = {rate / raw:.2f} of raw;" if raw is not None else ";"
        print(
            f"rederive, {workers} process(es): {rate:10,.0f} events/s ({seconds:.2f} s, "
            f"CPU {cpu:.1f} s){of_raw} 10M events in {10_000_000 / rate / 60:.1f} min"
            f"  (requests {len(derived.requests):,}, notices {len(derived.notices):,})"
        )
    if 2 in runs:
        # On cores of its own each process would take its CPU time: the wall-clock bound.
        free = runs[2][0].events / (runs[2][2] / 2)
        print(f"2 processes on 2 free cores (CPU time / 2): {free:10,.0f} events/s")
    if 1 in runs and 2 in runs:
        one, two = runs[1][0], runs[2][0]
        same = one.requests == two.requests and one.notices == two.notices
        print(f"1 and 2 processes derive the same outputs: {same}")


def _peak_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest child (Linux: in KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return own / 1024, child / 1024


if __name__ == "__main__":
    main()
