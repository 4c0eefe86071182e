"""Dead letters never carry a resident ID number."""

from __future__ import annotations

import json

from connectors.examples import CHILD_ID, MOTHER_ID
from ivex.dlq import dead_letter, mask_row
from ivex.identity import MASK, looks_like_resident_id


def test_id_columns_and_look_alikes_anywhere_are_masked() -> None:
    row = {
        "mother_id_number": "garbage-but-still-masked",
        "facility_code": f"near {CHILD_ID}",
        "extra": [int(MOTHER_ID), {"nested": MOTHER_ID.lower()}],
        MOTHER_ID: "a key too",
        "plurality": "2",
    }
    masked = mask_row(row)
    assert masked["mother_id_number"] == MASK
    assert masked["plurality"] == "2"
    assert not looks_like_resident_id(json.dumps(masked))


def test_dead_letter_headers_and_value_are_masked() -> None:
    letter = dead_letter(
        city="620700",
        stream="births",
        source=f"{MOTHER_ID}.csv",
        line="7",
        field=MOTHER_ID,
        reason=f"odd {CHILD_ID}",
        row={"mother_id_number": MOTHER_ID},
    )
    headers = dict(letter.headers())
    assert set(headers) >= {"ivex_reason", "ivex_field", "ivex_stream", "ivex_source", "ivex_line"}
    blob = b"".join(headers.values()) + letter.value() + letter.key()
    assert not looks_like_resident_id(blob.decode())
    assert headers["ivex_line"] == b"7"
