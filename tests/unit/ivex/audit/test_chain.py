"""The hash chain of the audit checkpoints: what it covers, and where it says a log broke."""

from __future__ import annotations

from dataclasses import dataclass, replace

from hypothesis import given
from hypothesis import strategies as st

from ivex.audit.chain import (
    ALTERED,
    BROKEN,
    DELETED,
    GENESIS,
    INSERTED,
    REORDERED,
    Segment,
    check_segments,
    locate,
    record_digest,
    segments_over,
)


@dataclass(frozen=True)
class Rec:
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()


def log(n: int) -> list[Rec]:
    return [Rec(i, 1_700_000_000_000 + i, f"k{i}".encode(), f"v{i}".encode()) for i in range(n)]


def digests(records: list[Rec]) -> list[bytes]:
    return [record_digest(r) for r in records]


def renumbered(records: list[Rec]) -> list[tuple[int, bytes]]:
    """A copy produced record by record: offsets from 0 again."""
    return list(enumerate(digests(records)))


def test_digest_covers_key_value_headers_timestamp_and_tells_none_from_empty() -> None:
    base = Rec(0, 1, b"k", b"v", (("ce_id", b"1"),))
    variants = [
        replace(base, timestamp_ms=2),
        replace(base, key=b"K"),
        replace(base, key=None),
        replace(base, key=b""),
        replace(base, value=None),
        replace(base, value=b"v "),
        replace(base, headers=()),
        replace(base, headers=(("ce_id", b"2"),)),
        replace(base, headers=(("ce_id", b"1"), ("x", b""))),
    ]
    seen = {record_digest(v) for v in variants} | {record_digest(base)}
    assert len(seen) == len(variants) + 1
    assert record_digest(replace(base, offset=9)) == record_digest(base), "position is the chain's"


def test_segments_chain_on_each_other_and_round_trip_through_json() -> None:
    segs = segments_over("t", 0, GENESIS, 0, log(25), size=10)
    assert [(s.start, s.end) for s in segs] == [(0, 10), (10, 20), (20, 25)]
    assert segs[1].previous == segs[0].head
    assert segs[2].previous == segs[1].head
    assert all(s.consistent() for s in segs)
    assert [Segment.from_json(s.to_json()) for s in segs] == segs
    assert check_segments(segs) is None
    # Incremental: extending the first two gives the same third checkpoint.
    again = segments_over("t", 0, segs[1].head, 20, log(25)[20:], size=10)
    assert again == segs[2:]


def test_a_forged_or_missing_checkpoint_breaks_the_chain_of_checkpoints() -> None:
    segs = segments_over("t", 0, GENESIS, 0, log(30), size=10)
    forged = replace(segs[1], digests=bytes(len(segs[1].digests)))
    found = check_segments([segs[0], forged, segs[2]])
    assert found is not None
    assert (found.offset, found.what) == (10, BROKEN)
    gap = check_segments([segs[0], segs[2]])
    assert gap is not None
    assert gap.offset == 10


def test_intact_log_and_each_kind_of_tampering_at_its_first_offset() -> None:
    records = log(50)
    expected = digests(records)
    assert locate(expected, renumbered(records)) is None
    assert locate(expected, renumbered(records + log(3))) is None, "later records: uncovered"

    altered = [*records[:17], replace(records[17], value=b"forged"), *records[18:]]
    assert _found(expected, renumbered(altered)) == (17, ALTERED)
    deleted = records[:23] + records[24:]
    assert _found(expected, renumbered(deleted)) == (23, DELETED)
    swapped = [*records[:5], records[6], records[5], *records[7:]]
    assert _found(expected, renumbered(swapped)) == (5, REORDERED)
    inserted = [*records[:8], Rec(0, 0, b"new", b"new"), *records[8:]]
    assert _found(expected, renumbered(inserted)) == (8, INSERTED)
    assert _found(expected, renumbered(records[:40])) == (40, DELETED)
    gap = [(o, d) for o, d in enumerate(expected) if o != 12]
    assert _found(expected, gap) == (12, DELETED)


@given(st.integers(0, 59), st.binary(min_size=1, max_size=8))
def test_any_single_rewrite_is_found_exactly_where_it_is(at: int, value: bytes) -> None:
    records = log(60)
    tampered = list(records)
    tampered[at] = replace(records[at], value=records[at].value + value)  # type: ignore[operator]
    found = locate(digests(records), renumbered(tampered))
    assert found is not None
    assert found.offset == at


def _found(expected: list[bytes], actual: list[tuple[int, bytes]]) -> tuple[int, str]:
    found = locate(expected, actual)
    assert found is not None
    return found.offset, found.what
