"""The simulator's own record of what happened: facts and their versions over time.

A :class:`Fact` is one source-system record (one ``record_id``); each
:class:`Version` is one row of the city's file (RECORD, CORRECT or VOID) carrying the
fact's full fields as they stood then. Fields are typed (``date``, ``int``, ``bool``,
``None`` when absent) and ID numbers canonical (uppercase ``X``); rendering to text
happens only in :mod:`ivex.simulation.writer`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

STREAMS = ("births", "registrations", "terminations", "pregnancies")

#: Prefix of each stream's record_id in the source systems.
RECORD_PREFIX = {"births": "BR", "registrations": "RG", "terminations": "TM", "pregnancies": "PR"}

RECORD = "RECORD"
CORRECT = "CORRECT"
VOID = "VOID"


def cst(offset_hours: int = 8) -> timezone:
    """The zone in which deadline days end (China Standard Time by default)."""
    return timezone(timedelta(hours=offset_hours))


def end_of_day(day: date, offset_hours: int = 8) -> datetime:
    """The instant a deadline day ends: midnight starting the next day, in the rule zone."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=cst(offset_hours))


@dataclass(eq=False)
class Fact:
    """One record of one source system, identified by (stream, source_city, record_id)."""

    stream: str
    source_city: str
    #: Assigned once every fact exists, in order of first recording, so ids look real.
    record_id: str = ""
    versions: list[Version] = field(default_factory=list)
    #: Why the simulator made it so (fault names), for the manifest and tests.
    tags: set[str] = field(default_factory=set)
    #: Facts with the same sex group carry one ``child_sex``: the births and registrations
    #: of one child, or of both identical twins (:mod:`ivex.simulation.sexes`); "" for others.
    sex_group: str = ""

    @property
    def key(self) -> str:
        """The record key text used in request ids: ``stream/source_city/record_id``."""
        return f"{self.stream}/{self.source_city}/{self.record_id}"

    @property
    def first(self) -> Version:
        """The version that first recorded the fact."""
        return self.versions[0]

    @property
    def last(self) -> Version:
        """The latest version."""
        return self.versions[-1]

    def add(self, action: str, recorded_at: datetime, fields: Mapping[str, Any]) -> Version:
        """Append a version; versions of one fact are strictly increasing in time."""
        if self.versions and recorded_at <= self.versions[-1].recorded_at:
            raise ValueError("versions of a fact must be strictly increasing in recorded_at")
        version = Version(self, action, recorded_at, dict(fields))
        self.versions.append(version)
        return version

    def at(self, instant: datetime) -> Version | None:
        """The version in force at ``instant`` (latest recorded_at <= instant), if any."""
        found = None
        for v in self.versions:
            if v.recorded_at <= instant:
                found = v
            else:
                break
        return found

    def live_at(self, instant: datetime) -> Mapping[str, Any] | None:
        """The fact's fields at ``instant``, or ``None`` if not yet recorded or voided."""
        v = self.at(instant)
        if v is None or v.action == VOID:
            return None
        return v.fields


@dataclass(eq=False)
class Version:
    """One row: a fact's full fields as recorded, corrected or voided at ``recorded_at``."""

    fact: Fact
    action: str
    recorded_at: datetime
    fields: dict[str, Any]

    @property
    def stream(self) -> str:
        """The fact's stream."""
        return self.fact.stream

    @property
    def source_city(self) -> str:
        """The city whose system recorded it."""
        return self.fact.source_city
