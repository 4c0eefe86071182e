"""Per-woman state: every version of every record, plus what was emitted for her.

Versions of a record are kept sorted by ``(recorded_at, event_id)``; the version "as of"
an instant ``T`` is the last one with ``recorded_at ≤ T`` (ties broken by event_id, so
the order of arrival never matters); a VOID version means the record is absent.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from streams.engine.facts import (
    VOID,
    Birth,
    Fact,
    Pregnancy,
    RecordKey,
    Registration,
    Termination,
    fact_from_dict,
    fact_to_dict,
)
from streams.engine.outputs import RequestOut

F = TypeVar("F", bound=Fact)


def _order(fact: Fact) -> tuple[int, str]:
    return (fact.recorded_at, fact.event_id)


def as_of(versions: Sequence[F], instant: int) -> F | None:
    """The version current at ``instant`` (VOID included), or None if none was recorded."""
    if versions and versions[-1].recorded_at <= instant:
        return versions[-1]  # the common case: most records have one version
    for v in reversed(versions):
        if v.recorded_at <= instant:
            return v
    return None


def live_as_of(versions: Sequence[F], instant: int) -> F | None:
    """The live version at ``instant``: None if absent or voided."""
    v = (
        versions[-1]
        if versions and versions[-1].recorded_at <= instant
        else as_of(versions, instant)
    )
    return None if v is None or v.action == VOID else v


def live_now(versions: Sequence[F]) -> F | None:
    """The current version, or None if the record is voided."""
    v = versions[-1]
    return None if v.action == VOID else v


def last_live(versions: Sequence[F]) -> F | None:
    """The latest non-VOID version, even if a void followed it."""
    for v in reversed(versions):
        if v.action != VOID:
            return v
    return None


@dataclass(slots=True, init=False)
class WomanState:
    """Everything the engine keeps about one woman (keyed by ``mother_ref``)."""

    mother_ref: str
    births: dict[RecordKey, list[Birth]]
    registrations: dict[RecordKey, list[Registration]]
    terminations: dict[RecordKey, list[Termination]]
    pregnancies: dict[RecordKey, list[Pregnancy]]
    seen: set[str]
    #: Latest content published per request_id: what the next judgement is diffed against.
    emitted: dict[str, RequestOut]
    notified: set[str]

    # Written out: mypyc compiles an explicit __init__, not the generated one.
    def __init__(self, mother_ref: str) -> None:
        self.mother_ref = mother_ref
        self.births = {}
        self.registrations = {}
        self.terminations = {}
        self.pregnancies = {}
        self.seen = set()
        self.emitted = {}
        self.notified = set()

    def add(self, fact: Fact) -> bool:
        """Insert a version; True when it is older than the record's latest (stale)."""
        self.seen.add(fact.event_id)
        if isinstance(fact, Birth):
            return _insert(self.births, fact)
        if isinstance(fact, Registration):
            return _insert(self.registrations, fact)
        if isinstance(fact, Termination):
            return _insert(self.terminations, fact)
        return _insert(self.pregnancies, fact)

    def facts(self) -> Iterator[Fact]:
        """Every stored version, stream by stream."""
        for table in (self.births, self.registrations, self.terminations, self.pregnancies):
            for versions in table.values():
                yield from versions

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form for a key-value table (seen event ids are derived)."""
        return {
            "mother_ref": self.mother_ref,
            "facts": [fact_to_dict(f) for f in self.facts()],
            "emitted": [r.to_avro() for r in self.emitted.values()],
            "notified": sorted(self.notified),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WomanState:
        """Inverse of :meth:`to_dict`."""
        state = cls(mother_ref=data["mother_ref"])
        for f in data["facts"]:
            state.add(fact_from_dict(f))
        for r in data["emitted"]:
            req = RequestOut.from_avro(r)
            state.emitted[req.request_id] = req
        state.notified = set(data["notified"])
        return state


def _insert(table: dict[RecordKey, list[F]], fact: F) -> bool:
    versions = table.get(fact.key)
    if versions is None:
        table[fact.key] = [fact]
        return False
    if _order(fact) > _order(versions[-1]):
        versions.append(fact)
        return False
    bisect.insort(versions, fact, key=_order)
    return True
