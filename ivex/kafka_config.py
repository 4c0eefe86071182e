"""Kafka client settings derived from :class:`~ivex.settings.Settings`.

Every ivex producer and consumer starts from these, so security settings are set in
one place: :func:`client_config` for kafka-python, :func:`librdkafka_config` for the
librdkafka-based bulk reader (:mod:`ivex.bulk_reader`).
"""

from __future__ import annotations

import ssl
from typing import Any

from ivex.errors import ConfigError
from ivex.passwords import lookup_password
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
            "sasl_plain_password": sasl_password(settings),
        }
    if kafka.security_protocol.endswith("SSL"):
        # An empty CA file means the system's trust store (a broker with a public CA).
        config["ssl_check_hostname"] = True
        if kafka.ssl_cafile:
            config["ssl_cafile"] = kafka.ssl_cafile
    return config


def librdkafka_config(settings: Settings) -> dict[str, str]:
    """The options of :func:`client_config` in librdkafka's (confluent-kafka's) names."""
    kafka = settings.kafka
    config = {
        "bootstrap.servers": kafka.bootstrap_servers,
        "security.protocol": kafka.security_protocol.lower(),
    }
    if kafka.security_protocol.startswith("SASL"):
        config |= {
            "sasl.mechanism": kafka.sasl_mechanism,
            "sasl.username": kafka.sasl_username,
            "sasl.password": sasl_password(settings),
        }
    if kafka.security_protocol.endswith("SSL"):
        # "probe": librdkafka looks for the system's trust store, as kafka-python does
        # when no CA file is given.
        config |= {
            "ssl.endpoint.identification.algorithm": "https",
            "ssl.ca.location": kafka.ssl_cafile or "probe",
        }
    return config


def sasl_password(settings: Settings) -> str:
    """The password of ``kafka.sasl_username``: from settings, else the secrets file.

    Raises :class:`~ivex.errors.ConfigError` when neither has one.
    """
    kafka = settings.kafka
    given = kafka.sasl_password.get_secret_value()
    if given:
        return given
    found = lookup_password(settings, kafka.sasl_username)
    if not found:
        raise ConfigError(
            f"no password for Kafka principal {kafka.sasl_username!r}: set "
            "IVEX_KAFKA__SASL_PASSWORD, or run `ivex access apply` to write it to "
            f"{settings.access.secrets_file}"
        )
    return found


def producer_config(settings: Settings) -> dict[str, Any]:
    """Durable producer: acks from every in-sync replica, idempotent, crc32c-accelerated."""
    return client_config(settings) | {
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 5,
        "retries": 2147483647,
        "max_in_flight_requests_per_connection": 5,
    }


def ssl_context(settings: Settings) -> ssl.SSLContext:
    """A TLS context trusting ``kafka.ssl_cafile`` (else the system's CAs), host names checked.

    For clients that take a context rather than a CA path (aiokafka, Faust).
    """
    cafile = settings.kafka.ssl_cafile
    try:
        return ssl.create_default_context(cafile=cafile or None)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"kafka.ssl_cafile {cafile!r} is not a readable PEM CA certificate ({exc}); "
            "point it at the broker's CA (the local broker's is <state_dir>/tls/ca.pem)"
        ) from exc
