"""A private, throwaway Kafka for one demo run.

The demo never touches a broker the user runs: it starts its own in the run directory,
on free loopback ports, and stops it at the end. Child processes (stream workers,
subscribers) find it through ``IVEX_*`` environment overrides.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ivex.broker import LocalBroker
from ivex.broker.probe import free_port
from ivex.settings import Settings, config_path

#: The demo's pseudonymisation key when the user has not set one: a demo is not production.
DEMO_KEY = "ivex-demo-key-not-for-production"


@dataclass(frozen=True)
class DemoEnvironment:
    """Settings pointing at the demo broker, and the environment for child processes."""

    settings: Settings
    env: dict[str, str]
    run_dir: Path


@contextmanager
def demo_environment(
    settings: Settings, run_dir: Path, config: Path | None
) -> Iterator[DemoEnvironment]:
    """Start a fresh broker under ``run_dir``; yield settings for it; stop it afterwards."""
    if run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True)
    broker_settings = settings.broker.model_copy(
        update={
            "port": free_port(),
            "controller_port": free_port(),
            "state_dir": (run_dir / "broker").resolve(),
        }
    )
    broker = LocalBroker(broker_settings)
    status = broker.start(timeout_s=180.0)
    try:
        derived = settings.derive(
            broker=broker_settings.model_dump(), kafka={"bootstrap_servers": status.bootstrap}
        )
        yield DemoEnvironment(derived, child_env(derived, config), run_dir)
    finally:
        broker.stop()


def child_env(settings: Settings, config: Path | None) -> dict[str, str]:
    """Environment for child processes (workers) so they reach this broker and prefix."""
    env = dict(os.environ)
    env["IVEX_CONFIG"] = str(config_path(config).resolve())
    env["IVEX_KAFKA__BOOTSTRAP_SERVERS"] = settings.kafka.bootstrap_servers
    env["IVEX_FEDERATION__TOPIC_PREFIX"] = settings.federation.topic_prefix
    key_env = settings.pseudonymisation.key_env
    env.setdefault(key_env, DEMO_KEY)
    os.environ.setdefault(key_env, DEMO_KEY)  # the in-process publisher reads it too
    return env
