"""A deterministic workload of a few thousand city events, written straight to the city
topics as Avro (no connector): pregnancies and their outcomes across five cities,
registrations (some late, missing or duplicated), late terminations, corrections, voids,
repeated events and periodic watermarks."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from kafka import KafkaProducer

from ivex.codec import Codec, ce_headers
from ivex.kafka_config import producer_config
from ivex.settings import Settings
from ivex.topics import STREAM_RECORDS, STREAMS, Stream, TopicNames

START = datetime(2025, 1, 1, tzinfo=UTC)
#: Final watermark of every city and stream: past every deadline of the workload.
END = datetime(2025, 12, 31, tzinfo=UTC)
_NS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ivex:test:workload")


@dataclass(order=True)
class Event:
    """One record of one city stream (``datum`` without its event id yet)."""

    recorded_at: datetime
    record_id: str
    city: str = field(compare=False)
    stream: Stream = field(compare=False)
    datum: dict[str, Any] = field(compare=False)
    repeat: bool = field(default=False, compare=False)


class Workload:
    """Events per (city, stream), sorted by recorded_at, with watermarks every ``every``."""

    def __init__(self, cities: tuple[str, ...], women: int, seed: int, every: int = 40) -> None:
        self.cities = cities
        self.rng = random.Random(seed)
        self.every = every
        self.events: dict[tuple[str, Stream], list[Event]] = {
            (c, s): [] for c in cities for s in STREAMS
        }
        self._n = 0
        for i in range(women):
            self._woman(i)
        for events in self.events.values():
            events.sort()

    def records(self) -> Iterator[tuple[str, Stream, str, dict[str, Any]]]:
        """(city, stream, record name, datum) in publishing order per topic, interleaved
        across topics; watermarks every ``every`` records and at the end."""
        queues = {k: list(v) for k, v in self.events.items()}
        counts = dict.fromkeys(queues, 0)
        while any(queues.values()):
            for key, queue in queues.items():
                for _ in range(min(len(queue), self.rng.randint(1, 8))):
                    event = queue.pop(0)
                    counts[key] += 1
                    yield from self._emit(event)
                    if counts[key] % self.every == 0:
                        # Later records of this topic may share this instant: stop short.
                        yield self._watermark(key, event.recorded_at - timedelta(milliseconds=1))
        for key in queues:
            yield self._watermark(key, END)

    def _emit(self, event: Event) -> Iterator[tuple[str, Stream, str, dict[str, Any]]]:
        datum = event.datum | {"event_id": self._event_id(event)}
        yield event.city, event.stream, STREAM_RECORDS[event.stream], datum
        if event.repeat:  # the same event again: must change nothing
            yield event.city, event.stream, STREAM_RECORDS[event.stream], datum

    def _watermark(
        self, key: tuple[str, Stream], through: datetime
    ) -> tuple[str, Stream, str, dict[str, Any]]:
        city, stream = key
        datum = {
            "event_id": str(uuid.uuid5(_NS, f"wm|{city}|{stream}|{through.isoformat()}")),
            "source_city": city,
            "recorded_at": through,
            "stream": stream,
            "complete_through": through,
        }
        return city, stream, "SourceWatermark", datum

    @staticmethod
    def _event_id(event: Event) -> str:
        action = event.datum["action"]
        name = f"{event.city}|{event.stream}|{event.record_id}|{action}|{event.recorded_at}"
        return str(uuid.uuid5(_NS, name))

    def _add(self, city: str, stream: Stream, when: datetime, fields: dict[str, Any]) -> Event:
        self._n += 1
        record_id = fields.pop("record_id", None) or f"{stream[0].upper()}-{city}-{self._n:06d}"
        datum = {
            "record_id": record_id,
            "action": fields.pop("action", "RECORD"),
            "source_city": city,
            "recorded_at": when,
        } | fields
        event = Event(when, record_id, city, stream, datum, self.rng.random() < 0.03)
        self.events[(city, stream)].append(event)
        return event

    def _woman(self, i: int) -> None:
        rng = self.rng
        mother = f"mother-{i:05d}"
        hukou = rng.choice(self.cities)
        residence = hukou if rng.random() < 0.6 else rng.choice(self.cities)
        edd = (START + timedelta(days=rng.randint(20, 220))).date()
        if rng.random() < 0.8:
            reported = edd - timedelta(days=rng.randint(60, 200))
            self._add(
                residence,
                "pregnancies",
                _at(max(reported, START.date())),
                {
                    "mother_ref": mother,
                    "mother_hukou_city": hukou,
                    "residence_city": residence,
                    "reported_on": max(reported, START.date()),
                    "expected_delivery_date": edd,
                    "gestational_weeks_at_report": 12,
                    "existing_children": rng.randint(0, 2),
                },
            )
        roll = rng.random()
        if roll < 0.65:
            self._birth(mother, hukou, residence, edd)
        elif roll < 0.85:
            self._termination(mother, hukou, residence, edd)

    def _birth(self, mother: str, hukou: str, residence: str, edd: date) -> None:
        rng = self.rng
        city = residence if rng.random() < 0.8 else rng.choice(self.cities)
        born = edd + timedelta(days=rng.randint(-14, 10))
        cert = f"P{city}{self._n:07d}"
        sex = rng.choice(["MALE", "FEMALE"])
        birth = self._add(
            city,
            "births",
            _at(born + timedelta(days=rng.randint(0, 3))),
            {
                "mother_ref": mother,
                "mother_hukou_city": hukou,
                "birth_date": born,
                "child_sex": sex,
                "birth_order": rng.randint(1, 3),
                "plurality": 1,
                "gestational_weeks": rng.randint(36, 41),
                "delivery_place": "HOSPITAL",
                "facility_code": f"H{city}001",
                "certificate_no": cert,
            },
        )
        if rng.random() < 0.05:  # corrected birth date
            fields = dict(birth.datum) | {"birth_date": born - timedelta(days=1)}
            fields |= {"action": "CORRECT", "record_id": birth.record_id}
            self._add(city, "births", birth.recorded_at + timedelta(days=2), _strip(fields))
        roll = rng.random()
        if roll < 0.15:
            return  # never registered
        delay = rng.randint(5, 50) if roll < 0.85 else rng.randint(61, 120)
        registered = born + timedelta(days=delay)
        child = f"child-{mother}"
        with_cert = rng.random() < 0.7
        reg = self._registration(
            hukou, child, mother, born, sex, cert if with_cert else None, city, registered
        )
        if rng.random() < 0.05:  # registered again elsewhere
            other = rng.choice([c for c in self.cities if c != hukou] or [hukou])
            self._registration(
                other, child, mother, born, sex, None, city, registered + timedelta(days=9)
            )
        if rng.random() < 0.04:  # voided later
            fields = dict(reg.datum) | {"action": "VOID", "record_id": reg.record_id}
            self._add(hukou, "registrations", reg.recorded_at + timedelta(days=5), _strip(fields))

    def _registration(
        self,
        city: str,
        child: str,
        mother: str,
        born: date,
        sex: str,
        cert: str | None,
        birth_city: str | None,
        registered: date,
    ) -> Event:
        return self._add(
            city,
            "registrations",
            _at(registered),
            {
                "child_ref": child,
                "mother_ref": mother,
                "birth_date": born,
                "child_sex": sex,
                "certificate_no": cert,
                "birth_place_city": birth_city if self.rng.random() < 0.9 else None,
                "registered_on": registered,
            },
        )

    def _termination(self, mother: str, hukou: str, residence: str, edd: date) -> None:
        rng = self.rng
        weeks = rng.randint(6, 22)
        day = edd - timedelta(weeks=40 - weeks)
        city = residence if rng.random() < 0.7 else rng.choice(self.cities)
        approved = weeks >= 14 and rng.random() < 0.5
        self._add(
            city,
            "terminations",
            _at(max(day, START.date())),
            {
                "mother_ref": mother,
                "mother_hukou_city": hukou,
                "procedure_date": max(day, START.date()),
                "gestational_weeks": weeks,
                "method": "SURGICAL" if weeks >= 12 else "MEDICATION",
                "medical_indication": rng.random() < 0.1,
                "approval_ref": f"A-{self._n}" if approved else None,
                "facility_code": f"H{city}002",
            },
        )


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)


def _strip(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k not in ("source_city", "recorded_at", "event_id")}


def publish(settings: Settings, records: list[tuple[str, Stream, str, dict[str, Any]]]) -> None:
    """Write ``records`` to their city topics, in order, acknowledged."""
    names = TopicNames(settings)
    codec = Codec()
    producer = KafkaProducer(**producer_config(settings))
    try:
        for city, stream, record, datum in records:
            producer.send(
                names.city(city, stream),
                key=str(datum.get("record_id", "")).encode(),
                value=codec.encode(record, datum),
                headers=ce_headers(record, city, datum["event_id"], datum["recorded_at"]),
            )
        producer.flush(60)
    finally:
        producer.close()
