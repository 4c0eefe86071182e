"""Which partitions the rewinding consumer seeks to their beginning after a rebalance."""

from __future__ import annotations

from faust.types import TP

from streams.transport import never_committed

CITY = TP("t.city.620200.births", 0)
INTERNAL = TP("t.ivex-case-engine-engine-in", 3)
CHANGELOG = TP("t.ivex-case-engine-women-changelog", 3)


def test_partitions_without_a_commit_are_rewound() -> None:
    committed: dict[TP, int | None] = {CITY: None, INTERNAL: 0, CHANGELOG: None}
    assert never_committed(committed, {CHANGELOG.topic}) == [CITY, INTERNAL]


def test_committed_partitions_and_changelogs_are_left_alone() -> None:
    committed: dict[TP, int | None] = {CITY: 12, INTERNAL: 1, CHANGELOG: -1}
    assert never_committed(committed, {CHANGELOG.topic}) == []


def test_the_order_does_not_depend_on_the_mapping() -> None:
    ours = {INTERNAL: None, CITY: None}
    assert never_committed(ours, ()) == never_committed(dict(reversed(ours.items())), ())
