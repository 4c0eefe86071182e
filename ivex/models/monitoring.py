"""The sex-ratio-at-birth report (docs/srb.md)."""

from __future__ import annotations

import re
from typing import Annotated, Final

from pydantic import AfterValidator

from ivex.models.base import AvroRecord
from ivex.models.enums import SrbStatus
from ivex.models.types import CityCode, Float, Int, Text, fail, int_range

BIRTH_ORDER_BUCKETS: Final = ("1", "2", "3+", "ALL")
#: Prefix of a rolling period: ``R12:YYYY-MM`` is the 12 months ending that month.
ROLLING_PREFIX: Final = "R12:"
#: The ``city`` of a report on the federation as a whole (every member city pooled):
#: six digits as the field requires, and no GB/T 2260 division has it.
FEDERATION_SCOPE: Final = "000000"
PERIOD_REASON: Final = "must be YYYY-MM or R12:YYYY-MM"
BUCKET_REASON: Final = "must be one of: " + ", ".join(BIRTH_ORDER_BUCKETS)
NEGATIVE_REASON: Final = "must not be negative"
_PERIOD_RE: Final = re.compile(r"(R12:)?\d{4}-(0[1-9]|1[0-2])")


def _check_period(value: str) -> str:
    if not _PERIOD_RE.fullmatch(value):
        raise fail(PERIOD_REASON)
    return value


def _check_bucket(value: str) -> str:
    if value not in BIRTH_ORDER_BUCKETS:
        raise fail(BUCKET_REASON)
    return value


def _non_negative(value: float) -> float:
    if value < 0:
        raise fail(NEGATIVE_REASON)
    return value


Ratio = Annotated[Float, AfterValidator(_non_negative)]


class SexRatioReport(AvroRecord):
    """SRB of one city, period and birth-order bucket, with its Wilson interval and status."""

    record_name = "SexRatioReport"

    city: CityCode
    period: Annotated[Text, AfterValidator(_check_period)]
    birth_order: Annotated[Text, AfterValidator(_check_bucket)]
    male: Annotated[Int, int_range(0)]
    female: Annotated[Int, int_range(0)]
    srb: Ratio | None = None
    ci_low: Ratio | None = None
    ci_high: Ratio | None = None
    status: SrbStatus
