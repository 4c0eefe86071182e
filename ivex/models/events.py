"""The records of the four city streams, and the SourceWatermark every stream carries."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Final

from pydantic import AfterValidator, ValidationInfo, field_validator

from ivex.models.base import AvroRecord
from ivex.models.enums import Action, ChildSex, DeliveryPlace, Stream, TerminationMethod
from ivex.models.types import (
    Bool,
    CityCode,
    EventDate,
    FactDate,
    Int,
    SourceCity,
    Text,
    Timestamp,
    Uuid,
    fail,
    int_range,
)

EDD_RANGE: Final = "must be 0 to 300 days after reported_on"
BEFORE_BIRTH: Final = "must not be before birth_date"
AFTER_RECORDED_AT: Final = "must not be after recorded_at"
EDD_MAX_DAYS: Final = 300


class CityEvent(AvroRecord):
    """Fields common to every record of a city stream (docs/events.md)."""

    event_id: Uuid
    record_id: Text
    action: Action
    source_city: SourceCity
    recorded_at: Timestamp


class BirthRecorded(CityEvent):
    """A birth recorded by a hospital or midwifery unit (出生实名登记)."""

    record_name = "BirthRecorded"

    mother_ref: Text
    mother_hukou_city: CityCode
    birth_date: FactDate
    child_sex: ChildSex
    birth_order: Annotated[Int, int_range(1)]
    plurality: Annotated[Int, int_range(1, 8)]
    gestational_weeks: Annotated[Int, int_range(20, 45)] | None = None
    delivery_place: DeliveryPlace
    facility_code: Text
    certificate_no: Text
    source_system: Text | None = None


class RegistrationRecorded(CityEvent):
    """Household registration of a newborn by public security (出生落户登记)."""

    record_name = "RegistrationRecorded"

    child_ref: Text
    mother_ref: Text
    birth_date: FactDate
    child_sex: ChildSex
    certificate_no: Text | None = None
    birth_place_city: CityCode | None = None
    registered_on: FactDate

    @field_validator("registered_on")
    @classmethod
    def _not_before_birth(cls, value: date, info: ValidationInfo) -> date:
        born = info.data.get("birth_date")
        if isinstance(born, date) and value < born:
            raise fail(BEFORE_BIRTH)
        return value


class TerminationRecorded(CityEvent):
    """A pregnancy termination recorded by a designated facility (终止妊娠登记)."""

    record_name = "TerminationRecorded"

    mother_ref: Text
    mother_hukou_city: CityCode
    procedure_date: FactDate
    gestational_weeks: Annotated[Int, int_range(1, 42)]
    method: TerminationMethod
    medical_indication: Bool
    approval_ref: Text | None = None
    facility_code: Text


def _edd_window(value: date, info: ValidationInfo) -> date:
    reported = info.data.get("reported_on")
    if isinstance(reported, date) and not (
        reported <= value <= reported + timedelta(days=EDD_MAX_DAYS)
    ):
        raise fail(EDD_RANGE)
    return value


class PregnancyReported(CityEvent):
    """A pregnancy report, esp. of a migrant woman (孕情登记)."""

    record_name = "PregnancyReported"

    mother_ref: Text
    mother_hukou_city: CityCode
    residence_city: CityCode
    reported_on: FactDate
    expected_delivery_date: Annotated[EventDate, AfterValidator(_edd_window)]
    gestational_weeks_at_report: Annotated[Int, int_range(1, 42)]
    existing_children: Annotated[Int, int_range(0)]


class SourceWatermark(AvroRecord):
    """ "Every record of ``stream`` with recorded_at ≤ complete_through has been published"."""

    record_name = "SourceWatermark"

    event_id: Uuid
    source_city: SourceCity
    recorded_at: Timestamp
    stream: Stream
    complete_through: Timestamp

    @field_validator("complete_through")
    @classmethod
    def _not_in_future(cls, value: datetime, info: ValidationInfo) -> datetime:
        # A source cannot vouch for records it has not recorded yet.
        recorded_at = info.data.get("recorded_at")
        if isinstance(recorded_at, datetime) and value > recorded_at:
            raise fail(AFTER_RECORDED_AT)
        return value
