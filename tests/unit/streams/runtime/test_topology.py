"""The batch runtime's stages: the Faust app's topics and changelogs, one owner per
stateful topic, and table writes in the partition of the input applied."""

from __future__ import annotations

from ivex.settings import Settings
from ivex.topics import TopicNames, faust_id, internal_topic_name, lifecycle_topic_name
from streams.driver.records import SourceMessage
from streams.provision import internal_specs
from streams.runtime.topology import build_topology


def test_every_city_and_response_topic_has_its_stage(settings: Settings) -> None:
    topology = build_topology(settings, "x")
    names = TopicNames(settings)
    for topic in names.all_city_topics():
        assert [s.name for s in topology.by_topic[topic]] == ["ingest"]
    for code in settings.city_codes:
        assert [s.name for s in topology.by_topic[names.responses(code)]] == ["responses"]


def test_the_ingest_forwards_births_to_the_srb_monitor_too_and_reports_bad_input(
    settings: Settings,
) -> None:
    topology = build_topology(settings, "x")
    [ingest] = [s for s in topology.stages if s.name == "ingest"]
    names, code = TopicNames(settings), settings.city_codes[0]
    births = names.city(code, "births")
    junk = [SourceMessage(births, 0, 0, None, b"junk"), SourceMessage(births, 0, 1, None, None)]
    out = ingest.handle(junk, topology.within(junk))
    assert [r.topic for r in out] == [names.processing_errors] * 2


def test_the_stateful_stages_own_the_internal_topics_and_the_provisioned_changelogs(
    settings: Settings,
) -> None:
    topology = build_topology(settings, "x")
    owned = {s.name: s.topics for s in topology.stateful()}
    assert owned["engine"] == (internal_topic_name(settings, "x"),)
    assert owned["lifecycle"] == (lifecycle_topic_name(settings, "x"),)
    changelogs = {t.changelog for s in topology.stateful() for t in s.tables}
    provisioned = {spec.name for spec in internal_specs(settings, "x")}
    assert changelogs <= provisioned
    assert all(c.startswith(faust_id(settings, "x")) for c in changelogs)


def test_a_write_belongs_to_the_partition_of_the_input_being_applied(settings: Settings) -> None:
    topology = build_topology(settings, "x")
    [engine] = [s for s in topology.stateful() if s.name == "engine"]
    batch = [SourceMessage("t", p, 0, None, None) for p in (3, 1)]
    within = topology.within(batch)
    women = engine.tables[0]
    with within(0):
        women["a"] = {}
    with within(1):
        women["b"] = {}
    assert [(c.key, c.partition) for c in women.changes()] == [(b'"a"', 3), (b'"b"', 1)]
