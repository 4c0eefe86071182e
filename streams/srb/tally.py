"""MALE/FEMALE births per city, month and birth-order bucket, kept by record.

Each record (``source_city`` + ``record_id``) counts once, as its latest version says:
versions are ordered by ``(recorded_at, event_id)`` — the case engine's order — so a
CORRECT that changes ``child_sex``, ``birth_order`` or ``birth_date`` moves the count, a
VOID removes it, an older correction arriving late changes nothing, and a duplicate
delivery (same ``event_id``) is the same version again: nothing changes. The result is a
function of the *set* of versions received, whatever their order or repetition.

Besides the counts, a record remembers every birth month any of its versions named
(even ignored older ones): those months stay in the tally's *universe* at zero births
rather than vanish, so that a report once published for them is overwritten, and so
that the universe too depends only on the set of versions.

A record's entry (:class:`RecordEntry`) is all that needs storing: the counts and the
universe are derived from the entries (:meth:`Tally.from_entries`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final, NamedTuple

from streams.engine.facts import VOID, Birth

MALE: Final = "MALE"
FEMALE: Final = "FEMALE"
#: Birth-order buckets a record falls in; "ALL" is their sum, derived.
ORDER_BUCKETS: Final = ("1", "2", "3+")

#: ``(city, month, bucket)`` of one count.
Cell = tuple[str, str, str]


def order_bucket(birth_order: int) -> str:
    """The bucket of a birth order: "1", "2" or "3+"."""
    return "1" if birth_order <= 1 else "2" if birth_order == 2 else "3+"


class BirthVersion(NamedTuple):
    """What the tally needs of one version of a birth record.

    This and the two records below are named tuples, not frozen dataclasses: two of
    them are built per birth a worker tallies, and a frozen dataclass's generated
    ``__init__`` (an ``object.__setattr__`` per field) cost three times as much."""

    event_id: str
    recorded_at: int
    void: bool
    city: str
    month: str
    bucket: str
    sex: str

    @classmethod
    def of(cls, birth: Birth) -> BirthVersion:
        """The version carried by a decoded ``BirthRecorded``."""
        return cls(
            event_id=birth.event_id,
            recorded_at=birth.recorded_at,
            void=birth.action == VOID,
            city=birth.source_city,
            month=f"{birth.birth_date.year:04d}-{birth.birth_date.month:02d}",
            bucket=order_bucket(birth.birth_order),
            sex=birth.child_sex,
        )

    @property
    def rank(self) -> tuple[int, str]:
        """The order of versions: latest ``recorded_at`` wins, ties by ``event_id``."""
        return (self.recorded_at, self.event_id)

    @property
    def cell(self) -> Cell | None:
        """The cell this version counts in; None if it counts nowhere (void, undetermined)."""
        if self.void or self.sex not in (MALE, FEMALE):
            return None
        return (self.city, self.month, self.bucket)

    def to_list(self) -> list[Any]:
        """JSON-compatible form (for a table)."""
        return [
            self.event_id,
            self.recorded_at,
            self.void,
            self.city,
            self.month,
            self.bucket,
            self.sex,
        ]

    @classmethod
    def from_list(cls, data: list[Any]) -> BirthVersion:
        """Inverse of :meth:`to_list`."""
        event_id, recorded_at, void, city, month, bucket, sex = data
        return cls(str(event_id), int(recorded_at), bool(void), city, month, bucket, sex)


def record_key(version: BirthVersion, record_id: str) -> str:
    """The tally's key of a record: ``<city>|<record_id>`` (record ids are per city)."""
    return f"{version.city}|{record_id}"


class RecordEntry(NamedTuple):
    """A record's latest version and every birth month its versions named."""

    latest: BirthVersion
    months: frozenset[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (for a table)."""
        return {"v": self.latest.to_list(), "m": sorted(self.months)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecordEntry:
        """Inverse of :meth:`to_dict`."""
        return cls(BirthVersion.from_list(data["v"]), frozenset(data["m"]))


class Applied(NamedTuple):
    """What one version changed: the entry to store (None: nothing), months touched."""

    entry: RecordEntry | None
    months: frozenset[tuple[str, str]]


_NOTHING: Final = Applied(None, frozenset())


class Tally:
    """Counts per cell, derived from the latest version of every record."""

    def __init__(self) -> None:
        self._records: dict[str, RecordEntry] = {}
        self._counts: dict[Cell, list[int]] = {}
        self._months: dict[str, set[str]] = {}

    @classmethod
    def from_entries(cls, entries: Iterable[tuple[str, RecordEntry]]) -> Tally:
        """The tally whose records are ``entries`` (e.g. loaded from a table)."""
        tally = cls()
        for key, entry in entries:
            tally._records[key] = entry
            tally._count(entry.latest, +1)
            tally._months.setdefault(entry.latest.city, set()).update(entry.months)
        return tally

    def apply(self, key: str, version: BirthVersion) -> Applied:
        """Apply one version of record ``key``; what changed (nothing for a stale one)."""
        old = self._records.get(key)
        months = {version.month} | (old.months if old is not None else set())
        if old is not None and version.rank <= old.latest.rank:
            if version.month in old.months:
                return _NOTHING  # a duplicate or an older version already seen
            entry = RecordEntry(old.latest, frozenset(months))  # stale, but widens the universe
            self._records[key] = entry
            self._months.setdefault(version.city, set()).add(version.month)
            return Applied(entry, frozenset({(version.city, version.month)}))
        entry = RecordEntry(version, frozenset(months))
        self._records[key] = entry
        self._months.setdefault(version.city, set()).add(version.month)
        touched = {(version.city, version.month)}
        if old is not None:
            self._count(old.latest, -1)
            touched.add((old.latest.city, old.latest.month))
        self._count(version, +1)
        return Applied(entry, frozenset(touched))

    def counts(self, cell: Cell) -> tuple[int, int]:
        """``(male, female)`` births of ``cell`` (a bucket of :data:`ORDER_BUCKETS`)."""
        found = self._counts.get(cell)
        return (found[0], found[1]) if found is not None else (0, 0)

    def months(self, city: str) -> frozenset[str]:
        """Every birth month the records of ``city`` ever named."""
        return frozenset(self._months.get(city, ()))

    def cities(self) -> list[str]:
        """Cities with at least one record, sorted."""
        return sorted(self._months)

    def entries(self) -> Iterator[tuple[str, RecordEntry]]:
        """Every record's entry (to compare tallies, or to store them)."""
        return iter(self._records.items())

    def snapshot(self) -> dict[Cell, tuple[int, int]]:
        """Every non-empty cell's counts (for tests and comparisons)."""
        return {c: (m, f) for c, (m, f) in self._counts.items() if m or f}

    def _count(self, version: BirthVersion, delta: int) -> None:
        cell = version.cell
        if cell is None:
            return
        counts = self._counts.setdefault(cell, [0, 0])
        counts[0 if version.sex == MALE else 1] += delta
