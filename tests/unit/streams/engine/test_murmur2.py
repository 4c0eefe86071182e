"""The compiled murmur2 is kafka-python's (Java's) hash, byte for byte."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from kafka.partitioner.default import murmur2 as reference

from streams.engine.murmur2 import murmur2


@given(st.binary(max_size=80))
def test_the_hash_is_kafkas(data: bytes) -> None:
    assert murmur2(data) == reference(data)


def test_known_values() -> None:
    # From the Java client's tests (Utils.murmur2), as unsigned 32-bit ints.
    assert murmur2(b"21") & 0x7FFFFFFF == (-973932308) & 0x7FFFFFFF
    assert murmur2(b"") == reference(b"")
