"""server.properties, log4j2 config and cluster ids of the local broker."""

from __future__ import annotations

import base64
from pathlib import Path

from ivex.broker.config import (
    BrokerLayout,
    SecureMode,
    new_cluster_id,
    parse_properties,
    render_log4j2,
    render_server_properties,
)
from ivex.broker.tls import TlsFiles


def _props(tmp_path: Path) -> dict[str, str]:
    text = render_server_properties(data_dir=tmp_path / "data", port=19092, controller_port=19093)
    return parse_properties(text)


def test_combined_kraft_node_on_loopback(tmp_path: Path) -> None:
    props = _props(tmp_path)
    assert props["process.roles"] == "broker,controller"
    assert props["node.id"] == "1"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["controller.listener.names"] == "CONTROLLER"
    assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:19093"
    assert "0.0.0.0" not in props["listeners"]


def test_dev_broker_settings(tmp_path: Path) -> None:
    props = _props(tmp_path)
    assert props["auto.create.topics.enable"] == "false"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    assert props["num.partitions"] == "1"
    assert props["log.dirs"] == str(tmp_path / "data")
    for key in (
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr",
        "share.coordinator.state.topic.replication.factor",
        "default.replication.factor",
    ):
        assert props[key] == "1", key


def test_every_line_is_a_key_value_pair(tmp_path: Path) -> None:
    text = render_server_properties(data_dir=tmp_path, port=1, controller_port=2)
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    assert all("=" in ln for ln in lines)
    assert len({ln.split("=", 1)[0] for ln in lines}) == len(lines)


def test_log4j2_writes_to_the_server_log(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "server.log"
    text = render_log4j2(log)
    assert f"appender.file.fileName = {log}" in text
    assert "rootLogger.appenderRef.file.ref = FILE" in text


def test_cluster_id_is_kafka_shaped() -> None:
    first, second = new_cluster_id(), new_cluster_id()
    assert first != second
    assert len(first) == 22
    assert len(base64.urlsafe_b64decode(first + "==")) == 16


def test_layout_keeps_everything_under_the_state_dir(tmp_path: Path) -> None:
    layout = BrokerLayout(tmp_path)
    for path in (
        layout.data_dir,
        layout.server_properties,
        layout.log4j_config,
        layout.server_log,
        layout.console_log,
        layout.pid_file,
        layout.info_file,
    ):
        assert tmp_path in path.parents


def test_parse_properties_skips_comments() -> None:
    assert parse_properties("# c\n! c\n\na = 1\nb=x=y\n") == {"a": "1", "b": "x=y"}


def test_secure_mode_has_no_plaintext_client_listener(tmp_path: Path) -> None:
    secure = SecureMode(TlsFiles(tmp_path / "tls"), "ivex-admin", "pw")
    props = parse_properties(
        render_server_properties(
            data_dir=tmp_path, port=19092, controller_port=19093, secure=secure
        )
    )
    assert props["listeners"] == "SASL_SSL://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert "PLAINTEXT" not in props["listener.security.protocol.map"]
    assert props["listener.name.controller.ssl.client.auth"] == "required"
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert props["super.users"] == "User:ivex-admin;User:CN=ivex-broker"
    assert props["auto.create.topics.enable"] == "false"
    assert props["ssl.keystore.type"] == "PEM"
