"""The case engine through Kafka, against raw consume + decode, measured in one run.

Loads a simulated federation onto a real broker's city topics (rows prepared by the
connectors' row pipeline, encoded with the codec, produced in bulk), then times over the
same log on the same machine:

1. raw consume + decode: the bounded topic reader plus ``Codec.decode`` — the floor any
   Kafka consumer of these topics pays;
2. the re-derivation pipeline: consume + decode + convert + ``CaseEngine.apply``;
3. the engine alone over the already-decoded facts;
4. the stream workers (``ivex streams worker`` subprocesses, on the batch runtime or Faust) from
   a warm start, on a second set of topics: start-up until the group is stable, then a
   primer (one watermark per city topic) until processed — both reported apart — then
   the same records produced at once, timed until the group has no lag left (polled
   every 0.1 s): the steady-state rate, and its ratio to raw consume + decode.

The ratios use raw consume + decode timed without keeping what it decoded. With
``--repeat N`` the workers are timed N times (each time on fresh topics), each trial
after a raw read of its own, and the medians are reported with every trial's figures:
on this shared 2-core machine one trial's rate moves by ±15 % from run to run.

Run: ``.venv/bin/python -m bench.pipeline_bench [--scale 1.0] [--workers 1] [--repeat 1]
[--runtime batch|faust ...] [--bootstrap HOST:PORT]``
(without ``--bootstrap`` it starts a private broker and stops it afterwards).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from confluent_kafka import Producer
from kafka import KafkaAdminClient

from connectors.formats import format_of, read_file
from connectors.rows import PreparedRecord, RowPreparer
from ivex.broker import LocalBroker
from ivex.broker.probe import free_port
from ivex.codec import Codec
from ivex.demo.environment import child_env
from ivex.demo.settle import LagReader, wait_for_members
from ivex.demo.workers import check_alive, running_workers
from ivex.errors import RecordRejected
from ivex.kafka_config import client_config, librdkafka_config
from ivex.provision import apply_topics
from ivex.settings import Settings, load_settings
from ivex.simulation.params import build_params
from ivex.simulation.run import simulate, write
from ivex.topic_reader import read_topics
from ivex.topics import STREAMS, Stream, TopicNames, faust_id
from streams.engine.engine import CaseEngine, EngineParams
from streams.engine.facts import Position, fact_from_avro
from streams.rederive import rederive

KEY = b"bench-key"


@contextmanager
def private_broker(bootstrap: str | None, settings: Settings) -> Iterator[Settings]:
    """A PLAINTEXT broker of its own (no SASL/TLS, no ACLs), or the one at ``bootstrap``."""
    prefix = {"topic_prefix": f"bench{uuid.uuid4().hex[:6]}."}
    plain = {"security_protocol": "PLAINTEXT"}
    if bootstrap:
        run = settings.derive(kafka={"bootstrap_servers": bootstrap, **plain}, federation=prefix)
        try:
            yield run
        finally:
            _drop_topics(run)  # a shared broker gets back what it had
        return
    with tempfile.TemporaryDirectory() as tmp:
        broker = LocalBroker(
            settings.broker.model_copy(
                update={
                    "port": free_port(),
                    "controller_port": free_port(),
                    "state_dir": Path(tmp),
                    "secure": False,
                }
            )
        )
        status = broker.start(timeout_s=180)
        try:
            plain = {"bootstrap_servers": status.bootstrap, "security_protocol": "PLAINTEXT"}
            yield settings.derive(kafka=plain, federation=prefix)
        finally:
            broker.stop()


Workload = list[tuple[str, bytes | None, bytes]]


def encode_workload(settings: Settings, sim_dir: Path, end: datetime) -> Workload:
    """Every simulated row prepared and encoded, then final watermarks: (topic, key, value)."""
    codec = Codec()
    return [
        rec
        for city in settings.city_codes
        for rec in encode_city(settings, sim_dir, city, end, codec)
    ]


def encode_city(
    settings: Settings, sim_dir: Path, city: str, end: datetime, codec: Codec
) -> Iterator[tuple[str, bytes | None, bytes]]:
    """One city's simulated rows prepared and encoded, stream by stream, each stream's
    final watermark after its rows: (topic, key, value) in the order of its topic."""
    names = TopicNames(settings)
    prep = RowPreparer(settings, city, key=KEY)
    for stream in STREAMS:
        topic = names.city(city, stream)
        for rec in prepared_rows(prep, sim_dir, city, stream):
            yield topic, rec.record_id.encode(), codec.encode(rec.record_name, rec.datum)
        yield topic, None, _watermark(codec, city, stream, end)


def prepared_rows(
    prep: RowPreparer, sim_dir: Path, city: str, stream: Stream
) -> Iterator[PreparedRecord]:
    """One city stream's simulated rows as the publisher prepares them (rejected rows left
    out)."""
    for path in sim_dir.glob(f"{city}/{stream}.*"):
        for row in read_file(path, format_of(path)):
            try:
                yield prep.prepare(stream, row.data)
            except RecordRejected:
                continue


def _watermark(codec: Codec, city: str, stream: str, through: datetime) -> bytes:
    wm = {
        "event_id": str(uuid.uuid4()),
        "source_city": city,
        "recorded_at": through,
        "stream": stream,
        "complete_through": through,
    }
    return codec.encode("SourceWatermark", wm)


def produce(settings: Settings, records: Workload, prefix: str | None = None) -> None:
    """Produce ``records`` in bulk (topic prefix swapped for ``prefix`` if given).

    With librdkafka: kafka-python would take about a second for the 17k records of
    scale 1 on this machine, a CPU and a second the timed workers would share with it.
    """
    producer = Producer(
        librdkafka_config(settings)
        | {"acks": "all", "enable.idempotence": True, "linger.ms": 20, "batch.size": 1_000_000}
    )
    old = settings.federation.topic_prefix
    for topic, key, value in records:
        name = prefix + topic[len(old) :] if prefix is not None else topic
        while True:
            try:
                producer.produce(name, value, key)
                break
            except BufferError:
                producer.poll(0.05)
    if producer.flush(60.0):
        raise RuntimeError("the workload was not acknowledged within 60 s")


def load(settings: Settings, sim_dir: Path, end: datetime) -> tuple[int, Workload]:
    """Encode the workload and produce it onto the city topics."""
    records = encode_workload(settings, sim_dir, end)
    produce(settings, records)
    return len(records), records


def time_raw(
    settings: Settings, *, plain: bool = False, keep: bool = True
) -> tuple[int, float, list[tuple[str, dict[str, Any], Position]]]:
    """Consume + decode every city topic (``plain``: without Avro's logical types, as the
    ingest does); keep (``keep``) the decoded data for the engine-alone run."""
    codec = Codec()
    decoded = []
    count = 0
    start = time.perf_counter()
    for r in read_topics(settings, TopicNames(settings).all_city_topics()):
        if r.value is not None:
            datum = codec.decode(r.value, plain=plain).datum
            count += 1
            if keep:
                decoded.append(
                    (r.topic.rsplit(".", 1)[-1], datum, Position(r.topic, r.partition, r.offset))
                )
    return count, time.perf_counter() - start, decoded


def time_engine(settings: Settings, decoded: list[tuple[str, dict[str, Any], Position]]) -> float:
    """Convert and apply already-decoded records: the engine alone."""
    facts = [fact_from_avro(s, d, p) for s, d, p in decoded]
    engine = CaseEngine(EngineParams.from_settings(settings))
    start = time.perf_counter()
    for fact in facts:
        engine.apply(fact)
    return time.perf_counter() - start


@dataclass
class WorkerTimes:
    """Seconds of one worker run from a warm start."""

    joined: float  # start-up until the group is stable with every worker
    primed: float  # then until a primer of one watermark per city topic is processed
    steady: float  # then from producing the workload until the group has no lag
    cpu: float  # CPU seconds the workers used in the steady phase


def time_workers(
    settings: Settings,
    count: int,
    run_dir: Path,
    records: Workload,
    start: datetime,
    profile: Path | None = None,
    runtime: str = "batch",
) -> WorkerTimes:
    """Time ``count`` workers on ``runtime`` on fresh topics (same records), from a warm
    start."""
    fresh = settings.derive(federation={"topic_prefix": f"w{uuid.uuid4().hex[:6]}."})
    apply_topics(fresh)
    app_id = f"bench-{uuid.uuid4().hex[:6]}"
    group, topics = faust_id(fresh, app_id), TopicNames(fresh).all_city_topics()
    codec = Codec()
    primer: Workload = [
        (t, None, _watermark(codec, c, s, start))
        for c in fresh.city_codes
        for s in STREAMS
        for t in [TopicNames(fresh).city(c, s)]
    ]
    t0 = time.perf_counter()
    with running_workers(count, run_dir, child_env(fresh, None), app_id, runtime) as procs:
        alive = partial(check_alive, procs, run_dir)
        wait_for_members(fresh, group, count, on_poll=alive)
        joined = time.perf_counter() - t0
        produce(fresh, primer)
        _drained(fresh, group, topics, alive)
        primed = time.perf_counter() - t0 - joined
        spy = _spy(procs[0].pid, profile) if profile is not None else None
        t1, cpu0 = time.perf_counter(), _cpu(procs)
        produce(settings, records, prefix=fresh.federation.topic_prefix)
        done = _drained(fresh, group, topics, alive)
        cpu = _cpu(procs) - cpu0
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its flame graph on SIGINT
            spy.wait(timeout=60)
    for log in sorted(run_dir.glob("worker-*.log")):  # the batch runtime's own count
        for line in log.read_text(errors="replace").splitlines():
            if "worker stopped:" in line:
                print(f"  {runtime} {log.stem}: {line.split('worker stopped: ', 1)[1]}")
    _drop_topics(fresh)
    return WorkerTimes(joined, primed, done - t1, cpu)


def _drop_topics(trial: Settings) -> None:
    """Delete a trial's topics (its own prefix): a broker that kept every trial's topics
    and changelogs made each later trial slower, the workers' CPU per event included
    (16,800 events per CPU-second after some 800 topics, 23,600 on a fresh broker)."""
    prefix = trial.federation.topic_prefix
    admin = KafkaAdminClient(**client_config(trial), client_id="ivex-bench-cleanup")
    try:
        names = [t for t in admin.list_topics() if t.startswith(prefix)]
        if names:
            admin.delete_topics(names, timeout_ms=30_000)
    finally:
        admin.close()


def _cpu(procs: list[subprocess.Popen[bytes]]) -> float:
    """CPU seconds (user + system) the processes used so far (Linux /proc)."""
    ticks = 0
    for proc in procs:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _spy(pid: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy recording ``pid`` (idle samples included) into ``out`` until interrupted;
    the binary from ``$PY_SPY`` or the PATH."""
    binary = os.environ.get("PY_SPY", "py-spy")
    fmt = "speedscope" if out.suffix == ".json" else "flamegraph"
    cmd = [binary, "record", "--idle", "-r", "200", "-f", fmt, "-o", str(out), "-p", str(pid)]
    spy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # attached before the workload is produced
    return spy


def _drained(settings: Settings, group: str, topics: list[str], alive: Callable[[], None]) -> float:
    """When the group first had no lag (polled every 0.1 s over clients kept open, so the
    polling takes little of the CPU the workers need), confirmed 1 s later.

    With ``$BENCH_TIMELINE`` set, prints the lag of each hop every second on the way.
    """
    start, shown = time.perf_counter(), -1
    with LagReader(settings) as reader:
        while True:
            alive()
            lag = reader.group_lag(group, topics)
            if os.environ.get("BENCH_TIMELINE") and int(time.perf_counter() - start) > shown:
                shown = int(time.perf_counter() - start)
                _show_hops(shown, lag)
            if not any(lag.values()):
                seen = time.perf_counter()
                time.sleep(1.0)
                if not any(reader.group_lag(group, topics).values()):
                    return seen
            time.sleep(0.1)


def _show_hops(second: int, lag: dict[str, int]) -> None:
    hops: dict[str, int] = {}
    for topic, behind in lag.items():
        hop = topic.rsplit("-", 2)[-2] if topic.endswith("-in") else "city"
        hops[hop] = hops.get(hop, 0) + behind
    print(f"  t={second:3d}s lag " + " ".join(f"{h}={n}" for h, n in sorted(hops.items())))


def main() -> None:
    """Run the benchmark and print the figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="simulator scale (1.0 ≈ 17k events)"
    )
    parser.add_argument("--bootstrap", help="use this broker instead of starting one")
    parser.add_argument("--workers", type=int, default=1, help="stream workers to time (0: skip)")
    parser.add_argument(
        "--runtime",
        action="append",
        choices=["batch", "faust"],
        help="worker runtime to time; repeat to time several in the same run (default: batch)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="time the workers (each time on fresh topics) and raw consume+decode this "
        "many times, alternately, and report the medians (the machine's pace drifts)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="py-spy the first worker's steady phase into this file (.svg or .json)",
    )
    args = parser.parse_args()
    base = load_settings()
    with private_broker(args.bootstrap, base) as settings, tempfile.TemporaryDirectory() as tmp:
        apply_topics(settings)
        result = simulate(build_params(settings, seed=7, scale=args.scale))
        write(result, Path(tmp))
        sent, records = load(settings, Path(tmp), result.end_instant)
        n_raw, _, decoded = time_raw(settings)  # kept for the engine alone, not timed
        _, t_plain, _ = time_raw(settings, plain=True, keep=False)
        start = time.perf_counter()
        derived = rederive(settings)
        t_pipe = time.perf_counter() - start
        t_engine = time_engine(settings, decoded)
        del decoded
        runtimes = args.runtime or ["batch"]
        raws: list[float] = []
        trials: dict[str, list[WorkerTimes]] = {runtime: [] for runtime in runtimes}
        for trial in range(max(args.repeat, 1)):
            # Raw again next to each repetition: the machine's pace drifts.
            raws.append(time_raw(settings, keep=False)[1])
            for runtime in runtimes if args.workers else []:
                run_dir = Path(tmp) / f"run-{runtime}-{trial}"
                trials[runtime].append(
                    time_workers(
                        settings,
                        args.workers,
                        run_dir,
                        records,
                        result.start_instant,
                        args.profile if trial == 0 else None,
                        runtime,
                    )
                )
    t_raw = statistics.median(raws)
    print(f"events on the city topics: {sent:,} (read back {n_raw:,})")
    print(f"raw consume+decode:        {n_raw / t_raw:10,.0f} events/s ({t_raw:.2f} s)")
    print(f"raw consume+plain decode:  {n_raw / t_plain:10,.0f} events/s ({t_plain:.2f} s)")
    print(
        f"consume+decode+engine:     {derived.events / t_pipe:10,.0f} events/s ({t_pipe:.2f} s)"
        f"  requests {len(derived.requests)}, notices {len(derived.notices)}"
    )
    print(f"engine alone:              {n_raw / t_engine:10,.0f} events/s ({t_engine:.2f} s)")
    if len(raws) > 1:
        print(f"  (raw: the median of {len(raws)} reads, one before each trial)")
    for runtime, timed in trials.items():
        if not timed:
            continue
        who = f"{args.workers} {runtime} worker(s)"
        for n, (t, r) in enumerate(zip(timed, raws, strict=True)):
            if len(timed) > 1:
                print(
                    f"  trial {n + 1}: {who} {n_raw / t.steady:,.0f} events/s, "
                    f"raw {n_raw / r:,.0f}: {r / t.steady:.2f} of raw"
                )
        middle = sorted(timed, key=lambda t: t.steady)[len(timed) // 2]
        _print_workers(who, middle, n_raw, t_raw, t_plain)
    print(f"pipeline / raw throughput: {t_raw / t_pipe:.2f}")
    print(f"engine share of pipeline:  {t_engine / t_pipe:.0%}")


def _print_workers(who: str, times: WorkerTimes, n_raw: int, t_raw: float, t_plain: float) -> None:
    rate = n_raw / times.steady
    print(
        f"{who}: start-up + group join {times.joined:.2f} s; "
        f"primer (20 watermarks) processed in {times.primed:.2f} s"
    )
    print(f"{who}, steady: {rate:10,.0f} events/s ({times.steady:.2f} s from produce to no lag)")
    print(
        f"{who}, CPU in the steady phase: {times.cpu:.1f} s "
        f"({times.cpu / times.steady:.0%} of one core; {n_raw / times.cpu:,.0f} events per CPU-s)"
    )
    print(f"{who} / raw throughput:          {rate / (n_raw / t_raw):.2f}")
    print(f"{who} / raw (plain decode):      {rate / (n_raw / t_plain):.2f}")


if __name__ == "__main__":
    main()
