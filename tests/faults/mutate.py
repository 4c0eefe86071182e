"""Seeded mutators for the integration fuzz tests: garbage Kafka values and broken rows."""

from __future__ import annotations

import random
from typing import Any, cast

from connectors.examples import CHILD_ID, EXAMPLE_ROWS, MOTHER_ID
from ivex.topics import Stream

#: Values a broken export or a hostile client may put anywhere.
ODD_VALUES: tuple[Any, ...] = (
    "", " ", "null", "NaN", "-1", "9" * 40, "2025-02-30", "1e309", "\x00", "é" * 50,
    "'; DROP TABLE x; --", "2025-13-01T00:00:00Z", MOTHER_ID, CHILD_ID, f"id {MOTHER_ID}",
    MOTHER_ID[:17] + "9", MOTHER_ID.lower() + "x", 0, -1, 2**63, 1.5, True, None, [], {},
)  # fmt: skip


def garbage_value(rng: random.Random, valid: bytes) -> bytes | None:
    """Something that is not a valid record: random bytes, a cut or mutated ``valid``
    record, its header with a random body, a tombstone, an ID number as text."""
    roll = rng.randrange(7)
    if roll == 0:
        return rng.randbytes(rng.randrange(0, 200))
    if roll == 1:
        return valid[: rng.randrange(0, len(valid))]
    if roll == 2:
        value = bytearray(valid)
        for _ in range(rng.randint(1, 6)):
            value[rng.randrange(len(value))] = rng.randrange(256)
        return bytes(value)
    if roll == 3:
        return valid[:10] + rng.randbytes(rng.randrange(0, 60))
    if roll == 4:
        return None
    if roll == 5:
        return f"mother {MOTHER_ID} child {CHILD_ID}".encode()
    return valid + rng.randbytes(rng.randint(1, 8))  # trailing bytes


def mutated_row(rng: random.Random, stream: str, n: int) -> dict[str, Any]:
    """The example row of ``stream`` with its own record id, then up to four mutations."""
    row: dict[str, Any] = dict(EXAMPLE_ROWS[cast(Stream, stream)])
    row["record_id"] = f"FZ-{n:06d}"
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 4])):
        name = rng.choice(sorted(row) or ["x"])
        action = rng.randrange(4)
        if action == 0:
            row[name] = rng.choice(ODD_VALUES)
        elif action == 1:
            row.pop(name, None)
        elif action == 2:
            row[rng.choice(["extra", "", "mother id", MOTHER_ID])] = rng.choice(ODD_VALUES)
        else:
            text = str(row.get(name, ""))
            row[name] = text[: rng.randrange(0, len(text) + 1)]
    return row


def mangle_text(rng: random.Random, text: str, edits: int) -> str:
    """``text`` with ``edits`` random insertions, deletions and replacements of characters
    (quotes, separators, newlines, control and non-ASCII characters among them)."""
    chars = list(text)
    alphabet = ',"\n\r\t{}[]:\\\x00é中 0123456789abcX-'
    for _ in range(edits):
        at = rng.randrange(len(chars) + 1)
        roll = rng.randrange(3)
        if roll == 0:
            chars.insert(at, rng.choice(alphabet))
        elif chars and at < len(chars):
            if roll == 1:
                del chars[at]
            else:
                chars[at] = rng.choice(alphabet)
    return "".join(chars)
