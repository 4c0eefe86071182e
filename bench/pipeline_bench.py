"""The case engine through Kafka, against raw consume + decode, measured in one run.

Loads a simulated federation onto a real broker's city topics (rows prepared by the
connectors' row pipeline, encoded with the codec, produced in bulk), then times over the
same log on the same machine:

1. raw consume + decode: the bounded topic reader plus ``Codec.decode`` — the floor any
   Kafka consumer of these topics pays;
2. the re-derivation pipeline: consume + decode + convert + ``CaseEngine.apply``;
3. the engine alone over the already-decoded facts;
4. the stream workers (``ivex streams worker`` subprocesses, Faust + RocksDB tables):
   from start until their consumer group has caught up with the whole log.

Run: ``.venv/bin/python -m bench.pipeline_bench [--scale 1.0] [--workers 1]
[--bootstrap HOST:PORT]``
(without ``--bootstrap`` it starts a private broker and stops it afterwards).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from kafka import KafkaProducer

from connectors.formats import format_of, read_file
from connectors.rows import RowPreparer
from ivex.broker import LocalBroker
from ivex.broker.probe import free_port
from ivex.codec import Codec
from ivex.demo.environment import child_env
from ivex.demo.settle import wait_until_settled
from ivex.demo.workers import check_alive, running_workers
from ivex.errors import RecordRejected
from ivex.kafka_config import producer_config
from ivex.provision import apply_topics
from ivex.settings import Settings, load_settings
from ivex.simulation.params import build_params
from ivex.simulation.run import simulate, write
from ivex.topic_reader import read_topics
from ivex.topics import STREAMS, TopicNames
from streams.app import faust_id
from streams.engine.engine import CaseEngine, EngineParams
from streams.engine.facts import Position, fact_from_avro
from streams.rederive import rederive

KEY = b"bench-key"


@contextmanager
def _broker(bootstrap: str | None, settings: Settings) -> Iterator[Settings]:
    prefix = {"topic_prefix": f"bench{uuid.uuid4().hex[:6]}."}
    if bootstrap:
        yield settings.derive(kafka={"bootstrap_servers": bootstrap}, federation=prefix)
        return
    with tempfile.TemporaryDirectory() as tmp:
        broker = LocalBroker(
            settings.broker.model_copy(
                update={
                    "port": free_port(),
                    "controller_port": free_port(),
                    "state_dir": Path(tmp),
                }
            )
        )
        status = broker.start(timeout_s=180)
        try:
            yield settings.derive(kafka={"bootstrap_servers": status.bootstrap}, federation=prefix)
        finally:
            broker.stop()


def load(settings: Settings, sim_dir: Path, end: datetime) -> int:
    """Prepare every simulated row, encode and produce it; then final watermarks."""
    codec, names = Codec(), TopicNames(settings)
    producer = KafkaProducer(
        **(producer_config(settings) | {"batch_size": 256 * 1024, "linger_ms": 20})
    )
    sent = 0
    for city in settings.city_codes:
        prep = RowPreparer(settings, city, key=KEY)
        for stream in STREAMS:
            topic = names.city(city, stream)
            for path in sim_dir.glob(f"{city}/{stream}.*"):
                for row in read_file(path, format_of(path)):
                    try:
                        rec = prep.prepare(stream, row.data)
                    except RecordRejected:
                        continue
                    producer.send(
                        topic,
                        key=rec.record_id.encode(),
                        value=codec.encode(rec.record_name, rec.datum),
                    )
                    sent += 1
            wm = {
                "event_id": str(uuid.uuid4()),
                "source_city": city,
                "recorded_at": end,
                "stream": stream,
                "complete_through": end,
            }
            producer.send(topic, value=codec.encode("SourceWatermark", wm))
            sent += 1
    producer.flush()
    producer.close()
    return sent


def time_raw(
    settings: Settings, *, keep: bool = True
) -> tuple[int, float, list[tuple[str, dict[str, Any], Position]]]:
    """Consume + decode every city topic; keep (``keep``) the decoded data for the
    engine-alone run."""
    codec = Codec()
    decoded = []
    count = 0
    start = time.perf_counter()
    for r in read_topics(settings, TopicNames(settings).all_city_topics()):
        if r.value is not None:
            datum = codec.decode(r.value).datum
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


def time_workers(settings: Settings, count: int, run_dir: Path) -> float:
    """Seconds for ``count`` fresh workers to process the whole log (start-up included)."""
    app_id = f"bench-{uuid.uuid4().hex[:6]}"
    env = child_env(settings, None)
    start = time.perf_counter()
    with running_workers(count, run_dir, env, app_id) as procs:
        wait_until_settled(
            settings,
            faust_id(settings, app_id),
            TopicNames(settings).all_city_topics(),
            quiet_s=0.5,
            on_poll=lambda _lag: check_alive(procs, run_dir),
        )
        return time.perf_counter() - start


def main() -> None:
    """Run the benchmark and print the figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="simulator scale (1.0 ≈ 17k events)"
    )
    parser.add_argument("--bootstrap", help="use this broker instead of starting one")
    parser.add_argument("--workers", type=int, default=1, help="stream workers to time (0: skip)")
    args = parser.parse_args()
    base = load_settings()
    with _broker(args.bootstrap, base) as settings, tempfile.TemporaryDirectory() as tmp:
        apply_topics(settings)
        result = simulate(build_params(settings, seed=7, scale=args.scale))
        write(result, Path(tmp))
        sent = load(settings, Path(tmp), result.end_instant)
        n_raw, t_raw, decoded = time_raw(settings)
        start = time.perf_counter()
        derived = rederive(settings)
        t_pipe = time.perf_counter() - start
        t_engine = time_engine(settings, decoded)
        t_workers = time_workers(settings, args.workers, Path(tmp) / "run") if args.workers else 0
    print(f"events on the city topics: {sent:,} (read back {n_raw:,})")
    print(f"raw consume+decode:        {n_raw / t_raw:10,.0f} events/s ({t_raw:.2f} s)")
    print(
        f"consume+decode+engine:     {derived.events / t_pipe:10,.0f} events/s ({t_pipe:.2f} s)"
        f"  requests {len(derived.requests)}, notices {len(derived.notices)}"
    )
    print(f"engine alone:              {n_raw / t_engine:10,.0f} events/s ({t_engine:.2f} s)")
    if t_workers:
        print(
            f"{args.workers} stream worker(s):       {n_raw / t_workers:10,.0f} events/s "
            f"({t_workers:.2f} s, start-up and group join included)"
        )
    print(f"pipeline / raw throughput: {t_raw / t_pipe:.2f}")
    print(f"engine share of pipeline:  {t_engine / t_pipe:.0%}")


if __name__ == "__main__":
    main()
