"""One valid input row per city stream, as CSV text: for docs, demos and tests.

The resident ID numbers are synthetic (valid check characters, made-up people) and are
published only as subject references.
"""

from __future__ import annotations

from typing import Final

from ivex.topics import Stream

#: Synthetic resident ID numbers with valid check characters.
MOTHER_ID: Final = "620702199001011236"
SECOND_MOTHER_ID: Final = "620602199203152242"
CHILD_ID: Final = "620702202503020022"

_COMMON: Final = {"action": "RECORD", "source_city": "620700"}

EXAMPLE_ROWS: Final[dict[Stream, dict[str, str]]] = {
    "births": {
        "record_id": "B-2025-0001",
        **_COMMON,
        "recorded_at": "2025-03-04T10:15:00+08:00",
        "mother_id_number": MOTHER_ID,
        "mother_hukou_city": "620600",
        "birth_date": "2025-03-02",
        "child_sex": "FEMALE",
        "birth_order": "1",
        "plurality": "1",
        "gestational_weeks": "39",
        "delivery_place": "HOSPITAL",
        "facility_code": "H620702001",
        "certificate_no": "P620000123",
    },
    "registrations": {
        "record_id": "R-2025-0001",
        **_COMMON,
        "recorded_at": "2025-03-20T09:00:00+08:00",
        "child_id_number": CHILD_ID,
        "mother_id_number": MOTHER_ID,
        "birth_date": "2025-03-02",
        "child_sex": "FEMALE",
        "certificate_no": "P620000123",
        "birth_place_city": "620700",
        "registered_on": "2025-03-20",
    },
    "terminations": {
        "record_id": "T-2025-0001",
        **_COMMON,
        "recorded_at": "2025-04-02T16:30:00+08:00",
        "mother_id_number": SECOND_MOTHER_ID,
        "mother_hukou_city": "620600",
        "procedure_date": "2025-04-02",
        "gestational_weeks": "15",
        "method": "SURGICAL",
        "medical_indication": "false",
        "approval_ref": "",
        "facility_code": "H620702001",
    },
    "pregnancies": {
        "record_id": "P-2025-0001",
        **_COMMON,
        "recorded_at": "2025-01-10T11:00:00+08:00",
        "mother_id_number": SECOND_MOTHER_ID,
        "mother_hukou_city": "620600",
        "residence_city": "620700",
        "reported_on": "2025-01-10",
        "expected_delivery_date": "2025-07-15",
        "gestational_weeks_at_report": "12",
        "existing_children": "1",
    },
}
