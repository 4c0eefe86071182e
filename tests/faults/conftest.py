"""Fixtures of the fault-injection suite: the profile, the seed (printed on failure)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from tests.faults import profile as profiles

_SEED_KEY = pytest.StashKey[int]()


@pytest.fixture(scope="session")
def profile() -> profiles.Profile:
    """The profile of this run (``IVEX_FAULTS_PROFILE``)."""
    return profiles.current()


@pytest.fixture
def seed(request: pytest.FixtureRequest, profile: profiles.Profile) -> int:
    """This test's seed; replay with ``IVEX_FAULTS_SEED=<seed>``."""
    value = profiles.seed()
    request.node.stash[_SEED_KEY] = value
    print(f"faults: profile {profile.name}, seed {value}")
    return value


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    """Name the seed in every failure report, so the run can be replayed."""
    outcome = yield
    report = outcome.get_result()
    value = item.stash.get(_SEED_KEY, None)
    if report.failed and value is not None:
        report.sections.append(
            (
                "faults seed",
                f"replay with IVEX_FAULTS_SEED={value} (profile {profiles.current().name})",
            )
        )
