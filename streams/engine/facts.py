"""The engine's inputs: plain, frozen mirrors of the four city records and the watermark.

Records are decoded once (:func:`fact_from_avro`) and stay plain Python objects after
that: times are int epoch milliseconds (UTC), dates are :class:`datetime.date`. Facts are
never changed once built. They are not declared ``frozen`` and their ``__init__`` is
written out because mypyc compiles only an explicit ``__init__``: the generated one of a
frozen dataclass sets each field through ``object.__setattr__`` (1.9 µs a birth, and a
live worker builds each fact twice). Every
fact carries its log position so that a request can name its evidence (docs/operations.md lineage).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Final, TypeAlias

RECORD: Final = "RECORD"
CORRECT: Final = "CORRECT"
VOID: Final = "VOID"

BIRTHS: Final = "births"
REGISTRATIONS: Final = "registrations"
TERMINATIONS: Final = "terminations"
PREGNANCIES: Final = "pregnancies"
STREAMS: Final = (BIRTHS, REGISTRATIONS, TERMINATIONS, PREGNANCIES)

#: ``(stream, source_city, record_id)``: identifies a record across its versions.
#: Typed as a variable-length tuple on purpose: mypyc keeps a fixed-length tuple type
#: unboxed in locals and allocates a new tuple object each time one enters a dict, a set
#: or a list, which made record keys a large share of the compiled engine's allocations.
RecordKey: TypeAlias = tuple[str, ...]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_DATE = dt.date(1970, 1, 1)
_EPOCH_ORDINAL: Final = _EPOCH_DATE.toordinal()
_MAX_ORDINAL: Final = dt.date.max.toordinal()
_DATE_FIELDS: Final = frozenset(
    {"birth_date", "procedure_date", "reported_on", "expected_delivery_date", "registered_on"}
)
_TIME_FIELDS: Final = frozenset({"recorded_at", "complete_through"})
_OPTIONAL_FIELDS: Final = frozenset(
    {"gestational_weeks", "certificate_no", "birth_place_city", "approval_ref"}
)


@dataclass(slots=True, init=False, unsafe_hash=True)
class Position:
    """Where an event sits on the log (written out like the facts below; hashed as it
    was when frozen, never changed either)."""

    topic: str
    partition: int
    offset: int

    def __init__(self, topic: str, partition: int, offset: int) -> None:
        self.topic = topic
        self.partition = partition
        self.offset = offset


NO_POSITION: Final = Position("", 0, -1)


@dataclass(slots=True, init=False, eq=True)
class Birth:
    """``BirthRecorded`` (births stream)."""

    event_id: str
    record_id: str
    action: str
    source_city: str
    recorded_at: int
    mother_ref: str
    mother_hukou_city: str
    birth_date: dt.date
    child_sex: str
    birth_order: int
    plurality: int
    gestational_weeks: int | None
    delivery_place: str
    facility_code: str
    certificate_no: str
    position: Position
    #: ``birth_date`` as an ordinal. The rules compare days as ints; a ``date`` method
    #: call per comparison was a measurable share of the compiled engine's work.
    birth_day: int = field(init=False, repr=False, compare=False)

    def __init__(
        self,
        event_id: str,
        record_id: str,
        action: str,
        source_city: str,
        recorded_at: int,
        mother_ref: str,
        mother_hukou_city: str,
        birth_date: dt.date,
        child_sex: str,
        birth_order: int,
        plurality: int,
        gestational_weeks: int | None,
        delivery_place: str,
        facility_code: str,
        certificate_no: str,
        position: Position,
    ) -> None:
        self.event_id = event_id
        self.record_id = record_id
        self.action = action
        self.source_city = source_city
        self.recorded_at = recorded_at
        self.mother_ref = mother_ref
        self.mother_hukou_city = mother_hukou_city
        self.birth_date = birth_date
        self.child_sex = child_sex
        self.birth_order = birth_order
        self.plurality = plurality
        self.gestational_weeks = gestational_weeks
        self.delivery_place = delivery_place
        self.facility_code = facility_code
        self.certificate_no = certificate_no
        self.position = position
        self.birth_day = birth_date.toordinal()

    @property
    def key(self) -> RecordKey:
        """The record key of this fact."""
        return (BIRTHS, self.source_city, self.record_id)

    # A property rather than a ``ClassVar``: mypyc-compiled dataclasses lose the ClassVar
    # marker and would turn it into a (defaulted, first) field. Same in the classes below.
    @property
    def stream(self) -> str:
        """The city stream this fact is read from."""
        return BIRTHS


@dataclass(slots=True, init=False, eq=True)
class Registration:
    """``RegistrationRecorded`` (registrations stream)."""

    event_id: str
    record_id: str
    action: str
    source_city: str
    recorded_at: int
    child_ref: str
    mother_ref: str
    birth_date: dt.date
    child_sex: str
    certificate_no: str | None
    birth_place_city: str | None
    registered_on: dt.date
    position: Position
    #: ``birth_date`` and ``registered_on`` as ordinals (see ``Birth.birth_day``).
    birth_day: int = field(init=False, repr=False, compare=False)
    registered_day: int = field(init=False, repr=False, compare=False)

    def __init__(
        self,
        event_id: str,
        record_id: str,
        action: str,
        source_city: str,
        recorded_at: int,
        child_ref: str,
        mother_ref: str,
        birth_date: dt.date,
        child_sex: str,
        certificate_no: str | None,
        birth_place_city: str | None,
        registered_on: dt.date,
        position: Position,
    ) -> None:
        self.event_id = event_id
        self.record_id = record_id
        self.action = action
        self.source_city = source_city
        self.recorded_at = recorded_at
        self.child_ref = child_ref
        self.mother_ref = mother_ref
        self.birth_date = birth_date
        self.child_sex = child_sex
        self.certificate_no = certificate_no
        self.birth_place_city = birth_place_city
        self.registered_on = registered_on
        self.position = position
        self.birth_day = birth_date.toordinal()
        self.registered_day = registered_on.toordinal()

    @property
    def key(self) -> RecordKey:
        """The record key of this fact."""
        return (REGISTRATIONS, self.source_city, self.record_id)

    @property
    def stream(self) -> str:
        """The city stream this fact is read from."""
        return REGISTRATIONS


@dataclass(slots=True, init=False, eq=True)
class Termination:
    """``TerminationRecorded`` (terminations stream); the facility city is ``source_city``."""

    event_id: str
    record_id: str
    action: str
    source_city: str
    recorded_at: int
    mother_ref: str
    mother_hukou_city: str
    procedure_date: dt.date
    gestational_weeks: int
    method: str
    medical_indication: bool
    approval_ref: str | None
    facility_code: str
    position: Position
    #: ``procedure_date`` as an ordinal (see ``Birth.birth_day``).
    procedure_day: int = field(init=False, repr=False, compare=False)

    def __init__(
        self,
        event_id: str,
        record_id: str,
        action: str,
        source_city: str,
        recorded_at: int,
        mother_ref: str,
        mother_hukou_city: str,
        procedure_date: dt.date,
        gestational_weeks: int,
        method: str,
        medical_indication: bool,
        approval_ref: str | None,
        facility_code: str,
        position: Position,
    ) -> None:
        self.event_id = event_id
        self.record_id = record_id
        self.action = action
        self.source_city = source_city
        self.recorded_at = recorded_at
        self.mother_ref = mother_ref
        self.mother_hukou_city = mother_hukou_city
        self.procedure_date = procedure_date
        self.gestational_weeks = gestational_weeks
        self.method = method
        self.medical_indication = medical_indication
        self.approval_ref = approval_ref
        self.facility_code = facility_code
        self.position = position
        self.procedure_day = procedure_date.toordinal()

    @property
    def key(self) -> RecordKey:
        """The record key of this fact."""
        return (TERMINATIONS, self.source_city, self.record_id)

    @property
    def stream(self) -> str:
        """The city stream this fact is read from."""
        return TERMINATIONS


@dataclass(slots=True, init=False, eq=True)
class Pregnancy:
    """``PregnancyReported`` (pregnancies stream)."""

    event_id: str
    record_id: str
    action: str
    source_city: str
    recorded_at: int
    mother_ref: str
    mother_hukou_city: str
    residence_city: str
    reported_on: dt.date
    expected_delivery_date: dt.date
    gestational_weeks_at_report: int
    existing_children: int
    position: Position
    #: ``expected_delivery_date`` as an ordinal (see ``Birth.birth_day``).
    edd_day: int = field(init=False, repr=False, compare=False)

    def __init__(
        self,
        event_id: str,
        record_id: str,
        action: str,
        source_city: str,
        recorded_at: int,
        mother_ref: str,
        mother_hukou_city: str,
        residence_city: str,
        reported_on: dt.date,
        expected_delivery_date: dt.date,
        gestational_weeks_at_report: int,
        existing_children: int,
        position: Position,
    ) -> None:
        self.event_id = event_id
        self.record_id = record_id
        self.action = action
        self.source_city = source_city
        self.recorded_at = recorded_at
        self.mother_ref = mother_ref
        self.mother_hukou_city = mother_hukou_city
        self.residence_city = residence_city
        self.reported_on = reported_on
        self.expected_delivery_date = expected_delivery_date
        self.gestational_weeks_at_report = gestational_weeks_at_report
        self.existing_children = existing_children
        self.position = position
        self.edd_day = expected_delivery_date.toordinal()

    @property
    def key(self) -> RecordKey:
        """The record key of this fact."""
        return (PREGNANCIES, self.source_city, self.record_id)

    @property
    def stream(self) -> str:
        """The city stream this fact is read from."""
        return PREGNANCIES


@dataclass(frozen=True, slots=True)
class Watermark:
    """``SourceWatermark``: every record of its stream up to ``complete_through`` is out."""

    event_id: str
    source_city: str
    stream: str
    complete_through: int
    recorded_at: int
    position: Position = NO_POSITION


Fact: TypeAlias = Birth | Registration | Termination | Pregnancy
Outcome: TypeAlias = Birth | Termination

FACT_CLASSES: Final[dict[str, type[Fact]]] = {
    BIRTHS: Birth,
    REGISTRATIONS: Registration,
    TERMINATIONS: Termination,
    PREGNANCIES: Pregnancy,
}


def record_key_text(key: RecordKey) -> str:
    """``stream/source_city/record_id``: the text form used in deterministic ids."""
    return f"{key[0]}/{key[1]}/{key[2]}"


def epoch_ms(value: Any) -> int:
    """Epoch milliseconds of an aware datetime (fastavro timestamp-millis) or of an int."""
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return (aware - _EPOCH) // dt.timedelta(milliseconds=1)
    return int(value)


def _as_date(value: Any) -> dt.date:
    if isinstance(value, int):
        # fastavro without logical types yields days since the epoch (the bulk path: first).
        day = value + _EPOCH_ORDINAL
        if 0 < day <= _MAX_ORDINAL:
            return dt.date.fromordinal(day)  # a quarter of the cost of date + timedelta
        return _EPOCH_DATE + dt.timedelta(days=value)  # out of range: fails as it always did
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def fact_from_avro(stream: str, datum: Mapping[str, Any], position: Position) -> Fact | Watermark:
    """Turn a fastavro-decoded record of ``stream`` into a fact (or a watermark).

    A ``SourceWatermark`` is recognised by its ``complete_through`` field, so a driver can
    pass whatever it read from ``city.<code>.<stream>``.
    """
    if "complete_through" in datum:
        return Watermark(
            event_id=str(datum["event_id"]),
            source_city=str(datum["source_city"]),
            stream=str(datum["stream"]),
            complete_through=epoch_ms(datum["complete_through"]),
            recorded_at=epoch_ms(datum["recorded_at"]),
            position=position,
        )
    try:
        cls = FACT_CLASSES[stream]
    except KeyError:
        raise ValueError(f"unknown city stream {stream!r}") from None
    # Positional, in field order (``position`` is every fact's last field): keyword
    # arguments cost about a microsecond more a record.
    values: list[Any] = []
    append = values.append
    for name, kind, optional in _datum_fields(stream, cls):
        raw = datum.get(name) if optional else datum[name]
        if raw is None:
            append(None)
        elif kind == _TIME:
            append(epoch_ms(raw))
        elif kind == _DATE:
            append(_as_date(raw))
        elif kind == _TEXT or isinstance(raw, uuid.UUID):
            append(str(raw))
        else:
            append(raw)
    append(position)
    return cls(*values)


#: How :func:`fact_from_avro` converts a field (decided once per field name: :func:`_kind`).
_TIME: Final = 1
_DATE: Final = 2
_TEXT: Final = 3
_AS_IS: Final = 0

#: Per stream, the fields a fact takes from its datum with their conversion and whether
#: they are optional (``dataclasses.fields`` is slow enough to cost ~10 % of a bulk
#: re-derivation when called per record, and testing each name per record ~5 %).
_DATUM_FIELDS: dict[str, tuple[tuple[str, int, bool], ...]] = {}


def _datum_fields(stream: str, cls: type) -> tuple[tuple[str, int, bool], ...]:
    spec = _DATUM_FIELDS.get(stream)
    if spec is None:
        names = _init_fields(cls)
        if names[-1] != "position":  # fact_from_avro passes it last
            raise TypeError(f"{cls.__name__}: position must be the last field")
        spec = tuple((n, _kind(n), n in _OPTIONAL_FIELDS) for n in names[:-1])
        _DATUM_FIELDS[stream] = spec
    return spec


def _kind(name: str) -> int:
    if name in _TIME_FIELDS:
        return _TIME
    if name in _DATE_FIELDS:
        return _DATE
    return _TEXT if name == "event_id" else _AS_IS


def fact_to_dict(fact: Fact) -> dict[str, Any]:
    """A JSON-compatible dict of a fact (dates as ISO text), tagged with its stream."""
    out: dict[str, Any] = {"stream": fact.stream}
    for name in _init_fields(type(fact)):
        value = getattr(fact, name)
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, Position):
            value = [value.topic, value.partition, value.offset]
        out[name] = value
    return out


def fact_from_dict(data: Mapping[str, Any]) -> Fact:
    """Inverse of :func:`fact_to_dict`."""
    cls = FACT_CLASSES[data["stream"]]
    values: dict[str, Any] = {}
    for name in _init_fields(cls):
        value = data[name]
        if name == "position":
            value = Position(str(value[0]), int(value[1]), int(value[2]))
        elif name in _DATE_FIELDS:
            value = dt.date.fromisoformat(value)
        values[name] = value
    return cls(**values)


def fact_to_row(fact: Fact) -> list[Any]:
    """The compact form of a fact in a woman's state: its stream, then its values in field
    order without ``mother_ref`` (the state's key). Field names repeated in every fact
    were a third of a woman's state, ``mother_ref`` another eighth."""
    row: list[Any] = [fact.stream]
    for name in _row_fields(type(fact)):
        value = getattr(fact, name)
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, Position):
            value = [value.topic, value.partition, value.offset]
        row.append(value)
    return row


def fact_from_row(row: Sequence[Any], mother_ref: str) -> Fact:
    """Inverse of :func:`fact_to_row`, given the woman's ``mother_ref``."""
    cls = FACT_CLASSES[row[0]]
    plan = _row_plan(cls)
    if len(row) != plan.width:
        raise ValueError(f"a {row[0]} row has {plan.width} items, not {len(row)}")
    # Positional: building keyword arguments was half the cost of reading a row.
    values = list(row)
    for i in plan.dates:
        values[i] = dt.date.fromisoformat(values[i])
    topic, partition, offset = values[plan.position]
    values[plan.position] = Position(str(topic), int(partition), int(offset))
    values[0] = mother_ref
    return cls(*[values[i] for i in plan.order])


class _RowPlan:
    """Where a fact class's ``__init__`` arguments sit in its row (``mother_ref``: item 0,
    which holds the stream in the row)."""

    __slots__ = ("dates", "order", "position", "width")

    def __init__(self, cls: type) -> None:
        names = _row_fields(cls)
        self.width = len(names) + 1
        self.dates = tuple(i + 1 for i, n in enumerate(names) if n in _DATE_FIELDS)
        self.position = names.index("position") + 1
        self.order = tuple(
            0 if n == "mother_ref" else names.index(n) + 1 for n in _init_fields(cls)
        )


_ROW_PLANS: dict[type, _RowPlan] = {}


def _row_plan(cls: type) -> _RowPlan:
    plan = _ROW_PLANS.get(cls)
    if plan is None:
        plan = _ROW_PLANS[cls] = _RowPlan(cls)
    return plan


_ROW_FIELDS: dict[type, tuple[str, ...]] = {}


def _row_fields(cls: type) -> tuple[str, ...]:
    names = _ROW_FIELDS.get(cls)
    if names is None:
        names = tuple(n for n in _init_fields(cls) if n != "mother_ref")
        _ROW_FIELDS[cls] = names
    return names


#: Per fact class, the names of its ``__init__`` fields (derived fields are left out):
#: ``dataclasses.fields`` per call cost ~3 % of a live worker's CPU.
_INIT_FIELDS: dict[type, tuple[str, ...]] = {}


def _init_fields(cls: type) -> tuple[str, ...]:
    names = _INIT_FIELDS.get(cls)
    if names is None:
        names = tuple(f.name for f in fields(cls) if f.init)
        _INIT_FIELDS[cls] = names
    return names
