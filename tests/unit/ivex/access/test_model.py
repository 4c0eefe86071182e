"""The access model: who gets which ACL, and the reconciliation plan."""

from __future__ import annotations

from ivex.access.apply import plan_access
from ivex.access.model import city_grants, grants, principals, processor_grants
from ivex.settings import DEFAULT_CONFIG, Settings, load_settings


def _settings(prefix: str = "") -> Settings:
    return load_settings(DEFAULT_CONFIG).derive(federation={"topic_prefix": prefix})


def test_every_prefixed_pattern_ends_in_its_delimiter() -> None:
    for grant in grants(_settings("t1.")):
        if grant.pattern == "PREFIXED":
            assert grant.name[-1] in ".-", grant


def test_a_city_is_granted_nothing_of_another_city() -> None:
    settings = _settings()
    for grant in city_grants(settings, "620700"):
        others = [c for c in settings.city_codes if c != "620700"]
        assert not any(code in grant.name for code in others), grant
        assert grant.principal == "city-620700"


def test_a_city_writes_only_its_streams_responses_dlq_and_the_catalogue() -> None:
    written = {
        (g.name, g.pattern)
        for g in city_grants(_settings("p."), "620700")
        if g.operation == "WRITE" and g.resource == "TOPIC"
    }
    assert written == {
        ("p.city.620700.", "PREFIXED"),
        ("p.assist.responses.620700", "LITERAL"),
        ("p.dlq.620700", "LITERAL"),
        ("p.ivex.schemas", "LITERAL"),
    }


def test_only_the_processors_may_create_topics_and_only_their_own() -> None:
    creates = {g for g in grants(_settings()) if g.operation == "CREATE"}
    assert {g.name for g in creates if g.principal == "processors"} == {"ivex-"}
    assert {g.principal for g in creates} <= {"processors", "operator"}
    assert all(
        g.pattern == "PREFIXED" for g in processor_grants(_settings()) if g.operation == "CREATE"
    )


def test_plan_adds_then_keeps_and_removes_only_what_it_manages() -> None:
    settings = _settings()
    first = plan_access(settings, [], [])
    assert len(first.users_to_add) == len(principals(settings)) == 7
    assert set(first.grants_to_add) == grants(settings)
    stale_city = next(iter(city_grants(_settings(), "620700")))
    foreign = stale_city.__class__("someone-else", "TOPIC", "x.", "PREFIXED", "READ")
    gone = stale_city.__class__("city-629900", "TOPIC", "city.629900.", "PREFIXED", "READ")
    users = [*first.users_to_add, "city-629900", "someone-else"]
    second = plan_access(settings, users, [*grants(settings), foreign, gone])
    assert second.users_to_remove == ("city-629900",)
    assert second.grants_to_remove == (gone,)
    assert not second.grants_to_add
