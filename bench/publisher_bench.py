"""The publisher against a bare producer sending the same bytes, measured in one run.

Writes a births CSV of ``--rows`` rows (the simulator's births of one city, cloned with
fresh record ids and certificate numbers so every row is new), then times:

1. ``Publisher.publish`` of the file, read from disk: CSV parsing, validation,
   pseudonymisation, duplicate detection against the city topic, Avro encoding and
   ``acks=all`` from an idempotent producer, with the rows' flush and a watermark;
2. a bare kafka-python producer (the same ``producer_config``: ``acks=all``,
   idempotent) sending the very records the publisher wrote (key, value, headers, read
   back from the topic beforehand) to a fresh topic, then one flush.

Run: ``.venv/bin/python -m bench.publisher_bench [--rows 100000] [--bootstrap HOST:PORT]``
(without ``--bootstrap`` it starts a private PLAINTEXT broker).
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

from kafka import KafkaProducer

from bench.pipeline_bench import private_broker
from connectors.formats import format_of, read_file
from connectors.publisher import Publisher
from ivex.demo.environment import DEMO_KEY
from ivex.kafka_config import producer_config
from ivex.provision import apply_topics
from ivex.settings import Settings, load_settings
from ivex.simulation.params import build_params
from ivex.simulation.run import simulate, write
from ivex.topic_reader import LogRecord, read_topics
from ivex.topics import TopicNames


def births_csv(settings: Settings, rows: int, out: Path) -> tuple[str, Path, datetime]:
    """A births CSV of ``rows`` distinct rows of one city; (city, path, latest
    ``recorded_at``)."""
    with tempfile.TemporaryDirectory() as tmp:
        write(simulate(build_params(settings, seed=7, scale=0.5)), Path(tmp))
        sources = sorted(Path(tmp).glob("*/births.csv"), key=lambda p: -p.stat().st_size)
        city = sources[0].parent.name
        with sources[0].open(newline="") as handle:
            base = list(csv.DictReader(handle))
    path = out / "births.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(base[0]))
        writer.writeheader()
        for n in range(rows):
            row = dict(base[n % len(base)])
            row["record_id"] = f"BR-{city}-{n:07d}"
            row["certificate_no"] = f"B{n:09d}"
            writer.writerow(row)
    return city, path, max(datetime.fromisoformat(row["recorded_at"]) for row in base)


def time_publisher(
    settings: Settings, city: str, path: Path, through: datetime
) -> tuple[int, float]:
    """Rows published and seconds for ``Publisher.publish`` of ``path`` (file read included),
    with a watermark through ``through``."""
    start = time.perf_counter()
    with Publisher(settings, city) as publisher:
        report = publisher.publish(
            "births",
            read_file(path, format_of(path)),
            source=path.name,
            complete_through=through,
        )
    return report.published, time.perf_counter() - start


def time_bare(settings: Settings, records: list[LogRecord], topic: str) -> float:
    """Seconds for a bare producer to send ``records`` to ``topic`` and flush."""
    producer = KafkaProducer(**producer_config(settings))
    try:
        start = time.perf_counter()
        for r in records:
            producer.send(topic, key=r.key, value=r.value, headers=list(r.headers))
        producer.flush()
        return time.perf_counter() - start
    finally:
        producer.close()


def main() -> None:
    """Run the benchmark and print the figures and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bootstrap", help="use this broker instead of starting one")
    args = parser.parse_args()
    base = load_settings()
    os.environ.setdefault(base.pseudonymisation.key_env, DEMO_KEY)
    with private_broker(args.bootstrap, base) as settings, tempfile.TemporaryDirectory() as tmp:
        apply_topics(settings)
        city, path, through = births_csv(settings, args.rows, Path(tmp))
        size = path.stat().st_size
        published, t_pub = time_publisher(settings, city, path, through)
        topic = TopicNames(settings).city(city, "births")
        records = [r for r in read_topics(settings, [topic]) if r.key is not None]
        fresh = settings.derive(federation={"topic_prefix": f"b{uuid.uuid4().hex[:6]}."})
        apply_topics(fresh)
        t_bare = time_bare(fresh, records, TopicNames(fresh).city(city, "births"))
    print(f"CSV: {args.rows:,} rows of city {city} ({size / 1e6:.1f} MB)")
    print(
        f"Publisher.publish:         {published / t_pub:7,.0f} rows/s ({t_pub:.2f} s, "
        f"{published:,} published)"
    )
    print(f"bare producer, same bytes: {len(records) / t_bare:7,.0f} records/s ({t_bare:.2f} s)")
    print(f"publisher / bare:        {(published / t_pub) / (len(records) / t_bare):.2f}")


if __name__ == "__main__":
    main()
