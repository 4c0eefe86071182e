"""The access model on the real, secure broker: what each principal may and may not do."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import (
    GroupAuthorizationFailedError,
    KafkaTimeoutError,
    SaslAuthenticationFailedError,
    TopicAuthorizationFailedError,
)

from ivex.access.apply import apply_access, revoke_access
from ivex.access.clients import client_env
from ivex.cli import access as access_cli
from ivex.cli.main import cli
from ivex.kafka_config import client_config, producer_config
from ivex.settings import Settings
from ivex.topics import TopicNames, internal_topic_name
from tests.fixtures.kafka import Access, KafkaCluster

pytestmark = pytest.mark.integration

OWN, OTHER = "620700", "620600"


def _send(settings: Settings, topic: str, value: bytes = b"v") -> None:
    producer = KafkaProducer(**producer_config(settings))
    try:
        producer.send(topic, key=b"k", value=value).get(timeout=30)
    finally:
        producer.close()


def _read_all(settings: Settings, topic: str, group: str) -> list[bytes]:
    consumer = KafkaConsumer(
        **client_config(settings),
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    consumer.subscribe([topic])
    values: list[bytes] = []
    deadline = time.monotonic() + 30
    try:
        while not values and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                values += [m.value for m in records]
    finally:
        consumer.close()
    return values


def _offsets(settings: Settings, topic: str) -> Any:
    consumer = KafkaConsumer(**client_config(settings), group_id=None)
    try:
        return consumer.beginning_offsets([TopicPartition(topic, 0)])
    finally:
        consumer.close()


def test_city_writes_its_own_topics_and_reads_what_is_addressed_to_it(
    federation: Settings, access: Access
) -> None:
    names, city = TopicNames(federation), access.city(OWN)
    for topic in (names.city(OWN, "births"), names.responses(OWN), names.dlq(OWN)):
        _send(city, topic)
    for topic in (names.requests(OWN), names.notices(OWN)):
        _send(federation, topic, b"for-own")  # the admin stands in for the processors
    group = f"{federation.federation.topic_prefix}city.{OWN}.sub-test"
    assert _read_all(city, names.requests(OWN), group) == [b"for-own"]
    assert _read_all(city, names.notices(OWN), group + "2") == [b"for-own"]
    assert _read_all(city, names.dlq(OWN), group + "3") == [b"v"]


def test_city_cannot_read_another_citys_requests(federation: Settings, access: Access) -> None:
    names = TopicNames(federation)
    _send(federation, names.requests(OTHER), b"secret")
    with pytest.raises(TopicAuthorizationFailedError):
        _offsets(access.city(OWN), names.requests(OTHER))
    # A subscription to it delivers nothing either.
    group = f"{federation.federation.topic_prefix}city.{OWN}.sub-peek"
    consumer = KafkaConsumer(**client_config(access.city(OWN)), group_id=group)
    consumer.subscribe([names.requests(OTHER)])
    try:
        polled = [consumer.poll(timeout_ms=500) for _ in range(4)]
    finally:
        consumer.close()
    assert all(not batch for batch in polled)


def test_city_cannot_write_another_citys_stream(federation: Settings, access: Access) -> None:
    with pytest.raises(TopicAuthorizationFailedError):
        _send(access.city(OWN), TopicNames(federation).city(OTHER, "births"))


def test_city_cannot_join_another_citys_group(federation: Settings, access: Access) -> None:
    names = TopicNames(federation)
    _send(federation, names.requests(OWN))
    group = f"{federation.federation.topic_prefix}city.{OTHER}.sub-test"
    consumer = KafkaConsumer(**client_config(access.city(OWN)), group_id=group)
    consumer.subscribe([names.requests(OWN)])
    try:
        with pytest.raises(GroupAuthorizationFailedError):
            _poll_a_while(consumer)
    finally:
        consumer.close()


def _poll_a_while(consumer: KafkaConsumer) -> None:
    for _ in range(20):
        consumer.poll(timeout_ms=500)


def test_city_cannot_use_the_processors_topics(federation: Settings, access: Access) -> None:
    names, city = TopicNames(federation), access.city(OWN)
    for topic in (names.requests(OWN), names.escalations, names.processing_errors):
        with pytest.raises(TopicAuthorizationFailedError):
            _send(city, topic)
    internal = internal_topic_name(federation, "ivex-case-engine")
    with pytest.raises(TopicAuthorizationFailedError):
        _send(city, internal)


def test_city_cannot_create_a_topic(federation: Settings, access: Access) -> None:
    admin = KafkaAdminClient(**client_config(access.city(OWN)))
    try:
        name = f"{TopicNames(federation).city(OWN, 'births')}-extra"
        with pytest.raises(TopicAuthorizationFailedError):
            admin.create_topics([NewTopic(name, 1, 1)])
    finally:
        admin.close()


def test_processors_and_operator_stay_in_their_lanes(federation: Settings, access: Access) -> None:
    names = TopicNames(federation)
    _send(access.city(OWN), names.city(OWN, "births"))
    _send(access.processors, names.requests(OTHER))
    with pytest.raises(TopicAuthorizationFailedError):
        _send(access.processors, names.city(OWN, "births"))
    assert _offsets(access.operator, names.requests(OTHER))
    _send(access.operator, names.requests(OTHER))  # `ivex audit rederive --repair`
    with pytest.raises(TopicAuthorizationFailedError):
        _send(access.operator, names.city(OWN, "births"))


def test_wrong_password_fails_authentication(
    federation: Settings,
    access: Access,
    kafka_cluster: KafkaCluster,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = access.city(OWN).derive(kafka={"sasl_password": "not-the-password"})
    caplog.set_level(logging.WARNING, logger="kafka")
    log = kafka_cluster.server_log
    seen = log.stat().st_size if log is not None else 0
    refused: list[str] = []
    # kafka-python retries the bootstrap and logs each failed attempt with its cause; an
    # attempt may also just see the socket close (the broker drops the connection after
    # its refusal, and under load the close can win): the refusal then shows in the
    # broker's own log. Either way it never gets in.
    for _ in range(5):
        with pytest.raises(KafkaTimeoutError):
            KafkaAdminClient(**client_config(wrong), bootstrap_timeout_ms=3000)
        causes = [a for r in caplog.records for a in (r.args or ()) if isinstance(a, Exception)]
        refused = [str(c) for c in causes if isinstance(c, SaslAuthenticationFailedError)]
        refused += _broker_refusals(log, seen)
        if refused:
            break
    assert refused, caplog.text
    assert "invalid credentials" in refused[0]
    KafkaAdminClient(**client_config(access.city(OWN)), bootstrap_timeout_ms=10000).close()


def _broker_refusals(log: Path | None, since: int) -> list[str]:
    """The broker's "Failed authentication" lines written after byte ``since`` of its log."""
    if log is None:
        return []
    with log.open("rb") as handle:
        handle.seek(since)
        text = handle.read().decode("utf-8", "replace")
    return [line for line in text.splitlines() if "Failed authentication" in line]


def test_access_apply_twice_changes_nothing_the_second_time(federation: Settings) -> None:
    env = client_env(federation) | {
        "IVEX_FEDERATION__TOPIC_PREFIX": federation.federation.topic_prefix,
        "IVEX_ACCESS__SECRETS_FILE": str(federation.access.secrets_file),
    }
    if access_cli.command.name not in cli.commands:
        cli.add_command(access_cli.command)
    runner = CliRunner()
    try:
        first = runner.invoke(cli, ["access", "apply"], env=env, terminal_width=200)
        assert first.exit_code == 0, first.output
        assert "7 added" in first.output
        assert "(changed)" in first.output
        second = runner.invoke(cli, ["access", "apply"], env=env, terminal_width=200)
        assert second.exit_code == 0, second.output
        assert "0 added, 0 removed, 7 left alone" in second.output
        assert "(nothing to change)" in second.output
        assert not apply_access(federation).changed
        exported = runner.invoke(
            cli, ["access", "client-config", "--city", OWN], env=env, terminal_width=400
        )
        assert exported.exit_code == 0, exported.output
        assert f'username="{federation.federation.topic_prefix}city-{OWN}"' in exported.output
        assert "security.protocol=SASL_SSL" in exported.output
        assert oct(os.stat(federation.access.secrets_file).st_mode & 0o777) == "0o600"
    finally:
        revoke_access(federation)
