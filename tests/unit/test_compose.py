"""docker-compose.yml and Dockerfile, checked by parsing (no Docker engine needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ivex.settings import DEFAULT_CONFIG, load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_kafka_is_the_official_image_at_the_pinned_version(compose: dict[str, Any]) -> None:
    version = load_settings(DEFAULT_CONFIG).broker.kafka_version
    assert compose["services"]["kafka"]["image"] == f"apache/kafka:{version}"


def test_kafka_is_a_single_kraft_node_without_auto_create(compose: dict[str, Any]) -> None:
    env = compose["services"]["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093"
    assert "ZOOKEEPER" not in " ".join(env)
    assert all(p.startswith("127.0.0.1:") for p in compose["services"]["kafka"]["ports"])


def test_topics_are_applied_once_before_the_worker(compose: dict[str, Any]) -> None:
    services = compose["services"]
    topics, worker = services["topics"], services["ivex-worker"]
    assert topics["command"] == ["ivex", "topics", "apply"]
    assert topics["restart"] == "no"
    assert topics["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert worker["command"] == ["ivex", "streams", "worker"]
    assert worker["depends_on"]["topics"]["condition"] == "service_completed_successfully"


def test_ivex_services_are_built_here_and_reach_kafka_inside(compose: dict[str, Any]) -> None:
    for name in ("topics", "ivex-worker"):
        service = compose["services"][name]
        assert service["build"] == "."
        assert service["environment"]["IVEX_KAFKA__BOOTSTRAP_SERVERS"] == "kafka:9092"


def test_dockerfile_installs_the_package() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in text.splitlines()
    assert "RUN pip install ." in text
    assert "IVEX_CONFIG=/app/config/hexi.toml" in text
