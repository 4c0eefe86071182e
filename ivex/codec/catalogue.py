"""Where writer schemas come from: the shipped set, then the schema catalogue topic
(docs/wire-format.md).

The catalogue is a compacted topic keyed by the fingerprint in hex, whose values are the
full writer schema JSON. A writer publishes its schema there before first use; a reader
that meets an unknown fingerprint reads the topic to its end once, and remembers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any, Protocol

from ivex.codec.schemas import SchemaSet, SchemaVersion, schema_version, shipped
from ivex.errors import SchemaError, UnknownFingerprintError
from ivex.kafka_config import client_config, producer_config
from ivex.settings import Settings
from ivex.topics import TopicNames


class WriterResolver(Protocol):
    """Finds a writer schema by its 8-byte fingerprint."""

    def resolve(self, fingerprint: bytes) -> SchemaVersion:
        """The writer schema, or raise :class:`~ivex.errors.UnknownFingerprintError`."""
        ...


class ShippedResolver:
    """Resolves fingerprints against the shipped schemas only."""

    def __init__(self, schemas: SchemaSet | None = None) -> None:
        self._schemas = schemas if schemas is not None else shipped()

    def resolve(self, fingerprint: bytes) -> SchemaVersion:
        """The shipped schema with this fingerprint, else ``UnknownFingerprintError``."""
        found = self._schemas.by_fingerprint(fingerprint)
        if found is None:
            raise UnknownFingerprintError(fingerprint)
        return found


class SchemaCatalogue:
    """Shipped schemas first, then the compacted catalogue topic of the federation.

    ``miss_ttl_s`` bounds how often one unknown fingerprint makes us re-read the topic,
    so a flood of foreign values cannot turn every decode into a topic scan.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        schemas: SchemaSet | None = None,
        timeout_s: float = 30.0,
        miss_ttl_s: float = 5.0,
    ) -> None:
        self._settings = settings
        self._topic = TopicNames(settings).schema_catalogue
        self._shipped = ShippedResolver(schemas)
        self._timeout_s = timeout_s
        self._miss_ttl_s = miss_ttl_s
        self._known: dict[bytes, SchemaVersion] = {}
        self._misses: dict[bytes, float] = {}
        self._lock = threading.Lock()
        self._producer: Any = None

    @property
    def topic(self) -> str:
        """Name of the catalogue topic."""
        return self._topic

    def resolve(self, fingerprint: bytes) -> SchemaVersion:
        """Shipped, cached, or read from the topic; else ``UnknownFingerprintError``."""
        try:
            return self._shipped.resolve(fingerprint)
        except UnknownFingerprintError:
            pass
        with self._lock:
            found = self._known.get(fingerprint)
            if found is not None:
                return found
            last_miss = self._misses.get(fingerprint)
            if last_miss is None or time.monotonic() - last_miss >= self._miss_ttl_s:
                self._known.update(self._read_topic())
                found = self._known.get(fingerprint)
                if found is not None:
                    self._misses.pop(fingerprint, None)
                    return found
                self._misses[fingerprint] = time.monotonic()
        raise UnknownFingerprintError(fingerprint)

    def publish(self, schema_json: str | Mapping[str, Any]) -> bytes:
        """Put a writer schema on the catalogue (acks=all, idempotent); return its fingerprint."""
        entry = schema_version(schema_json if isinstance(schema_json, str) else dict(schema_json))
        producer = self._get_producer()
        future = producer.send(
            self._topic, key=entry.fingerprint.hex().encode(), value=entry.json.encode("utf-8")
        )
        future.get(timeout=self._timeout_s)
        with self._lock:
            self._known[entry.fingerprint] = entry
            self._misses.pop(entry.fingerprint, None)
        return entry.fingerprint

    def close(self) -> None:
        """Close the producer, if one was opened."""
        if self._producer is not None:
            self._producer.close(timeout=self._timeout_s)
            self._producer = None

    def __enter__(self) -> SchemaCatalogue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get_producer(self) -> Any:
        if self._producer is None:
            from kafka import KafkaProducer

            self._producer = KafkaProducer(**producer_config(self._settings))
        return self._producer

    def _read_topic(self) -> dict[bytes, SchemaVersion]:
        """Every valid entry of the catalogue topic, read from the beginning to its end."""
        from kafka import KafkaConsumer, TopicPartition

        consumer = KafkaConsumer(
            enable_auto_commit=False, group_id=None, **client_config(self._settings)
        )
        try:
            partitions = consumer.partitions_for_topic(self._topic) or set()
            tps = [TopicPartition(self._topic, p) for p in sorted(partitions)]
            if not tps:
                return {}
            consumer.assign(tps)
            consumer.seek_to_beginning(*tps)
            end = consumer.end_offsets(tps)
            return self._drain(consumer, end)
        finally:
            consumer.close()

    def _drain(self, consumer: Any, end: Mapping[Any, int]) -> dict[bytes, SchemaVersion]:
        found: dict[bytes, SchemaVersion] = {}
        deadline = time.monotonic() + self._timeout_s
        while any(consumer.position(tp) < off for tp, off in end.items()):
            if time.monotonic() > deadline:
                break
            for records in consumer.poll(timeout_ms=200).values():
                for rec in records:
                    entry = _entry(rec.key, rec.value)
                    if entry is not None:
                        found[entry.fingerprint] = entry
        return found


def _entry(key: bytes | None, value: bytes | None) -> SchemaVersion | None:
    """A catalogue record as a schema, or ``None`` for a tombstone or a bad entry.

    An entry whose key is not the fingerprint of its value is ignored: it could only
    make a reader decode bytes with the wrong schema.
    """
    if key is None or value is None:
        return None
    try:
        entry = schema_version(value.decode("utf-8"))
    except (SchemaError, UnicodeDecodeError):
        return None
    return entry if entry.fingerprint.hex() == key.decode("ascii", "replace") else None
