"""Load a simulated federation onto the city topics fast enough for logs of 10M events.

Same log as :func:`bench.pipeline_bench.load` — the same simulated rows, prepared and
encoded by :func:`bench.pipeline_bench.encode_city`, in the same order on every topic,
each stream's final watermark last — but built for size:

- the simulation runs without its truth (the load does not need it) and with the cyclic
  GC paused: it only accumulates facts, and every full collection rescanned all of them;
- the cities are encoded and produced in a pool of processes (a city's topics by one
  process, so their order is kept), each with a librdkafka producer (idempotent,
  ``acks=all``), streaming: no process holds more than its producer's queue;
- a city goes to the pool as soon as its files are written, and the simulation is
  dropped once all are.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from confluent_kafka import KafkaError, Message, Producer

from bench.pipeline_bench import encode_city
from ivex.codec import Codec
from ivex.kafka_config import librdkafka_config
from ivex.settings import Settings
from ivex.simulation.model import STREAMS, Version
from ivex.simulation.params import build_params
from ivex.simulation.run import SimResult, simulate
from ivex.simulation.writer import write_stream_file
from streams.engine.gc_tuning import cyclic_gc_paused

#: librdkafka's producer settings for a bulk load (large batches, a deep queue).
PRODUCER = {
    "enable.idempotence": True,
    # Kafka's (and kafka-python's) partitioner, should a city topic have several partitions.
    "partitioner": "murmur2_random",
    "acks": "all",
    "linger.ms": 50,
    "batch.size": 1_000_000,
    "queue.buffering.max.messages": 500_000,
    "queue.buffering.max.kbytes": 256 * 1024,
}
#: The simulator's seed of every bench log.
SEED = 7
#: Poll the producer's delivery reports every this many records.
POLL_EVERY = 10_000


def load(
    settings: Settings, scale: float, sim_dir: Path, processes: int = 2, months: int = 12
) -> int:
    """Simulate ``months`` at ``scale``, write its files into ``sim_dir`` and load them;
    records sent.

    A city is handed to the pool as soon as its files are written, so the pool encodes
    while this process writes the next city.
    """
    t0 = time.perf_counter()
    with cyclic_gc_paused():
        params = build_params(settings, seed=SEED, scale=scale, months=months)
        result = simulate(params, truth=False)
    t1 = time.perf_counter()
    by_file = _versions_by_file(result)
    ctx = mp.get_context("spawn")
    init = (settings, sim_dir, result.end_instant)
    with ctx.Pool(processes, initializer=_start, initargs=init) as pool:
        loading = []
        for city in _largest_first(by_file):
            for stream in STREAMS:
                write_stream_file(
                    city, stream, by_file[city, stream], result.params, sim_dir, "csv"
                )
            loading.append(pool.apply_async(_load_city, (city,)))
        del result, by_file
        gc.collect()  # the simulation is no longer needed: free it while the pool works
        sent = sum(job.get() for job in loading)
    print(
        f"simulated in {t1 - t0:.0f} s, written, encoded and produced in "
        f"{time.perf_counter() - t1:.0f} s"
    )
    return sent


def _versions_by_file(result: SimResult) -> dict[tuple[str, str], list[Version]]:
    """Each (city, stream) file's versions, in the order of the facts (as written)."""
    by_file: dict[tuple[str, str], list[Version]] = {
        (c, s): [] for c in result.params.cities for s in STREAMS
    }
    for fact in result.facts:
        by_file[fact.source_city, fact.stream].extend(fact.versions)
    return by_file


def _largest_first(by_file: dict[tuple[str, str], list[Version]]) -> list[str]:
    """The cities, most versions first: no process is left alone with a big one at the end."""
    sizes: dict[str, int] = {}
    for (city, _), versions in by_file.items():
        sizes[city] = sizes.get(city, 0) + len(versions)
    return sorted(sizes, key=lambda c: -sizes[c])


class _Worker:
    """One pool process's producer, codec and inputs (set up once by :func:`_start`)."""

    def __init__(self, settings: Settings, sim_dir: Path, end: datetime) -> None:
        self.settings, self.sim_dir, self.end = settings, sim_dir, end
        self.codec = Codec()
        self.producer = Producer(librdkafka_config(settings) | PRODUCER)
        self.failed: list[str] = []

    def delivered(self, err: KafkaError | None, _msg: Message) -> None:
        """Delivery report: keep the first errors, raised after the city's flush."""
        if err is not None and len(self.failed) < 5:
            self.failed.append(err.str())

    def load_city(self, city: str) -> int:
        """Encode and produce one city's records; flush; return how many were sent."""
        sent = 0
        for topic, key, value in encode_city(
            self.settings, self.sim_dir, city, self.end, self.codec
        ):
            self._produce(topic, key, value)
            sent += 1
            if sent % POLL_EVERY == 0:
                self.producer.poll(0)
        self.producer.flush()
        if self.failed:
            raise RuntimeError(f"city {city}: delivery failed: {self.failed}")
        return sent

    def _produce(self, topic: str, key: bytes | None, value: bytes) -> None:
        while True:
            try:
                self.producer.produce(topic, value, key, on_delivery=self.delivered)
                return
            except BufferError:  # the queue is full: let the broker catch up
                self.producer.poll(0.05)


_worker: Any = None


def _start(settings: Settings, sim_dir: Path, end: datetime) -> None:
    global _worker  # one producer per pool process, made once
    _worker = _Worker(settings, sim_dir, end)


def _load_city(city: str) -> int:
    assert isinstance(_worker, _Worker)
    return _worker.load_city(city)
