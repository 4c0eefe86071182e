"""Plain (epoch-day) dates in :func:`fact_from_avro` convert as ``date`` objects would."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.engine.facts import Position, Pregnancy, fact_from_avro
from tests.unit.streams.engine.builders import MOTHER, ZY

EPOCH = dt.date(1970, 1, 1)
#: Days since the epoch of the first and the last ``date``.
FIRST = dt.date.min.toordinal() - EPOCH.toordinal()
LAST = dt.date.max.toordinal() - EPOCH.toordinal()


def _pregnancy(reported_on: object, edd: object) -> dict[str, object]:
    return {
        "event_id": "e-1", "record_id": "r-1", "action": "RECORD", "source_city": ZY,
        "recorded_at": 5, "mother_ref": MOTHER, "mother_hukou_city": ZY,
        "residence_city": ZY, "reported_on": reported_on, "expected_delivery_date": edd,
        "gestational_weeks_at_report": 10, "existing_children": 0,
    }  # fmt: skip


@given(st.integers(FIRST, LAST), st.dates())
def test_epoch_days_and_dates_give_the_same_fact(days: int, edd: dt.date) -> None:
    reported_on = EPOCH + dt.timedelta(days=days)
    plain = fact_from_avro(
        "pregnancies", _pregnancy(days, edd.toordinal() - EPOCH.toordinal()), Position("t", 0, 1)
    )
    full = fact_from_avro("pregnancies", _pregnancy(reported_on, edd), Position("t", 0, 1))
    assert isinstance(plain, Pregnancy)
    assert plain == full
    assert (plain.reported_on, plain.expected_delivery_date) == (reported_on, edd)
    assert plain.edd_day == edd.toordinal()


@pytest.mark.parametrize("days", [FIRST - 1, LAST + 1, -(2**31), 2**31 - 1])
def test_epoch_days_outside_the_dates_fail_as_before(days: int) -> None:
    with pytest.raises(OverflowError):
        fact_from_avro("pregnancies", _pregnancy(days, 0), Position("t", 0, 1))
