"""Provisioning a federation's topics on a real broker."""

from __future__ import annotations

import time
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from ivex.access.clients import process_env
from ivex.cli import topics
from ivex.cli.main import cli
from ivex.kafka_config import client_config
from ivex.provision import apply_topics
from ivex.settings import Settings
from ivex.topics import TopicNames

pytestmark = pytest.mark.integration


@pytest.fixture
def admin(federation: Settings) -> Iterator[KafkaAdminClient]:
    client = KafkaAdminClient(**client_config(federation))
    yield client
    client.close()


def _configs(admin: KafkaAdminClient, topic: str, keys: list[str]) -> dict[str, str]:
    resource = ConfigResource(ConfigResourceType.TOPIC, topic, keys)
    described = admin.describe_configs([resource], config_filter="all")["topic"][topic]
    return {key: entry["value"] for key, entry in described.items()}


def _partitions(admin: KafkaAdminClient, topic: str) -> int:
    (described,) = admin.describe_topics([topic])
    return len(described["partitions"])


def test_second_apply_creates_nothing(federation: Settings) -> None:
    report = apply_topics(federation)
    assert report.created == []
    assert report.altered == []
    assert len(report.unchanged) == len(TopicNames(federation).specs())


def test_topics_are_configured_as_specified(federation: Settings, admin: KafkaAdminClient) -> None:
    names = TopicNames(federation)
    existing = set(admin.list_topics())
    assert {s.name for s in names.specs()} <= existing
    for topic in names.all_city_topics():
        assert _partitions(admin, topic) == 1
        assert _configs(admin, topic, ["retention.ms", "cleanup.policy"]) == {
            "retention.ms": "-1",
            "cleanup.policy": "delete",
        }
    for code in federation.city_codes:
        topic = names.requests(code)
        assert _partitions(admin, topic) == 1
        assert _configs(admin, topic, ["cleanup.policy"]) == {"cleanup.policy": "compact"}


def test_drift_is_altered_back(federation: Settings, admin: KafkaAdminClient) -> None:
    topic = TopicNames(federation).requests(federation.city_codes[0])
    resource = ConfigResource(ConfigResourceType.TOPIC, topic, {"cleanup.policy": "delete"})
    admin.alter_configs([resource])
    # Config changes reach the broker's metadata cache asynchronously (KRaft).
    _wait_config(admin, topic, "cleanup.policy", "delete")
    report = apply_topics(federation)
    assert report.altered == [topic]
    assert report.created == []
    _wait_config(admin, topic, "cleanup.policy", "compact")


def _wait_config(admin: KafkaAdminClient, topic: str, key: str, value: str) -> None:
    deadline = time.monotonic() + 10
    while _configs(admin, topic, [key]) != {key: value}:
        assert time.monotonic() < deadline, f"{topic} {key} never became {value}"
        time.sleep(0.1)


def test_cli_apply_reports_changes(federation: Settings) -> None:
    if topics.command.name not in cli.commands:
        cli.add_command(topics.command)
    env = process_env(federation)
    result = CliRunner().invoke(cli, ["topics", "apply"], env=env)
    assert result.exit_code == 0, result.output
    assert "0 created, 0 altered" in result.output
    assert isinstance(cli, click.Group)
