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

from ivex.access.apply import apply_access
from ivex.access.clients import as_user, process_env
from ivex.access.model import processors_user
from ivex.broker import LocalBroker
from ivex.broker.probe import free_port
from ivex.passwords import ensure_password, lookup_password
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
    # The demo's passwords live in the run directory, never next to the user's own.
    settings = settings.derive(access={"secrets_file": (run_dir / "secrets.json").resolve()})
    admin = settings.access.admin_user
    broker = LocalBroker(broker_settings, admin=(admin, ensure_password(settings, admin)[0]))
    status = broker.start(timeout_s=180.0)
    try:
        derived = settings.derive(
            broker=broker_settings.model_dump(), kafka=_admin_kafka(broker, status.bootstrap, admin)
        )
        if broker_settings.secure:
            apply_access(derived)  # cities, processors, operator, and their ACLs
        yield DemoEnvironment(derived, child_env(derived, config), run_dir)
    finally:
        broker.stop()


def _admin_kafka(broker: LocalBroker, bootstrap: str, admin: str) -> dict[str, str]:
    if not broker.settings.secure:
        return {"bootstrap_servers": bootstrap, "security_protocol": "PLAINTEXT"}
    return {
        "bootstrap_servers": bootstrap,
        "security_protocol": "SASL_SSL",
        "sasl_username": admin,
        "ssl_cafile": str(broker.layout.tls.ca_cert),
    }


def child_env(settings: Settings, config: Path | None) -> dict[str, str]:
    """Environment for child processes (workers) so they reach this broker and prefix —
    as the processors' principal when the federation's access is provisioned."""
    env = dict(os.environ)
    env["IVEX_CONFIG"] = str(config_path(config).resolve())
    env |= process_env(_as_processors(settings))
    key_env = settings.pseudonymisation.key_env
    env.setdefault(key_env, DEMO_KEY)
    os.environ.setdefault(key_env, DEMO_KEY)  # the in-process publisher reads it too
    return env


def _as_processors(settings: Settings) -> Settings:
    """``settings`` as the processors when their principal exists (else unchanged)."""
    secure = settings.kafka.security_protocol.startswith("SASL")
    if secure and lookup_password(settings, processors_user(settings)):
        return as_user(settings, processors_user(settings))
    return settings


def security_line(settings: Settings) -> str:
    """One line saying how the demo's clients authenticate (for the demo's output)."""
    kafka = settings.kafka
    if not kafka.security_protocol.startswith("SASL"):
        return f"Clients connect over {kafka.security_protocol} (no authentication)."
    return (
        f"Secure broker: {kafka.security_protocol} with {kafka.sasl_mechanism}, ACLs per "
        "principal; each city publishes, subscribes and answers as itself, the workers "
        "run as the processors (docs/security.md)."
    )
