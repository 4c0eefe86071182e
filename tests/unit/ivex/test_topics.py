"""Topic names and specs of docs/wire-format.md."""

from __future__ import annotations

from ivex.settings import DEFAULT_CONFIG, load_settings
from ivex.topics import TopicNames


def test_names_follow_spec_and_honour_the_prefix() -> None:
    settings = load_settings(DEFAULT_CONFIG)
    names = TopicNames(settings)
    assert names.city("620700", "births") == "city.620700.births"
    assert names.requests("620600") == "assist.requests.620600"
    prefixed = settings.model_copy(
        update={"federation": settings.federation.model_copy(update={"topic_prefix": "t1."})}
    )
    assert TopicNames(prefixed).dlq("620200") == "t1.dlq.620200"


def test_specs_city_logs_forever_requests_compacted() -> None:
    specs = {s.name: s for s in TopicNames(load_settings(DEFAULT_CONFIG)).specs()}
    births = specs["city.620700.births"]
    assert births.partitions == 1
    assert births.configs["retention.ms"] == "-1"
    assert specs["assist.requests.620700"].configs["cleanup.policy"] == "compact"
    assert specs["monitor.srb"].configs["cleanup.policy"] == "compact"
    assert specs["audit.checkpoints"].configs["cleanup.policy"] == "compact"
    assert len([n for n in specs if n.startswith("city.")]) == 20
