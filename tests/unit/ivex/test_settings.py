"""Federation config loading: file, environment overrides, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivex.errors import ConfigError
from ivex.settings import DEFAULT_CONFIG, load_settings


def test_demo_federation_has_the_five_hexi_cities() -> None:
    settings = load_settings(DEFAULT_CONFIG)
    assert settings.city_codes == ("620200", "620300", "620600", "620700", "620900")
    assert settings.city("620700").name == "Zhangye"
    assert settings.rules.registration_deadline_days == 60


def test_environment_overrides_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVEX_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    monkeypatch.setenv("IVEX_RULES__LATE_TERMINATION_MIN_WEEKS", "16")
    settings = load_settings(DEFAULT_CONFIG)
    assert settings.kafka.bootstrap_servers == "127.0.0.1:19092"
    assert settings.rules.late_termination_min_weeks == 16


def test_settings_are_frozen() -> None:
    settings = load_settings(DEFAULT_CONFIG)
    with pytest.raises(ValueError, match="frozen"):
        settings.kafka.bootstrap_servers = "elsewhere:9092"


def test_missing_file_and_bad_city_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text('[federation]\nname = "x"\n[[cities]]\ncode = "62"\nname = "y"\n')
    with pytest.raises(ConfigError, match=r"cities\.0\.code"):
        load_settings(bad)


def test_pseudonymisation_key_from_env_never_from_file_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = load_settings(DEFAULT_CONFIG)
    monkeypatch.delenv("IVEX_PSEUDONYMISATION_KEY", raising=False)
    with pytest.raises(ConfigError, match="IVEX_PSEUDONYMISATION_KEY"):
        settings.pseudonymisation_key()
    monkeypatch.setenv("IVEX_PSEUDONYMISATION_KEY", "k1")
    assert settings.pseudonymisation_key() == b"k1"


def test_derive_replaces_fields_of_sections_and_keeps_the_rest() -> None:
    settings = load_settings(DEFAULT_CONFIG)
    derived = settings.derive(
        kafka={"bootstrap_servers": "127.0.0.1:1"}, federation={"topic_prefix": "x."}
    )
    assert derived.kafka.bootstrap_servers == "127.0.0.1:1"
    assert derived.federation.topic_prefix == "x."
    assert derived.federation.name == settings.federation.name
    assert settings.kafka.bootstrap_servers != "127.0.0.1:1"
