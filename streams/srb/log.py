"""The tally of the federation's ``births`` topics as they stand on the log (offline).

Decoded exactly as the stream workers decode them (:meth:`streams.driver.ingest.Ingest.convert`),
so the offline reports and the live ``monitor.srb`` come from the same facts. Records
the workers would reject (undecodable, wrong record, foreign city) are skipped here:
the workers' errors topic already holds them. Watermarks do not count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from ivex.settings import Settings
from ivex.topic_reader import LogRecord, ReadPlan, read_topics
from ivex.topics import TopicNames
from streams.driver.errors import ProcessingError
from streams.driver.ingest import Ingest
from streams.driver.records import SourceMessage
from streams.engine.facts import Birth
from streams.srb.tally import BirthVersion, Tally, record_key


def births_topics(settings: Settings) -> list[str]:
    """Every ``city.<code>.births`` topic of the federation."""
    names = TopicNames(settings)
    return [names.city(code, "births") for code in settings.city_codes]


def births_of(ingest: Ingest, records: Iterable[LogRecord]) -> Iterator[Birth]:
    """The births among ``records`` (watermarks and bad input left out)."""
    for record in records:
        message = SourceMessage(
            record.topic, record.partition, record.offset, record.key, record.value, record.headers
        )
        try:
            item = ingest.convert(message)
        except ProcessingError:
            continue
        if isinstance(item, Birth):
            yield item


def tally_births(births: Iterable[Birth], tally: Tally | None = None) -> Tally:
    """``births`` applied to ``tally`` (a new one by default)."""
    tally = tally if tally is not None else Tally()
    for birth in births:
        version = BirthVersion.of(birth)
        tally.apply(record_key(version, birth.record_id), version)
    return tally


def tally_from_log(
    settings: Settings,
    *,
    on_plan: Callable[[ReadPlan], None] | None = None,
    on_record: Callable[[], None] | None = None,
) -> Tally:
    """The tally of every birth on the federation's births topics now.

    ``on_plan`` is told how many records will be read, ``on_record`` called per record
    (a progress bar).
    """
    ingest = Ingest(settings, internal_topic="", partitions=1)
    records = read_topics(settings, births_topics(settings), on_plan=on_plan)
    if on_record is not None:
        records = _tapped(records, on_record)
    return tally_births(births_of(ingest, records))


def _tapped(records: Iterator[LogRecord], tap: Callable[[], None]) -> Iterator[LogRecord]:
    for record in records:
        tap()
        yield record
