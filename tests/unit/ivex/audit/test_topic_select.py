"""Selecting the federation's topics by name, prefix and glob."""

from __future__ import annotations

import pytest

from ivex.audit.topic_select import (
    NoTopicMatched,
    federation_topics,
    matches,
    select,
    select_topics,
)
from ivex.settings import DEFAULT_CONFIG, load_settings

TOPICS = [
    "city.620700.births",
    "city.620700.registrations",
    "city.620900.births",
    "assist.requests.620700",
    "assist.requests.620900",
    "assist.responses.620700",
    "dlq.620700",
    "monitor.srb",
]


@pytest.mark.parametrize(
    ("pattern", "topic", "hit"),
    [
        ("city.*.births", "city.620700.births", True),
        ("city.*.births", "city.620700.registrations", False),
        ("city.620700", "city.620700.births", True),
        ("city.62070", "city.620700.births", False),  # a prefix stops at a dot
        ("assist.requests", "assist.requests.620900", True),
        ("assist.requests.", "assist.requests.620900", True),
        ("monitor.srb", "monitor.srb", True),
        ("dlq.62070?", "dlq.620700", True),
    ],
)
def test_matches(pattern: str, topic: str, hit: bool) -> None:
    assert matches(pattern, topic) is hit


def test_select_keeps_the_topics_order_and_deduplicates() -> None:
    assert select(["city.*.births", "city.620700"], TOPICS) == [
        "city.620700.births",
        "city.620700.registrations",
        "city.620900.births",
    ]


def test_a_pattern_matching_nothing_is_an_error() -> None:
    with pytest.raises(NoTopicMatched, match=r"city\.620100") as info:
        select(["monitor.srb", "city.620100"], TOPICS)
    assert info.value.code == "no_topic_matched"


def test_patterns_may_carry_the_prefix() -> None:
    assert select(["t1.dlq.620700"], TOPICS, "t1.") == ["dlq.620700"]


def test_federation_topics_are_unprefixed_and_selection_prefixes_them() -> None:
    base = load_settings(DEFAULT_CONFIG)
    settings = base.model_copy(
        update={"federation": base.federation.model_copy(update={"topic_prefix": "x."})}
    )
    names = federation_topics(settings)
    assert "city.620700.births" in names
    assert "ivex.errors" in names
    assert "assist.escalations" in names
    assert select_topics(settings, ["assist.requests"]) == [
        f"x.assist.requests.{c}" for c in settings.city_codes
    ]
