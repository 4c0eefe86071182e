"""Shared runs of the simulator: small, so the whole suite stays fast."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from ivex.settings import Settings, load_settings
from ivex.simulation.params import FaultRates, SimParams, build_params
from ivex.simulation.run import SimResult, simulate, write


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The demo federation."""
    return load_settings()


def small_params(settings: Settings, *, seed: int = 3, **faults: float) -> SimParams:
    """A small run (~1,400 births) with default faults unless overridden."""
    return params_with(settings, faults, seed=seed)


def params_with(settings: Settings, faults: Mapping[str, float], *, seed: int = 3) -> SimParams:
    """A small run with some fault rates overridden."""
    return build_params(settings, seed=seed, scale=0.2, faults=FaultRates().override(faults))


@pytest.fixture(scope="session")
def small_run(settings: Settings) -> SimResult:
    """One small default run, in memory."""
    return simulate(small_params(settings))


@pytest.fixture(scope="session")
def small_dir(small_run: SimResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small default run written as CSV."""
    out = tmp_path_factory.mktemp("sim")
    write(small_run, out, "csv")
    return out
