"""Planning topic changes: what to create, alter or leave alone (no Kafka)."""

from __future__ import annotations

from ivex.provision import ExistingTopic, plan_topic, plan_topics, report_of
from ivex.settings import DEFAULT_CONFIG, load_settings
from ivex.topics import TopicNames, TopicSpec

FOREVER = TopicSpec("city.620200.births", 1, {"cleanup.policy": "delete", "retention.ms": "-1"})
COMPACTED = TopicSpec("assist.requests.620200", 1, {"cleanup.policy": "compact"})


def test_missing_topic_is_created() -> None:
    plan = plan_topic(FOREVER, None)
    assert plan.action == "created"
    assert plan.create
    assert "retention.ms=-1" in plan.details


def test_matching_topic_is_unchanged() -> None:
    existing = ExistingTopic(FOREVER.name, 1, dict(FOREVER.configs))
    plan = plan_topic(FOREVER, existing)
    assert plan.action == "unchanged"
    assert plan.details == ()


def test_differing_config_is_altered_and_only_that_key() -> None:
    existing = ExistingTopic(
        FOREVER.name, 1, {"cleanup.policy": "delete", "retention.ms": "604800000"}
    )
    plan = plan_topic(FOREVER, existing)
    assert plan.action == "altered"
    assert dict(plan.config_updates) == {"retention.ms": "-1"}
    assert plan.details == ("retention.ms: 604800000 -> -1",)


def test_configs_outside_the_spec_are_left_alone() -> None:
    existing = ExistingTopic(COMPACTED.name, 1, {"cleanup.policy": "compact", "segment.ms": "1"})
    assert plan_topic(COMPACTED, existing).action == "unchanged"


def test_fewer_partitions_are_increased() -> None:
    spec = TopicSpec("internal", 4, {})
    plan = plan_topic(spec, ExistingTopic("internal", 2, {}))
    assert plan.action == "altered"
    assert plan.partitions_to == 4
    assert "partitions: 2 -> 4" in plan.details


def test_more_partitions_than_spec_is_a_warning_not_a_change() -> None:
    plan = plan_topic(COMPACTED, ExistingTopic(COMPACTED.name, 3, {"cleanup.policy": "compact"}))
    assert plan.action == "unchanged"
    assert plan.partitions_to is None
    assert plan.details[0].startswith("warning:")


def test_report_groups_topics_by_action() -> None:
    specs = [FOREVER, COMPACTED, TopicSpec("x", 1, {"retention.ms": "-1"})]
    existing = {
        COMPACTED.name: ExistingTopic(COMPACTED.name, 1, {"cleanup.policy": "delete"}),
        "x": ExistingTopic("x", 1, {"retention.ms": "-1"}),
    }
    report = report_of(plan_topics(specs, existing))
    assert report.created == [FOREVER.name]
    assert report.altered == [COMPACTED.name]
    assert report.unchanged == ["x"]
    assert report.changed
    assert [c.topic for c in report.changes] == [s.name for s in specs]


def test_second_run_on_the_federation_plans_nothing() -> None:
    specs = TopicNames(load_settings(DEFAULT_CONFIG)).specs()
    existing = {s.name: ExistingTopic(s.name, s.partitions, dict(s.configs)) for s in specs}
    report = report_of(plan_topics(specs, existing))
    assert not report.changed
    assert len(report.unchanged) == len(specs)
