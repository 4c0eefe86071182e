"""Every validation rule of the record models, with its exact field and reason."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from ivex.models import RECORD_MODELS, BirthRecorded, reject_from
from ivex.samples import sample_records

CITIES = ("620200", "620300", "620600", "620700", "620900")
CONTEXT = {"cities": CITIES}
SAMPLES = sample_records()


def rejections(name: str, changes: dict[str, Any], **context: Any) -> list[tuple[str, str]]:
    data = SAMPLES[name] | changes
    with pytest.raises(ValidationError) as info:
        RECORD_MODELS[name].model_validate(data, context={"cities": CITIES} | context)
    return [(r.field, r.reason) for r in reject_from(info.value)]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_samples_are_valid(name: str) -> None:
    model = RECORD_MODELS[name].model_validate(SAMPLES[name], context=CONTEXT)
    with pytest.raises(ValidationError):
        model.__setattr__("x", 1)  # frozen


def test_models_are_frozen() -> None:
    model = BirthRecorded.model_validate(SAMPLES["BirthRecorded"], context=CONTEXT)
    with pytest.raises(ValidationError):
        model.birth_order = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "changes", "expected"),
    [
        # city fields: federation members only, 6 digits
        (
            "BirthRecorded",
            {"mother_hukou_city": "110105"},
            [("mother_hukou_city", "not a member city of the federation")],
        ),
        (
            "BirthRecorded",
            {"source_city": "62070"},
            [("source_city", "must be a 6-digit GB/T 2260 division code")],
        ),
        (
            "PregnancyReported",
            {"residence_city": "440524"},
            [("residence_city", "not a member city of the federation")],
        ),
        (
            "RegistrationRecorded",
            {"birth_place_city": "999999"},
            [("birth_place_city", "not a member city of the federation")],
        ),
        (
            "AssistanceRequest",
            {"copy_to": ["620700", "123456"]},
            [("copy_to.1", "not a member city of the federation")],
        ),
        (
            "AssistanceRequest",
            {"copy_to": ["620600"]},
            [("copy_to", "must not include addressed_city")],
        ),
        (
            "AssistanceResponse",
            {"responding_city": "000000"},
            [("responding_city", "not a member city of the federation")],
        ),
        ("SexRatioReport", {"city": "100000"}, [("city", "not a member city of the federation")]),
        # gestational weeks, birth order, plurality, children
        (
            "BirthRecorded",
            {"gestational_weeks": 19},
            [("gestational_weeks", "must be between 20 and 45")],
        ),
        (
            "BirthRecorded",
            {"gestational_weeks": 46},
            [("gestational_weeks", "must be between 20 and 45")],
        ),
        (
            "TerminationRecorded",
            {"gestational_weeks": 0},
            [("gestational_weeks", "must be between 1 and 42")],
        ),
        (
            "TerminationRecorded",
            {"gestational_weeks": 43},
            [("gestational_weeks", "must be between 1 and 42")],
        ),
        (
            "PregnancyReported",
            {"gestational_weeks_at_report": 43},
            [("gestational_weeks_at_report", "must be between 1 and 42")],
        ),
        ("BirthRecorded", {"birth_order": 0}, [("birth_order", "must be at least 1")]),
        ("BirthRecorded", {"plurality": 9}, [("plurality", "must be between 1 and 8")]),
        ("BirthRecorded", {"plurality": 0}, [("plurality", "must be between 1 and 8")]),
        (
            "PregnancyReported",
            {"existing_children": -1},
            [("existing_children", "must be at least 0")],
        ),
        # dates of facts vs. the date of recorded_at in China Standard Time
        (
            "BirthRecorded",
            {"birth_date": date(2025, 3, 5)},
            [("birth_date", "must not be after the date of recorded_at (UTC+8)")],
        ),
        (
            "TerminationRecorded",
            {"procedure_date": date(2025, 3, 5)},
            [("procedure_date", "must not be after the date of recorded_at (UTC+8)")],
        ),
        (
            "RegistrationRecorded",
            {"registered_on": date(2025, 3, 5)},
            [("registered_on", "must not be after the date of recorded_at (UTC+8)")],
        ),
        (
            "RegistrationRecorded",
            {"registered_on": date(2025, 3, 1)},
            [("registered_on", "must not be before birth_date")],
        ),
        (
            "PregnancyReported",
            {"reported_on": date(2025, 3, 5)},
            [("reported_on", "must not be after the date of recorded_at (UTC+8)")],
        ),
        # expected delivery date window
        (
            "PregnancyReported",
            {"expected_delivery_date": date(2025, 1, 9)},
            [("expected_delivery_date", "must be 0 to 300 days after reported_on")],
        ),
        (
            "PregnancyReported",
            {"expected_delivery_date": date(2025, 11, 7)},
            [("expected_delivery_date", "must be 0 to 300 days after reported_on")],
        ),
        # strict enums
        (
            "BirthRecorded",
            {"child_sex": "male"},
            [("child_sex", "must be one of: MALE, FEMALE or UNDETERMINED")],
        ),
        (
            "BirthRecorded",
            {"action": "RECORD "},
            [("action", "must be one of: RECORD, CORRECT or VOID")],
        ),
        (
            "SourceWatermark",
            {"stream": "Births"},
            [("stream", "must be one of: births, registrations, terminations or pregnancies")],
        ),
        # dates: real datetime.date or exactly YYYY-MM-DD
        (
            "BirthRecorded",
            {"birth_date": "2025-3-2"},
            [("birth_date", "must be a date in YYYY-MM-DD form")],
        ),
        (
            "BirthRecorded",
            {"birth_date": "20250302"},
            [("birth_date", "must be a date in YYYY-MM-DD form")],
        ),
        (
            "BirthRecorded",
            {"birth_date": "2025-02-30"},
            [("birth_date", "not a real calendar date")],
        ),
        (
            "BirthRecorded",
            {"birth_date": 20149},
            [("birth_date", "must be a date in YYYY-MM-DD form")],
        ),
        (
            "BirthRecorded",
            {"birth_date": datetime(2025, 3, 2, tzinfo=UTC)},
            [("birth_date", "must be a date in YYYY-MM-DD form")],
        ),
        # timestamps, UUIDs, types, presence
        (
            "BirthRecorded",
            {"recorded_at": datetime(2025, 3, 4)},
            [("recorded_at", "timestamp must carry a UTC offset")],
        ),
        (
            "BirthRecorded",
            {"recorded_at": "yesterday"},
            [("recorded_at", "must be an RFC 3339 timestamp")],
        ),
        (
            "BirthRecorded",
            {"recorded_at": 1741054500000},
            [("recorded_at", "must be an RFC 3339 timestamp")],
        ),
        ("BirthRecorded", {"event_id": "not-a-uuid"}, [("event_id", "must be a UUID")]),
        ("BirthRecorded", {"birth_order": "1"}, [("birth_order", "must be an integer")]),
        ("BirthRecorded", {"birth_order": True}, [("birth_order", "must be an integer")]),
        ("BirthRecorded", {"facility_code": ""}, [("facility_code", "must not be empty")]),
        ("BirthRecorded", {"mother_ref": 5}, [("mother_ref", "must be text")]),
        ("BirthRecorded", {"shoe_size": 5}, [("shoe_size", "unknown field")]),
        (
            "TerminationRecorded",
            {"medical_indication": "no"},
            [("medical_indication", "must be true or false")],
        ),
        (
            "SourceWatermark",
            {"complete_through": datetime(2025, 3, 5, tzinfo=UTC)},
            [("complete_through", "must not be after recorded_at")],
        ),
        (
            "AssistanceRequest",
            {"respond_by": datetime(2025, 3, 1, tzinfo=UTC)},
            [("respond_by", "must not be before raised_at")],
        ),
        (
            "CaseNotice",
            {"evidence": [SAMPLES["CaseNotice"]["evidence"][0] | {"stream": "srb"}]},
            [
                (
                    "evidence.0.stream",
                    "must be one of: births, registrations, terminations, pregnancies",
                )
            ],
        ),
        (
            "CaseNotice",
            {"evidence": [SAMPLES["CaseNotice"]["evidence"][0] | {"offset": -1}]},
            [("evidence.0.offset", "must be at least 0")],
        ),
        ("SexRatioReport", {"period": "2025-13"}, [("period", "must be YYYY-MM or R12:YYYY-MM")]),
        (
            "SexRatioReport",
            {"birth_order": "4"},
            [("birth_order", "must be one of: 1, 2, 3+, ALL")],
        ),
        ("SexRatioReport", {"male": -1}, [("male", "must be at least 0")]),
        ("SexRatioReport", {"ci_low": -0.5}, [("ci_low", "must not be negative")]),
    ],
)
def test_rule(name: str, changes: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert rejections(name, changes) == expected


def test_missing_field() -> None:
    data = dict(SAMPLES["BirthRecorded"])
    del data["certificate_no"]
    with pytest.raises(ValidationError) as info:
        BirthRecorded.model_validate(data, context=CONTEXT)
    assert [(r.field, r.reason) for r in reject_from(info.value)] == [
        ("certificate_no", "required field is missing")
    ]


def test_source_city_must_be_the_publishing_city() -> None:
    assert rejections("BirthRecorded", {}, publishing_city="620200") == [
        ("source_city", "must be the publishing city")
    ]
    ok = BirthRecorded.model_validate(
        SAMPLES["BirthRecorded"], context=CONTEXT | {"publishing_city": "620700"}
    )
    assert ok.source_city == "620700"


def test_fact_date_uses_china_standard_time() -> None:
    # 2025-03-04T17:00Z is already 2025-03-05 in UTC+8: a birth that day is fine.
    late = datetime(2025, 3, 4, 17, 0, tzinfo=UTC)
    model = BirthRecorded.model_validate(
        SAMPLES["BirthRecorded"] | {"recorded_at": late, "birth_date": date(2025, 3, 5)},
        context=CONTEXT,
    )
    assert model.birth_date == date(2025, 3, 5)
    early = datetime(2025, 3, 4, 15, 59, tzinfo=UTC)  # 23:59 in UTC+8
    assert rejections("BirthRecorded", {"recorded_at": early, "birth_date": date(2025, 3, 5)}) == [
        ("birth_date", "must not be after the date of recorded_at (UTC+8)")
    ]


def test_text_forms_accepted() -> None:
    model = BirthRecorded.model_validate(
        SAMPLES["BirthRecorded"]
        | {"birth_date": "2025-03-02", "recorded_at": "2025-03-04T10:15:00.5+08:00"},
        context=CONTEXT,
    )
    assert model.birth_date == date(2025, 3, 2)
    assert model.recorded_at == datetime(2025, 3, 4, 2, 15, 0, 500000, tzinfo=UTC)


def test_without_context_only_the_format_of_cities_is_checked() -> None:
    data = SAMPLES["BirthRecorded"] | {"mother_hukou_city": "110105"}
    assert BirthRecorded.model_validate(data).mother_hukou_city == "110105"


def test_reasons_never_echo_the_input() -> None:
    secret = "11010519491231002X"
    data = SAMPLES["BirthRecorded"] | {
        "event_id": secret,
        "birth_date": secret,
        "recorded_at": secret,
        "mother_hukou_city": secret,
        "birth_order": secret,
        "child_sex": secret,
        "gestational_weeks": secret,
    }
    with pytest.raises(ValidationError) as info:
        BirthRecorded.model_validate(data, context=CONTEXT)
    rejected = reject_from(info.value)
    assert len(rejected) == 7
    for r in rejected:
        assert secret not in r.reason
        assert secret not in str(r)
