"""The local broker end to end: `ivex broker start/status/stop` and real clients."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

from ivex.broker.probe import free_ports
from ivex.cli import broker
from ivex.cli.main import cli

pytestmark = pytest.mark.integration


def _cli() -> click.Group:
    if broker.command.name not in cli.commands:
        cli.add_command(broker.command)
    return cli


def _java_processes_with(marker: str) -> list[int]:
    """Pids of live processes whose command line mentions ``marker`` (read from /proc)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (proc / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            pids.append(int(proc.name))
    return pids


def _admin_security(state: Path) -> dict[str, Any]:
    """kafka-python options of the secure broker's admin (password from the secrets file)."""
    secrets = json.loads((state.parent / "secrets.json").read_text())
    return {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "ivex-admin",
        "sasl_plain_password": secrets["ivex-admin"],
        "ssl_cafile": str(state / "tls" / "ca.pem"),
    }


def _produce_consume(bootstrap: str, security: dict[str, Any]) -> None:
    topic = f"smoke.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, **security)
    admin.create_topics({topic: {"num_partitions": 1}}, wait_for_metadata=True)
    admin.close()
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, **security
    )
    producer.send(topic, key=b"k", value=b"hello").get(timeout=30)
    producer.close()
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        **security,
        group_id=f"g.{topic}",
        auto_offset_reset="earliest",
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    values: list[bytes] = []
    deadline = time.monotonic() + 30
    while not values and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            values += [m.value for m in records]
    consumer.close()
    assert values == [b"hello"]
    asyncio.run(_aiokafka_roundtrip(bootstrap, topic, security))


async def _aiokafka_roundtrip(bootstrap: str, topic: str, security: dict[str, Any]) -> None:
    # faust-streaming talks to Kafka through aiokafka: prove that client too.
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
    from aiokafka.helpers import create_ssl_context

    aio = {k: v for k, v in security.items() if k != "ssl_cafile"}
    aio["ssl_context"] = create_ssl_context(cafile=security["ssl_cafile"])
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, **aio)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"aio", key=b"a")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"a.{topic}",
        auto_offset_reset="earliest",
        **aio,
    )
    await consumer.start()
    try:
        seen: list[bytes] = []
        while len(seen) < 2:
            batch = await asyncio.wait_for(consumer.getmany(timeout_ms=1000), 30)
            seen += [m.value for msgs in batch.values() for m in msgs]
    finally:
        await consumer.stop()
    assert seen == [b"hello", b"aio"]


def test_broker_lifecycle_via_cli(tmp_path: Path) -> None:
    state = tmp_path / "broker"
    port, controller_port = free_ports(2)
    env = {
        "IVEX_BROKER__STATE_DIR": str(state),
        "IVEX_BROKER__PORT": str(port),
        "IVEX_BROKER__CONTROLLER_PORT": str(controller_port),
        "IVEX_ACCESS__SECRETS_FILE": str(tmp_path / "secrets.json"),
    }
    runner = CliRunner()
    bootstrap = f"127.0.0.1:{port}"
    try:
        started = runner.invoke(_cli(), ["broker", "start"], env=env)
        assert started.exit_code == 0, started.output
        assert f"Broker started on {bootstrap}" in started.output

        status = runner.invoke(_cli(), ["broker", "status"], env=env, terminal_width=200)
        assert status.exit_code == 0, status.output
        assert "running" in status.output
        assert bootstrap in status.output
        assert str(state) in status.output.replace("\n", "").replace(" ", "")

        again = runner.invoke(_cli(), ["broker", "start"], env=env)
        assert again.exit_code == 0, again.output
        assert "already running" in again.output

        # Secure by default: SASL_SSL only, the admin's password generated at first start.
        _produce_consume(bootstrap, _admin_security(state))
    finally:
        stopped = runner.invoke(_cli(), ["broker", "stop"], env=env)
    assert stopped.exit_code == 0, stopped.output
    assert "Broker stopped." in stopped.output
    assert _java_processes_with(str(state)) == []
    assert not (state / "broker.pid").exists()
    assert (state / "logs" / "server.log").stat().st_size > 0

    second = runner.invoke(_cli(), ["broker", "stop"], env=env)
    assert "not running" in second.output
