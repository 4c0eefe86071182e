"""A small simulated federation end to end through the real broker and real workers.

The same pipeline as ``make demo`` (simulate → publish on each city's schedule → two
stream workers → verify), on the session broker with a fresh topic prefix; then the
audit re-derivation must agree with what the workers put on the requests topics.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from ivex.codec import Codec
from ivex.demo.environment import DemoEnvironment, child_env
from ivex.demo.run import DemoOptions, run_pipeline
from ivex.settings import Settings
from ivex.verify import requests_on_topics
from streams.rederive import rederive
from tests.fixtures.kafka import Access
from tests.integration.privacy_scan import federation_topics, leaks_in_files, leaks_in_topics

pytestmark = pytest.mark.integration


def test_small_federation_raises_exactly_the_ground_truth(
    federation: Settings, access: Access, tmp_path: Path
) -> None:
    """Cities publish, subscribe and answer as themselves; the workers run as the
    processors (child_env picks their principal once it is provisioned)."""
    env = DemoEnvironment(federation, child_env(federation, None), tmp_path)
    options = DemoOptions(run_dir=tmp_path, scale=0.05, months=12, batch_every=30)

    report = run_pipeline(Console(width=120), env, options)

    assert report.expected > 0
    assert report.ok, (report.missing, report.extra, report.differing)
    # The privacy scan after the demo's pipeline: the simulated input files (sim/) are
    # full of ID numbers by design; nothing the exchange wrote may hold one.
    topics = federation_topics(federation)
    assert any(t.endswith("-changelog") for t in topics), topics
    scanned, leaks = leaks_in_topics(federation, topics)
    assert scanned > 100
    assert leaks == []
    written = [p for p in tmp_path.iterdir() if p.name != "sim"]
    assert any(p.name == "workers" for p in written), written
    assert [leak for p in written for leak in leaks_in_files(p)] == []


def test_rederivation_agrees_with_the_live_requests(
    federation: Settings, access: Access, tmp_path: Path
) -> None:
    env = DemoEnvironment(federation, child_env(federation, None), tmp_path)
    run_pipeline(Console(width=120), env, DemoOptions(run_dir=tmp_path, scale=0.03,
                                                       batch_every=30))  # fmt: skip

    derived = {rid: r.to_avro() for rid, r in rederive(federation).requests.items()}
    live = requests_on_topics(federation)

    # Compare encoded bytes: decoded values (UUID, datetime) and to_avro() values differ
    # in Python type but must encode identically.
    codec = Codec()
    assert derived.keys() == live.keys()
    for rid, request in derived.items():
        encoded = codec.encode("AssistanceRequest", request)
        assert codec.encode("AssistanceRequest", live[rid]) == encoded, rid
