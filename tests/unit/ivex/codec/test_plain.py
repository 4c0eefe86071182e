"""A plain decode refuses exactly what the full decode refuses, also where only a logical
type is out of its domain (a mutated UUID, instant or date)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ivex.codec import Codec
from ivex.codec.plain import invalid_field
from ivex.errors import CodecError
from ivex.samples import sample_records

CODEC = Codec()
#: The records read plain (city streams, watermarks, responses): logical types only at
#: the top level. Requests and notices carry them nested and are read in full.
PLAIN = (
    "BirthRecorded", "RegistrationRecorded", "TerminationRecorded", "PregnancyReported",
    "SourceWatermark", "AssistanceResponse",
)  # fmt: skip
VALID = [CODEC.encode(name, sample_records()[name]) for name in PLAIN]


def _outcome(value: bytes, *, plain: bool) -> bool:
    try:
        CODEC.decode(value, plain=plain)
    except CodecError:
        return False
    return True


@settings(max_examples=600, deadline=None)
@given(
    which=st.sampled_from(VALID),
    edits=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)), min_size=1, max_size=4),
)
def test_plain_and_full_decode_agree_on_mutated_records(
    which: bytes, edits: list[tuple[int, int]]
) -> None:
    value = bytearray(which)
    for at, byte in edits:
        if 10 <= at < len(value):  # the header stays valid: the body is what is fuzzed
            value[at] = byte
    assert _outcome(bytes(value), plain=True) == _outcome(bytes(value), plain=False)


def test_each_logical_domain_is_checked() -> None:
    fields = (("event_id", "uuid"), ("recorded_at", "timestamp-millis"), ("day", "date"))
    good = {"event_id": "6f0c1f6e-3f55-5d6e-9a55-0a8a0a6a6a6a", "recorded_at": 0, "day": 0}
    assert invalid_field(good, fields) is None
    assert invalid_field(good | {"event_id": "0a8407e2-07ab-\x01"}, fields) == "event_id"
    assert invalid_field(good | {"recorded_at": 10**18}, fields) == "recorded_at"
    assert invalid_field(good | {"day": -800_000}, fields) == "day"
    assert invalid_field(good | {"event_id": None}, fields) is None  # optional, absent
