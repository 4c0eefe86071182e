"""One valid datum of every record type, for smoke runs and tests.

Values are fastavro-ready: dates as :class:`datetime.date`, timestamps as aware
:class:`datetime.datetime`, UUIDs as text. Subject references are HMACs of the two
known-good example ID numbers of NOTES under the key ``b"sample-key"``.
"""

from __future__ import annotations

import hmac
from datetime import UTC, date, datetime
from hashlib import sha256
from typing import Any


def _ref(id_number: str) -> str:
    return hmac.new(b"sample-key", id_number.encode(), sha256).hexdigest()


_MOTHER = _ref("11010519491231002X")
_CHILD = _ref("440524188001010014")
_AT = datetime(2025, 3, 4, 2, 15, tzinfo=UTC)
_EVIDENCE = {
    "event_id": "6f1c1e4e-4b1b-4f39-9d44-8d1d6a3f2a01",
    "source_city": "620700",
    "stream": "births",
    "record_id": "B-2025-0001",
    "topic": "city.620700.births",
    "partition": 0,
    "offset": 0,
}


def _common(n: int, record_id: str, city: str = "620700") -> dict[str, Any]:
    return {
        "event_id": f"6f1c1e4e-4b1b-4f39-9d44-8d1d6a3f2a{n:02d}",
        "record_id": record_id,
        "action": "RECORD",
        "source_city": city,
        "recorded_at": _AT,
    }


def sample_records() -> dict[str, dict[str, Any]]:
    """A valid datum for each of the nine record types, by record name."""
    return {
        "BirthRecorded": _common(1, "B-2025-0001")
        | {
            "mother_ref": _MOTHER,
            "mother_hukou_city": "620600",
            "birth_date": date(2025, 3, 2),
            "child_sex": "FEMALE",
            "birth_order": 1,
            "plurality": 1,
            "gestational_weeks": 39,
            "delivery_place": "HOSPITAL",
            "facility_code": "H620702001",
            "certificate_no": "P620000123",
        },
        "RegistrationRecorded": _common(2, "R-2025-0001", "620600")
        | {
            "child_ref": _CHILD,
            "mother_ref": _MOTHER,
            "birth_date": date(2025, 3, 2),
            "child_sex": "FEMALE",
            "certificate_no": "P620000123",
            "birth_place_city": "620700",
            "registered_on": date(2025, 3, 3),
        },
        "TerminationRecorded": _common(3, "T-2025-0001")
        | {
            "mother_ref": _MOTHER,
            "mother_hukou_city": "620600",
            "procedure_date": date(2025, 3, 1),
            "gestational_weeks": 10,
            "method": "MEDICATION",
            "medical_indication": False,
            "approval_ref": None,
            "facility_code": "H620702001",
        },
        "PregnancyReported": _common(4, "P-2025-0001")
        | {
            "mother_ref": _MOTHER,
            "mother_hukou_city": "620600",
            "residence_city": "620700",
            "reported_on": date(2025, 1, 10),
            "expected_delivery_date": date(2025, 3, 5),
            "gestational_weeks_at_report": 31,
            "existing_children": 0,
        },
        "SourceWatermark": {
            "event_id": "6f1c1e4e-4b1b-4f39-9d44-8d1d6a3f2a05",
            "source_city": "620700",
            "recorded_at": _AT,
            "stream": "births",
            "complete_through": _AT,
        },
        "AssistanceRequest": {
            "request_id": "0b7e8a52-3c0e-5d8b-9d61-0c8f3f2d1a11",
            "kind": "BIRTH_NOT_REGISTERED",
            "addressed_city": "620600",
            "copy_to": ["620700"],
            "subject_ref": _MOTHER,
            "child_ref": None,
            "evidence": [_EVIDENCE],
            "raised_at": _AT,
            "respond_by": datetime(2025, 4, 3, 2, 15, tzinfo=UTC),
            "priority": "NORMAL",
            "state": "OPEN",
            "reason": "no registration matching the birth by 2025-05-01",
        },
        "AssistanceResponse": {
            "response_id": "5a0d7e1f-2b3c-4d5e-8f90-1a2b3c4d5e6f",
            "request_id": "0b7e8a52-3c0e-5d8b-9d61-0c8f3f2d1a11",
            "responding_city": "620600",
            "status": "RESOLVED",
            "outcome": "REGISTERED_LATE",
            "responded_at": _AT,
            "note": None,
        },
        "CaseNotice": {
            "notice_id": "9c1d2e3f-4a5b-5c6d-8e7f-901a2b3c4d5e",
            "kind": "OUTCOME_RECORDED_ELSEWHERE",
            "addressed_city": "620600",
            "subject_ref": _MOTHER,
            "evidence": [_EVIDENCE],
            "issued_at": _AT,
        },
        "SexRatioReport": {
            "city": "620700",
            "period": "2025-03",
            "birth_order": "ALL",
            "male": 1050,
            "female": 1000,
            "srb": 105.0,
            "ci_low": 96.5,
            "ci_high": 114.3,
            "status": "NORMAL",
        },
    }
