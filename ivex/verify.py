"""Compare the requests on the ``assist.requests.*`` topics with a ground-truth file.

The ground truth (written by ``ivex simulate``) lists, one JSON object a line, the
requests docs/rules.md says must exist: ``request_id``, ``kind``, ``addressed_city`` and the
expected final ``state`` (OPEN or WITHDRAWN). A request that a city has since answered
(ACKNOWLEDGED, RESOLVED, OVERDUE) still counts as the OPEN request the truth expects.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ivex.codec import Codec
from ivex.errors import ConfigError
from ivex.settings import Settings
from ivex.topic_reader import read_topics
from ivex.topics import TopicNames

#: States a raised, not withdrawn request can be in once partner cities work on it.
_LIVE_STATES = frozenset({"OPEN", "ACKNOWLEDGED", "RESOLVED", "OVERDUE"})


@dataclass(frozen=True)
class Expected:
    """One request the ground truth says must exist."""

    request_id: str
    kind: str
    addressed_city: str
    state: str


@dataclass(frozen=True)
class Difference:
    """A request present on both sides whose content disagrees."""

    request_id: str
    kind: str
    field: str
    expected: str
    actual: str


@dataclass(frozen=True)
class VerifyReport:
    """Outcome of a comparison: what was expected, raised, missing, extra or different."""

    expected: int
    raised: int
    missing: tuple[Expected, ...]
    extra: tuple[Mapping[str, Any], ...]
    differing: tuple[Difference, ...]
    by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when nothing is missing, extra or different."""
        return not (self.missing or self.extra or self.differing)


def load_truth(path: Path) -> dict[str, Expected]:
    """Read a ground-truth JSON Lines file into expected requests by request_id."""
    truth: dict[str, Expected] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise ConfigError("ground-truth file not found", source=str(path)) from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            item = Expected(
                str(row["request_id"]), row["kind"], row["addressed_city"], row["state"]
            )
        except (ValueError, KeyError) as exc:
            raise ConfigError(f"line {number}: not a truth row ({exc})", source=str(path)) from exc
        truth[item.request_id] = item
    return truth


def latest_by_id(requests: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Latest version of each request, given versions in log order (compaction semantics)."""
    latest: dict[str, Mapping[str, Any]] = {}
    for request in requests:
        latest[str(request["request_id"])] = request
    return latest


def compare(truth: Mapping[str, Expected], actual: Mapping[str, Mapping[str, Any]]) -> VerifyReport:
    """Diff expected against actual requests (both keyed by request_id)."""
    missing = tuple(e for rid, e in sorted(truth.items()) if rid not in actual)
    extra = tuple(r for rid, r in sorted(actual.items()) if rid not in truth)
    differing = tuple(
        d for rid, e in sorted(truth.items()) if rid in actual for d in _differences(e, actual[rid])
    )
    kinds = sorted({e.kind for e in truth.values()} | {str(r["kind"]) for r in actual.values()})
    by_kind = {
        k: (
            sum(e.kind == k for e in truth.values()),
            sum(str(r["kind"]) == k for r in actual.values()),
        )
        for k in kinds
    }
    return VerifyReport(len(truth), len(actual), missing, extra, differing, by_kind)


def _differences(expected: Expected, actual: Mapping[str, Any]) -> list[Difference]:
    out = []
    for name in ("kind", "addressed_city"):
        if str(actual[name]) != getattr(expected, name):
            out.append(_diff(expected, name, getattr(expected, name), str(actual[name])))
    state = str(actual["state"])
    if not _state_agrees(expected.state, state):
        out.append(_diff(expected, "state", expected.state, state))
    return out


def _state_agrees(expected: str, actual: str) -> bool:
    if expected == "WITHDRAWN":
        return actual == "WITHDRAWN"
    return actual in _LIVE_STATES


def _diff(expected: Expected, name: str, want: str, got: str) -> Difference:
    return Difference(expected.request_id, expected.kind, name, want, got)


def requests_on_topics(
    settings: Settings, cities: Iterable[str] | None = None
) -> dict[str, Mapping[str, Any]]:
    """Latest state of every request on the ``assist.requests.<city>`` topics."""
    names = TopicNames(settings)
    topics = [names.requests(c) for c in (cities or settings.city_codes)]
    codec = Codec()
    decoded = (
        codec.decode(r.value).datum for r in read_topics(settings, topics) if r.value is not None
    )
    return latest_by_id(decoded)
