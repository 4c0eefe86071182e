"""One share of a re-derivation as plain data, and the deterministic merge of the shares.

A share's outcome crosses a process boundary, so it holds the outputs in their Avro
dict form (``to_avro``) rather than the engine's (compiled, unpicklable) objects.
:func:`merge` gives the same result whatever the number of shares and whatever order
they finish in: the shares' requests are disjoint (each woman's requests are decided by
her share, see :mod:`streams.rederive`), and anything they share is taken from the
lowest share and counted as a conflict.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from streams.rederive import Rederivation

Output = dict[str, Any]


@dataclass
class ShareOutcome:
    """What one share derived: latest request states, notices, decided ids, counters."""

    index: int
    requests: dict[str, Output] = field(default_factory=dict)
    notices: dict[str, Output] = field(default_factory=dict)
    decided: frozenset[str] = frozenset()
    unowned_responses: tuple[str, ...] = ()
    events: int = 0
    undecodable: int = 0
    owned_undecodable: int = 0
    responses: int = 0
    rejected: int = 0

    @staticmethod
    def of(index: int, result: Rederivation) -> ShareOutcome:
        """The plain-data form of a share's :class:`Rederivation`."""
        return ShareOutcome(
            index=index,
            requests={k: r.to_avro() for k, r in result.requests.items()},
            notices={k: n.to_avro() for k, n in result.notices.items()},
            decided=frozenset(result.decisions),
            unowned_responses=tuple(result.unowned_responses),
            events=result.events,
            undecodable=result.undecodable,
            owned_undecodable=result.owned_undecodable,
            responses=result.responses,
            rejected=result.rejected,
        )


@dataclass(frozen=True)
class Derived:
    """The merged re-derivation: what the requests and notices topics should hold."""

    requests: dict[str, Output]
    notices: dict[str, Output]
    events: int
    undecodable: int
    responses: int
    rejected: int
    shares: int
    conflicts: tuple[str, ...] = ()


def merge(outcomes: Iterable[ShareOutcome]) -> Derived:
    """Merge every share's outcome (in any order) into one re-derivation."""
    ordered = sorted(outcomes, key=lambda o: o.index)
    if not ordered:
        raise ValueError("no share to merge")
    requests, req_conflicts = _union([o.requests for o in ordered])
    notices, notice_conflicts = _union([o.notices for o in ordered])
    decided = frozenset().union(*(o.decided for o in ordered))
    # A response to a request no share decided is listed by every share; the single
    # lifecycle would have rejected it once.
    undecided = sum(1 for o in ordered for rid in o.unowned_responses if rid not in decided) // len(
        ordered
    )
    return Derived(
        requests=requests,
        notices=notices,
        # Every share reads the whole log: the first one's counts are the log's.
        events=ordered[0].events,
        # Undecodable records every share met once, plus those only their owner read.
        undecodable=ordered[0].undecodable
        - ordered[0].owned_undecodable
        + sum(o.owned_undecodable for o in ordered),
        responses=sum(o.responses for o in ordered) + undecided,
        rejected=sum(o.rejected for o in ordered) + undecided,
        shares=len(ordered),
        conflicts=tuple(sorted(set(req_conflicts) | set(notice_conflicts))),
    )


def _union(parts: Sequence[dict[str, Output]]) -> tuple[dict[str, Output], list[str]]:
    merged: dict[str, Output] = {}
    conflicts: list[str] = []
    for part in parts:
        for key, value in part.items():
            if key in merged:
                if merged[key] != value:
                    conflicts.append(key)
                continue
            merged[key] = value
    return dict(sorted(merged.items())), conflicts
