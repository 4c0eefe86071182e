"""kafka-python client settings derived from :class:`~ivex.settings.Settings`.

Every ivex producer and consumer starts from these, so security settings are set in
one place.
"""

from __future__ import annotations

from typing import Any

from ivex.settings import Settings


def client_config(settings: Settings) -> dict[str, Any]:
    """Connection and security options common to producers, consumers and admin clients."""
    kafka = settings.kafka
    config: dict[str, Any] = {
        "bootstrap_servers": kafka.bootstrap_servers.split(","),
        "security_protocol": kafka.security_protocol,
    }
    if kafka.security_protocol.startswith("SASL"):
        config |= {
            "sasl_mechanism": kafka.sasl_mechanism,
            "sasl_plain_username": kafka.sasl_username,
            "sasl_plain_password": kafka.sasl_password.get_secret_value(),
        }
    return config


def producer_config(settings: Settings) -> dict[str, Any]:
    """Durable producer: acks from every in-sync replica, idempotent, crc32c-accelerated."""
    return client_config(settings) | {
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 5,
        "retries": 2147483647,
        "max_in_flight_requests_per_connection": 5,
    }
