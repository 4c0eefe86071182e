"""Passwords of principals: environment first, then the 0600 secrets file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ivex.errors import ConfigError
from ivex.passwords import ensure_password, lookup_password
from ivex.settings import DEFAULT_CONFIG, Settings, load_settings


def _settings(tmp_path: Path, **passwords: str) -> Settings:
    return load_settings(DEFAULT_CONFIG).derive(
        access={"secrets_file": tmp_path / "secrets.json", "passwords": passwords}
    )


def test_missing_password_is_generated_once_into_an_owner_only_file(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first, generated = ensure_password(settings, "city-620700")
    again, generated_again = ensure_password(settings, "city-620700")
    assert generated
    assert not generated_again
    assert first == again
    assert len(first) >= 32
    assert stat.S_IMODE(settings.access.secrets_file.stat().st_mode) == 0o600


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    ensure_password(_settings(tmp_path), "operator")
    assert lookup_password(_settings(tmp_path, operator="from-env"), "operator") == "from-env"


def test_the_config_file_may_not_hold_passwords(tmp_path: Path) -> None:
    config = tmp_path / "fed.toml"
    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
        'secrets_file = ".ivex/secrets.json"',
        'secrets_file = ".ivex/secrets.json"\npasswords = { "city-620700" = "oops" }',
    )
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="must not be in the config file"):
        load_settings(config)
