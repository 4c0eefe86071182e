"""Load a simulated federation onto the city topics fast enough for logs of 10M events.

Same log as :func:`bench.pipeline_bench.load` — the same simulated rows, prepared and
encoded by :func:`bench.pipeline_bench.encode_city`, in the same order on every topic,
each stream's final watermark last — but built for size:

- the simulation runs without its truth (the load does not need it) and with the cyclic
  GC paused: it only accumulates facts, and every full collection rescanned all of them;
- the simulation is dropped once its files are written, before anything is encoded;
- the cities are encoded and produced in a pool of processes (a city's topics by one
  process, so their order is kept), each with a librdkafka producer (idempotent,
  ``acks=all``), streaming: no process holds more than its producer's queue.
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
from ivex.simulation.params import build_params
from ivex.simulation.run import simulate
from ivex.simulation.writer import write_streams
from streams.audit.run import cyclic_gc_paused

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
#: Poll the producer's delivery reports every this many records.
POLL_EVERY = 10_000


def simulate_files(settings: Settings, scale: float, sim_dir: Path, seed: int = 7) -> datetime:
    """Simulate at ``scale`` and write the connectors' CSV files; return the log's end.

    The simulation is freed before returning: only its files are needed from here on.
    """
    with cyclic_gc_paused():
        result = simulate(build_params(settings, seed=seed, scale=scale), truth=False)
        write_streams(result.facts, result.params, sim_dir, "csv")
        end = result.end_instant
        del result
    gc.collect()  # whatever cycles the simulation left, now that it is gone
    return end


def load_parallel(settings: Settings, sim_dir: Path, end: datetime, processes: int = 2) -> int:
    """Encode and produce every city's files over ``processes`` processes; records sent."""
    ctx = mp.get_context("spawn")
    # Largest first, so that no process is left alone with a big city at the end.
    cities = sorted(settings.city_codes, key=lambda c: -_size(sim_dir / c))
    with ctx.Pool(processes, initializer=_start, initargs=(settings, sim_dir, end)) as pool:
        return sum(pool.imap_unordered(_load_city, cities))


def load(settings: Settings, scale: float, sim_dir: Path, processes: int = 2) -> int:
    """Simulate at ``scale`` into ``sim_dir`` and load it; print the phases' times."""
    t0 = time.perf_counter()
    end = simulate_files(settings, scale, sim_dir)
    t1 = time.perf_counter()
    sent = load_parallel(settings, sim_dir, end, processes)
    t2 = time.perf_counter()
    print(f"simulated and written in {t1 - t0:.0f} s, encoded and produced in {t2 - t1:.0f} s")
    return sent


def _size(city_dir: Path) -> int:
    return sum(p.stat().st_size for p in city_dir.glob("*"))


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
