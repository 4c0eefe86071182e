"""Fuzz of the single-object decoder: any bytes either decode or raise a CodecError."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from ivex.codec import Codec
from ivex.errors import CodecError

CODEC = Codec()
VALID = CODEC.encode(
    "SourceWatermark",
    {
        "event_id": "6f0c1f6e-3f55-5d6e-9a55-0a8a0a6a6a6a",
        "source_city": "620700",
        "recorded_at": datetime(2025, 3, 1, tzinfo=UTC),
        "stream": "births",
        "complete_through": datetime(2025, 3, 1, tzinfo=UTC),
    },
)


def _decodes_or_codec_error(value: bytes) -> None:
    # Anything but a CodecError (IndexError, EOFError, …) escapes and fails the test.
    try:
        CODEC.decode(value)
    except CodecError as exc:
        reason = exc.message
    else:
        return
    assert reason  # a reason a person can read


@given(st.binary(max_size=200))
@settings(max_examples=300)
def test_random_bytes_decode_or_raise_codec_error(value: bytes) -> None:
    _decodes_or_codec_error(value)


@given(st.integers(0, len(VALID)))
def test_every_truncation_raises_codec_error(cut: int) -> None:
    if cut < len(VALID):
        try:
            CODEC.decode(VALID[:cut])
        except CodecError:
            return
        raise AssertionError(f"a record cut at {cut} of {len(VALID)} bytes decoded")


@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), max_size=6))
@settings(max_examples=300)
def test_mutated_records_decode_or_raise_codec_error(flips: list[tuple[int, int]]) -> None:
    value = bytearray(VALID)
    for at, byte in flips:
        value[at] = byte
    _decodes_or_codec_error(bytes(value))


@given(st.binary(max_size=40))
def test_valid_header_with_random_body(body: bytes) -> None:
    _decodes_or_codec_error(VALID[:10] + body)
