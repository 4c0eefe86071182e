"""Per-woman state: every version of every record, plus what was emitted for her.

Versions of a record are kept sorted by ``(recorded_at, event_id)``; the version "as of"
an instant ``T`` is the last one with ``recorded_at ≤ T`` (ties broken by event_id, so
the order of arrival never matters); a VOID version means the record is absent.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

import orjson

from streams.engine.facts import (
    VOID,
    Birth,
    Fact,
    Pregnancy,
    RecordKey,
    Registration,
    Termination,
    fact_from_dict,
    fact_from_row,
    fact_to_row,
)
from streams.engine.outputs import RequestOut

F = TypeVar("F", bound=Fact)

#: The version of :meth:`WomanState.to_dict`'s form (the first had no ``v``).
STATE_FORMAT: Final = 2


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
    #: The JSON rows of the facts already encoded, and the facts added since:
    #: :meth:`to_json` encodes each fact once, not at every write. None until the first
    #: :meth:`to_json` (which encodes every fact): a state never written as JSON — the
    #: audit's, the Faust runtime's — keeps no list of its facts twice.
    _rows: list[bytes] | None = field(compare=False, repr=False)
    _unencoded: list[Fact] = field(compare=False, repr=False)

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
        self._rows = None
        self._unencoded = []

    def add(self, fact: Fact) -> bool:
        """Insert a version; True when it is older than the record's latest (stale)."""
        self.seen.add(fact.event_id)
        if self._rows is not None:
            self._unencoded.append(fact)
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
        """JSON-compatible form for a key-value table keyed by ``mother_ref`` (seen event
        ids are derived; facts as :func:`fact_to_row` rows)."""
        return {
            "v": STATE_FORMAT,
            "facts": [fact_to_row(f) for f in self.facts()],
            "emitted": [r.to_avro() for r in self.emitted.values()],
            "notified": sorted(self.notified),
        }

    def to_json(self) -> bytes:
        """:meth:`to_dict` as compact JSON; the facts may come in another order (they are
        read back into the same state). Each fact's row is encoded once and kept."""
        rows = self._rows
        if rows is None:
            rows = self._rows = [_row_json(f) for f in self.facts()]
        else:
            rows.extend([_row_json(f) for f in self._unencoded])
        self._unencoded.clear()
        body = {
            "v": STATE_FORMAT,
            "facts": orjson.Fragment(b"[" + b",".join(rows) + b"]"),
            "emitted": [r.to_avro() for r in self.emitted.values()],
            "notified": sorted(self.notified),
        }
        return orjson.dumps(body)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], mother_ref: str | None = None) -> WomanState:
        """Inverse of :meth:`to_dict`, given the table key ``mother_ref``. Also reads the
        first format (facts as dicts, ``mother_ref`` inside), which needs no key."""
        if data.get("v") != STATE_FORMAT:
            return cls._from_first_format(data)
        if mother_ref is None:
            raise ValueError("a woman's state needs its mother_ref (the table key)")
        state = cls(mother_ref=mother_ref)
        for row in data["facts"]:
            state.add(fact_from_row(row, mother_ref))
        state._restore_outputs(data)
        return state

    @classmethod
    def _from_first_format(cls, data: Mapping[str, Any]) -> WomanState:
        state = cls(mother_ref=data["mother_ref"])
        for f in data["facts"]:
            state.add(fact_from_dict(f))
        state._restore_outputs(data)
        return state

    def _restore_outputs(self, data: Mapping[str, Any]) -> None:
        for r in data["emitted"]:
            req = RequestOut.from_avro(r)
            self.emitted[req.request_id] = req
        self.notified = set(data["notified"])


def _row_json(fact: Fact) -> bytes:
    # A compact copy: orjson hands back its working buffer (kilobytes) with each result.
    return memoryview(orjson.dumps(fact_to_row(fact))).tobytes()


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
