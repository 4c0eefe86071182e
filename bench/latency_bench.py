"""Latency from publishing to the request on its topic, at a steady rate with watermarks.

Loads the simulated federation (seed 7) as records sorted by ``recorded_at``, starts one
stream worker on fresh topics and waits until it has joined, then publishes in rounds of
one second: ``--rate`` events per round (the next facts in time order, then one
watermark per city topic declaring the round's cut-off instant complete), flushed with
``acks=all``. A request becomes due when the watermarks pass its ``raised_at``: its
latency is the Kafka timestamp of its first version on ``assist.requests.<city>`` (set
by the worker's producer) minus the moment the round that made it due was acknowledged.

Run: ``.venv/bin/python -m bench.latency_bench [--rate 1000] [--scale 1.0]
[--bootstrap HOST:PORT]`` (without ``--bootstrap`` it starts a private PLAINTEXT broker).
"""

from __future__ import annotations

import argparse
import bisect
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from kafka import KafkaProducer

from bench.pipeline_bench import KEY, _drained, _watermark, prepared_rows, private_broker
from connectors.rows import RowPreparer
from ivex.codec import Codec
from ivex.demo.environment import child_env
from ivex.demo.settle import wait_for_members
from ivex.demo.workers import check_alive, running_workers
from ivex.kafka_config import producer_config
from ivex.provision import apply_topics
from ivex.settings import Settings, load_settings
from ivex.simulation.params import build_params
from ivex.simulation.run import simulate, write
from ivex.topic_reader import read_topics
from ivex.topics import STREAMS, TopicNames, faust_id, internal_topic_name

Timed = list[tuple[int, str, bytes, bytes]]  # (recorded_at ms, topic, key, value)


def timed_workload(settings: Settings, sim_dir: Path) -> Timed:
    """Every simulated row prepared and encoded, in ``recorded_at`` order."""
    codec, names = Codec(), TopicNames(settings)
    out: Timed = []
    for city in settings.city_codes:
        prep = RowPreparer(settings, city, key=KEY)
        for stream in STREAMS:
            for rec in prepared_rows(prep, sim_dir, city, stream):
                at = int(rec.datum["recorded_at"].timestamp() * 1000)
                value = codec.encode(rec.record_name, rec.datum)
                out.append((at, names.city(city, stream), rec.record_id.encode(), value))
    out.sort(key=lambda r: r[0])
    return out


def publish_rounds(settings: Settings, work: Timed, rate: int) -> list[tuple[int, float]]:
    """Publish ``rate`` events a second with watermarks; (cut-off ms, acked at) per round."""
    codec, names = Codec(), TopicNames(settings)
    topics = [(c, s, names.city(c, s)) for c in settings.city_codes for s in STREAMS]
    producer = KafkaProducer(**(producer_config(settings) | {"linger_ms": 5}))
    rounds: list[tuple[int, float]] = []
    per_round = max(rate - len(topics), 1)
    start = time.monotonic()
    try:
        for n, i in enumerate(range(0, len(work), per_round)):
            chunk = work[i : i + per_round]
            for _, topic, key, value in chunk:
                producer.send(topic, key=key, value=value)
            cut = chunk[-1][0]
            through = datetime.fromtimestamp(cut / 1000, tz=UTC)
            for city, stream, topic in topics:
                producer.send(topic, value=_watermark(codec, city, stream, through))
            producer.flush()
            rounds.append((cut, time.time()))
            time.sleep(max(0.0, start + n + 1 - time.monotonic()))
    finally:
        producer.close()
    return rounds


def latencies(settings: Settings, rounds: list[tuple[int, float]]) -> list[float]:
    """Seconds from the acknowledgement of the round that made each request due to its
    first version on the requests topics."""
    codec, cuts = Codec(), [cut for cut, _ in rounds]
    first: dict[str, tuple[int, int]] = {}  # request id → (raised_at ms, timestamp ms)
    topics = [TopicNames(settings).requests(c) for c in settings.city_codes]
    for r in read_topics(settings, topics):
        if r.value is None:
            continue
        datum = codec.decode(r.value).datum
        raised = int(datum["raised_at"].timestamp() * 1000)
        first.setdefault(str(datum["request_id"]), (raised, r.timestamp_ms))
    out = []
    for raised, stamp in first.values():
        n = bisect.bisect_left(cuts, raised)
        if n < len(rounds):
            out.append(stamp / 1000 - rounds[n][1])
    return sorted(out)


def main() -> None:
    """Run the benchmark and print p50/p99."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=1000, help="events per second")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--bootstrap", help="use this broker instead of starting one")
    args = parser.parse_args()
    base = load_settings()
    with private_broker(args.bootstrap, base) as settings, tempfile.TemporaryDirectory() as tmp:
        apply_topics(settings)
        write(simulate(build_params(settings, seed=7, scale=args.scale)), Path(tmp))
        work = timed_workload(settings, Path(tmp))
        app_id = f"lat-{uuid.uuid4().hex[:6]}"
        group = faust_id(settings, app_id)
        with running_workers(1, Path(tmp) / "run", child_env(settings, None), app_id) as procs:
            alive = partial(check_alive, procs, Path(tmp) / "run")
            wait_for_members(settings, group, 1, on_poll=alive)
            rounds = publish_rounds(settings, work, args.rate)
            topics = [
                *TopicNames(settings).all_city_topics(),
                internal_topic_name(settings, app_id),
            ]
            _drained(settings, group, topics, alive)
        lat = latencies(settings, rounds)
    print(f"published {len(work):,} events in {len(rounds)} rounds of 1 s ({args.rate}/s)")
    if len(lat) < 2:
        print(f"requests timed: {len(lat)} — too few for percentiles")
        return
    p99 = statistics.quantiles(lat, n=100)[98]
    print(f"requests timed: {len(lat)}")
    print(
        f"latency publish → request: p50 {statistics.median(lat):.3f} s, p99 {p99:.3f} s, "
        f"max {lat[-1]:.3f} s"
    )


if __name__ == "__main__":
    main()
