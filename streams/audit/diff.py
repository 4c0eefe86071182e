"""Diff a re-derivation with what the requests and notices topics hold, field by field.

Pure: both sides are Avro dicts keyed by id (``request_id`` / ``notice_id``), times as
epoch ms (see :mod:`streams.audit.published`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from streams.audit.shares import Derived, Output

#: What identifies an output to a person reading the report (besides its id).
SUMMARY_FIELDS = ("kind", "addressed_city", "state")


@dataclass(frozen=True)
class FieldDiff:
    """One field of one output that differs: re-derived value against the topic's."""

    output_id: str
    kind: str
    field: str
    derived: str
    actual: str


@dataclass(frozen=True)
class Comparison:
    """One kind of output ("requests" or "notices"): missing, extra and differing ids."""

    what: str
    derived: int
    on_topics: int
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    differing: tuple[FieldDiff, ...]

    @property
    def differing_ids(self) -> tuple[str, ...]:
        """Ids with at least one differing field, sorted."""
        return tuple(sorted({d.output_id for d in self.differing}))

    @property
    def differences(self) -> int:
        """Outputs missing, extra or differing."""
        return len(self.missing) + len(self.extra) + len(self.differing_ids)


def compare(what: str, derived: Mapping[str, Output], actual: Mapping[str, Output]) -> Comparison:
    """Diff re-derived outputs with those on the topics (both keyed by id)."""
    missing = tuple(sorted(set(derived) - set(actual)))
    extra = tuple(sorted(set(actual) - set(derived)))
    differing = tuple(
        d
        for key in sorted(set(derived) & set(actual))
        for d in _fields(key, derived[key], actual[key])
    )
    return Comparison(what, len(derived), len(actual), missing, extra, differing)


def _fields(key: str, want: Output, got: Output) -> list[FieldDiff]:
    kind = str(want.get("kind", ""))
    return [
        FieldDiff(key, kind, name, _text(want.get(name)), _text(got.get(name)))
        for name in sorted(set(want) | set(got))
        if want.get(name) != got.get(name)
    ]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class AuditReport:
    """The verdict of one re-derivation run."""

    derived: Derived
    requests: Comparison
    notices: Comparison
    seconds: float
    #: What the topics hold: "requests" / "notices" → id → output.
    on_topics: Mapping[str, Mapping[str, Output]]

    @property
    def differences(self) -> int:
        """Outputs missing, extra or differing, requests and notices together."""
        return self.requests.differences + self.notices.differences

    @property
    def ok(self) -> bool:
        """True when the topics hold exactly what the log derives."""
        return self.differences == 0


def report_json(report: AuditReport) -> dict[str, Any]:
    """The report file's content (JSON-compatible)."""
    d, actual = report.derived, report.on_topics
    return {
        "verdict": "ok" if report.ok else "differences",
        "differences": report.differences,
        "events": d.events,
        "undecodable": d.undecodable,
        "responses": d.responses,
        "rejected_responses": d.rejected,
        "shares": d.shares,
        "conflicts": list(d.conflicts),
        "seconds": round(report.seconds, 3),
        "requests": _section(report.requests, d.requests, actual.get("requests", {})),
        "notices": _section(report.notices, d.notices, actual.get("notices", {})),
    }


def _section(
    c: Comparison, derived: Mapping[str, Output], actual: Mapping[str, Output]
) -> dict[str, Any]:
    return {
        "derived": c.derived,
        "on_topics": c.on_topics,
        "missing": [_summary(k, derived[k]) for k in c.missing],
        "extra": [_summary(k, actual[k]) for k in c.extra],
        "differing": [
            {
                "id": f.output_id,
                "kind": f.kind,
                "field": f.field,
                "derived": f.derived,
                "actual": f.actual,
            }
            for f in c.differing
        ],
    }


def _summary(key: str, output: Output) -> dict[str, Any]:
    return {"id": key} | {f: output[f] for f in SUMMARY_FIELDS if f in output}
