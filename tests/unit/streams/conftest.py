"""Fixtures of the streams-driver unit tests: the demo federation's settings."""

from __future__ import annotations

import pytest

from ivex.settings import DEFAULT_CONFIG, Settings, load_settings


@pytest.fixture(scope="module")
def settings() -> Settings:
    """The demo federation (five cities), topic prefix ``u.``."""
    base = load_settings(DEFAULT_CONFIG)
    return base.model_copy(
        update={"federation": base.federation.model_copy(update={"topic_prefix": "u."})}
    )
