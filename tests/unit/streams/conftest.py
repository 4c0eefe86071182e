"""Fixtures of the streams-driver unit tests: the demo federation's settings."""

from __future__ import annotations

import pytest

from ivex.broker.tls import TlsFiles, ensure_tls
from ivex.settings import DEFAULT_CONFIG, Settings, load_settings


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The demo federation (five cities), topic prefix ``u.``, as a SASL_SSL client of a
    broker whose CA is generated here (nothing connects in unit tests)."""
    tls = ensure_tls(TlsFiles(tmp_path_factory.mktemp("tls")))
    return load_settings(DEFAULT_CONFIG).derive(
        federation={"topic_prefix": "u."},
        kafka={"sasl_password": "unit-test", "ssl_cafile": str(tls.ca_cert)},
    )
