"""The typed, frozen settings of ivex.

One :class:`Settings` object is built at start-up by :func:`load_settings` from the
federation config file (TOML) plus ``IVEX_*`` environment overrides; nothing is read on
import. Nested keys are overridden with a double underscore, e.g.
``IVEX_KAFKA__BOOTSTRAP_SERVERS=127.0.0.1:19092``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from ivex.errors import ConfigError

#: Used when neither ``--config`` nor ``IVEX_CONFIG`` names a file.
DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "hexi.toml"

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class City(BaseModel):
    """A member city, identified by its 6-digit GB/T 2260 division code."""

    model_config = _FROZEN
    code: str = Field(pattern=r"^\d{6}$")
    name: str
    name_zh: str = ""


class FederationInfo(BaseModel):
    """Name of the federation and the prefix of every topic it owns."""

    model_config = _FROZEN
    name: str
    #: Prepended to every topic name; lets tests and demos share one broker.
    topic_prefix: str = ""


class Pseudonymisation(BaseModel):
    """Where the federation's HMAC key comes from; never the key itself."""

    model_config = _FROZEN
    key_env: str = "IVEX_PSEUDONYMISATION_KEY"
    key_file: str = ""


class KafkaSettings(BaseModel):
    """How clients reach the cluster."""

    model_config = _FROZEN
    bootstrap_servers: str = "127.0.0.1:9092"
    security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL"] = "PLAINTEXT"
    sasl_mechanism: str = "SCRAM-SHA-512"
    #: The principal this process connects as (a city, the processors, the operator).
    sasl_username: str = ""
    #: Empty: looked up for ``sasl_username`` in the secrets file (``access.secrets_file``).
    sasl_password: SecretStr = SecretStr("")
    #: PEM file of the CA that signed the brokers' certificates (SSL, SASL_SSL).
    ssl_cafile: str = ""


class BrokerSettings(BaseModel):
    """The local single-node KRaft broker used for development, tests and the demo."""

    model_config = _FROZEN
    #: Apache Kafka release resolved from Maven Central (org.apache.kafka:kafka_2.13).
    kafka_version: str = "4.1.1"
    port: int = 9092
    controller_port: int = 9093
    #: Jars are cached here, outside the repository, and shared by every checkout.
    cache_dir: Path = Path.home() / ".cache" / "ivex" / "kafka"
    #: Data, logs and pid file of the running broker.
    state_dir: Path = Path(".ivex") / "broker"
    heap: str = "512m"
    #: SASL_SSL (SCRAM-SHA-512) listener with ACLs; False: an open PLAINTEXT listener.
    secure: bool = True


class AccessSettings(BaseModel):
    """Principals of the federation and where their passwords live (see docs/security.md).

    Passwords never live in the federation config: they come from ``passwords``
    (environment only, ``IVEX_ACCESS__PASSWORDS='{"city-620700": "…"}'``) or else from
    ``secrets_file`` (JSON, mode 0600), where ``ivex access apply`` writes the ones it
    generates.
    """

    model_config = _FROZEN
    secrets_file: Path = Path(".ivex") / "secrets.json"
    #: The broker's super user, created when its storage is formatted.
    admin_user: str = "ivex-admin"
    #: The stream processors' principal (``<topic_prefix>`` is prepended).
    processors_user: str = "processors"
    #: The operator's principal (``<topic_prefix>`` is prepended).
    operator_user: str = "operator"
    #: Faust app ids the processors may run under (prefix of groups and internal topics).
    processors_app_prefix: str = "ivex-"
    passwords: dict[str, SecretStr] = Field(default_factory=dict)


class RuleSettings(BaseModel):
    """Parameters of the case rules (docs/rules.md); the defaults are the documented ones."""

    model_config = _FROZEN
    outcome_window_before_edd_days: int = 280
    outcome_window_after_edd_days: int = 42
    outcome_respond_days: int = 15
    registration_deadline_days: int = 60
    registration_match_tolerance_days: int = 1
    birth_not_registered_respond_days: int = 30
    birth_grace_after_registration_days: int = 30
    registration_without_birth_respond_days: int = 30
    late_termination_min_weeks: int = 14
    late_termination_respond_days: int = 15
    duplicate_registration_respond_days: int = 30
    #: Deadline days end at midnight in this zone (China Standard Time).
    timezone_offset_hours: int = 8


class SrbSettings(BaseModel):
    """Sex-ratio-at-birth monitoring (docs/srb.md)."""

    model_config = _FROZEN
    normal_low: float = 103.0
    normal_high: float = 107.0
    #: Below this many births (male + female) the status is INSUFFICIENT_DATA.
    min_births: int = 200
    confidence: float = 0.95


class Settings(BaseSettings):
    """Everything an ivex process needs to know, read once at start-up."""

    model_config = SettingsConfigDict(
        frozen=True, extra="forbid", env_prefix="IVEX_", env_nested_delimiter="__"
    )

    federation: FederationInfo
    cities: tuple[City, ...]
    pseudonymisation: Pseudonymisation = Pseudonymisation()
    kafka: KafkaSettings = KafkaSettings()
    broker: BrokerSettings = BrokerSettings()
    access: AccessSettings = AccessSettings()
    rules: RuleSettings = RuleSettings()
    srb: SrbSettings = SrbSettings()

    @field_validator("cities")
    @classmethod
    def _unique_cities(cls, cities: tuple[City, ...]) -> tuple[City, ...]:
        codes = [c.code for c in cities]
        if len(set(codes)) != len(codes):
            raise ValueError("city codes must be unique")
        if not codes:
            raise ValueError("a federation needs at least one city")
        return cities

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment overrides the file, which arrives as init kwargs.
        return env_settings, init_settings

    def derive(self, **sections: Mapping[str, Any]) -> Settings:
        """A copy with fields of some sections replaced, e.g. ``derive(kafka={...})``."""
        # Validated, so plain strings become SecretStr/Path like they do from the file.
        update = {
            name: type(getattr(self, name)).model_validate(
                getattr(self, name).model_dump() | dict(values)
            )
            for name, values in sections.items()
        }
        return self.model_copy(update=update)

    @property
    def city_codes(self) -> tuple[str, ...]:
        """Member city codes in config order."""
        return tuple(c.code for c in self.cities)

    def city(self, code: str) -> City:
        """The member city with this code, or :class:`ConfigError`."""
        for c in self.cities:
            if c.code == code:
                return c
        raise ConfigError(f"city {code!r} is not a member of the federation")

    def pseudonymisation_key(self) -> bytes:
        """The federation's HMAC key, from the environment or the key file."""
        value = os.environ.get(self.pseudonymisation.key_env, "")
        if value:
            return value.encode("utf-8")
        if self.pseudonymisation.key_file:
            path = Path(self.pseudonymisation.key_file)
            if path.is_file():
                return path.read_bytes().strip()
        raise ConfigError(
            f"no pseudonymisation key: set {self.pseudonymisation.key_env} or "
            "pseudonymisation.key_file in the federation config"
        )


def config_path(path: str | Path | None = None) -> Path:
    """The config file to use: the argument, else ``IVEX_CONFIG``, else the demo federation."""
    if path is not None:
        return Path(path)
    env = os.environ.get("IVEX_CONFIG")
    return Path(env) if env else DEFAULT_CONFIG


def load_settings(path: str | Path | None = None) -> Settings:
    """Read the federation config file plus environment overrides into :class:`Settings`."""
    source = config_path(path)
    try:
        data: dict[str, Any] = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError("federation config not found", source=str(source)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", source=str(source)) from exc
    if data.get("access", {}).get("passwords"):
        raise ConfigError(
            "access.passwords must not be in the config file: use the secrets file or "
            "IVEX_ACCESS__PASSWORDS",
            source=str(source),
        )
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc), source=str(source)) from exc


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)
