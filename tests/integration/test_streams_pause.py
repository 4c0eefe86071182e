"""A worker stopped longer than its session timeout (SIGSTOP: a frozen VM, a swapped-out
process) notices it when it runs again, processes nothing until the group assigned it
its partitions again (:mod:`streams.pause_guard`), and then works on as before."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from ivex.settings import Settings
from tests.integration.streams_helpers import (
    WorkerProcess,
    delete_app_topics,
    running_workers,
    wait_until,
)
from tests.integration.test_streams_worker import (
    KEY,
    expected_requests,
    publish_scenario,
    wait_for_requests,
)

pytestmark = pytest.mark.integration

APP_ID = "it-pause"
#: Longer than the workers' 6 s session timeout: the group evicts the worker.
PAUSE_S = 8.0


def test_a_worker_stopped_past_its_session_timeout_waits_for_its_partitions(
    federation: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVEX_PSEUDONYMISATION_KEY", KEY)
    worker = WorkerProcess(federation, APP_ID, tmp_path / "w", tmp_path / "w.log")
    try:
        with running_workers([worker]):
            worker.wait_ready()
            publish_scenario(federation, complete=False)
            worker.signal(signal.SIGSTOP)
            time.sleep(PAUSE_S)
            worker.signal(signal.SIGCONT)
            wait_until(lambda: "stood still" in worker.log_text() or None, 20.0, "the fence")
            wait_until(
                lambda: "processing again" in worker.log_text() or None, 60.0, "the reassignment"
            )
            publish_scenario(federation)  # the same again (absorbed), and the watermarks
            wait_for_requests(federation, expected_requests("OVERDUE"), [worker])
    finally:
        delete_app_topics(federation, APP_ID)
