"""Client security comes from settings, in one place."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivex.errors import ConfigError
from ivex.kafka_config import client_config, librdkafka_config, producer_config, ssl_context
from ivex.settings import DEFAULT_CONFIG, Settings, load_settings


def _settings(tmp_path: Path, **kafka: str) -> Settings:
    return load_settings(DEFAULT_CONFIG).derive(
        kafka=kafka, access={"secrets_file": tmp_path / "secrets.json"}
    )


def test_sasl_ssl_clients_log_in_and_trust_the_configured_ca(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path, sasl_username="city-620700", sasl_password="pw", ssl_cafile="/ca.pem"
    )
    config = producer_config(settings)
    assert config["security_protocol"] == "SASL_SSL"
    assert config["sasl_mechanism"] == "SCRAM-SHA-512"
    assert config["sasl_plain_username"] == "city-620700"
    assert config["sasl_plain_password"] == "pw"
    assert config["ssl_cafile"] == "/ca.pem"
    assert config["ssl_check_hostname"] is True


def test_password_missing_everywhere_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ivex access apply"):
        client_config(_settings(tmp_path, sasl_username="nobody"))


def test_an_unreadable_ca_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ssl_cafile"):
        ssl_context(_settings(tmp_path, ssl_cafile=str(tmp_path / "missing.pem")))


def test_plaintext_has_no_security_options(tmp_path: Path) -> None:
    config = client_config(_settings(tmp_path, security_protocol="PLAINTEXT"))
    assert "sasl_mechanism" not in config
    assert "ssl_cafile" not in config


def test_librdkafka_clients_get_the_same_security_in_its_names(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        bootstrap_servers="b1:9093,b2:9093",
        security_protocol="SASL_SSL",
        sasl_username="city-620700",
        sasl_password="pw",
        ssl_cafile="/ca.pem",
    )
    assert librdkafka_config(settings) == {
        "bootstrap.servers": "b1:9093,b2:9093",
        "security.protocol": "sasl_ssl",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "city-620700",
        "sasl.password": "pw",
        "ssl.endpoint.identification.algorithm": "https",
        "ssl.ca.location": "/ca.pem",
    }


def test_librdkafka_without_a_ca_file_uses_the_system_trust_store(tmp_path: Path) -> None:
    settings = _settings(tmp_path, security_protocol="SSL", ssl_cafile="")
    config = librdkafka_config(settings)
    assert config["ssl.ca.location"] == "probe"
    assert "sasl.username" not in config


def test_librdkafka_plaintext_has_no_security_options(tmp_path: Path) -> None:
    config = librdkafka_config(_settings(tmp_path, security_protocol="PLAINTEXT"))
    assert set(config) == {"bootstrap.servers", "security.protocol"}
    assert config["security.protocol"] == "plaintext"


def test_librdkafka_password_missing_everywhere_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ivex access apply"):
        librdkafka_config(_settings(tmp_path, sasl_username="nobody"))
