"""Dead-letter messages for rejected input rows (``dlq.<city>``, docs/bad-input.md).

A rejected row is kept so nothing is lost, but never with a resident ID number in it:
every ID-number column is replaced by :data:`~ivex.identity.MASK`, and any other text
(or number) that looks like a resident ID is masked too — a number typed into the wrong
column, or into an unknown one, must not leak either. The reason and field travel in
headers, masked the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ivex.identity import MASK, mask_resident_ids

#: Input columns that hold raw resident ID numbers.
ID_NUMBER_COLUMNS: Final = frozenset({"mother_id_number", "child_id_number"})
CONTENT_TYPE: Final = "application/json"


@dataclass(frozen=True)
class DeadLetter:
    """Everything the DLQ keeps about one rejected row (already masked)."""

    city: str
    stream: str
    source: str
    line: str
    field: str
    reason: str
    row: dict[str, Any]

    def headers(self) -> list[tuple[str, bytes]]:
        """Kafka headers: ``ivex_reason``, ``ivex_field``, ``ivex_stream``, ``ivex_source``,
        ``ivex_line`` (plus ``ivex_city`` and ``content-type``)."""
        return [
            ("ivex_reason", self.reason.encode("utf-8")),
            ("ivex_field", self.field.encode("utf-8")),
            ("ivex_stream", self.stream.encode("utf-8")),
            ("ivex_source", self.source.encode("utf-8")),
            ("ivex_line", self.line.encode("utf-8")),
            ("ivex_city", self.city.encode("utf-8")),
            ("content-type", CONTENT_TYPE.encode("ascii")),
        ]

    def value(self) -> bytes:
        """The masked row as a JSON object (UTF-8)."""
        return json.dumps(self.row, ensure_ascii=False, sort_keys=True).encode("utf-8")

    def key(self) -> bytes:
        """``<source>:<line>``, so the dead letters of one input sort together."""
        return f"{self.source}:{self.line}".encode()


def dead_letter(
    *,
    city: str,
    stream: str,
    source: str,
    line: str,
    field: str,
    reason: str,
    row: Mapping[str, Any],
) -> DeadLetter:
    """A :class:`DeadLetter` with every field masked."""
    return DeadLetter(
        city=city,
        stream=stream,
        source=mask_resident_ids(source),
        line=mask_resident_ids(line),
        field=mask_resident_ids(field),
        reason=mask_resident_ids(reason),
        row=mask_row(row),
    )


def mask_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``row`` safe to keep: ID-number columns masked, look-alikes masked anywhere."""
    masked: dict[str, Any] = {}
    for key, value in row.items():
        name = mask_resident_ids(str(key))
        if key in ID_NUMBER_COLUMNS and value not in (None, ""):
            masked[name] = MASK
        else:
            masked[name] = mask_value(value)
    return masked


def mask_value(value: Any) -> Any:
    """``value`` with every resident-ID look-alike masked, recursively through JSON values."""
    if isinstance(value, str):
        return mask_resident_ids(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        text = str(value)
        masked = mask_resident_ids(text)
        return value if masked == text else masked
    if isinstance(value, Mapping):
        return mask_row(value)
    if isinstance(value, list | tuple):
        return [mask_value(v) for v in value]
    return mask_resident_ids(str(value))
