"""Status and stop of the local broker without starting a JVM."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from ivex.broker import LocalBroker, process
from ivex.errors import BrokerError
from ivex.settings import BrokerSettings


def _broker(tmp_path: Path) -> LocalBroker:
    return LocalBroker(BrokerSettings(port=19092, controller_port=19093, state_dir=tmp_path))


def test_status_of_a_fresh_state_dir(tmp_path: Path) -> None:
    status = _broker(tmp_path).status()
    assert not status.running
    assert status.pid is None
    assert status.bootstrap == "127.0.0.1:19092"
    assert status.state_dir == tmp_path.resolve()


def test_stop_when_stopped_is_fine(tmp_path: Path) -> None:
    assert _broker(tmp_path).stop() is False


def test_a_recycled_pid_is_never_signalled(tmp_path: Path) -> None:
    broker = _broker(tmp_path)
    # The pid file names a live process that is not this broker: pytest itself.
    broker.layout.pid_file.write_text(f"{os.getpid()}\n")
    assert not broker.status().running
    assert broker.stop() is False
    assert not broker.layout.pid_file.exists()


def test_a_cluster_id_starting_with_a_dash_is_one_argument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: ``-t -abc…`` made Kafka's argparse fail about one run in 64."""
    seen: list[list[str]] = []

    def fake_run(cmd: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        seen.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(process, "new_cluster_id", lambda: "-startsWithDash0000000")
    monkeypatch.setattr(subprocess, "run", fake_run)
    broker = LocalBroker(BrokerSettings(state_dir=tmp_path), admin=("ivex-admin", "pw"))
    broker.layout.logs_dir.mkdir(parents=True)
    broker._format_storage("java", tmp_path)
    assert "--cluster-id=-startsWithDash0000000" in seen[0]
    # The secure broker's admin exists from the start: SCRAM users are added at format.
    assert "SCRAM-SHA-512=[name=ivex-admin,password=pw]" in seen[0]


def test_a_secure_broker_without_admin_credentials_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BrokerError, match="admin"):
        LocalBroker(BrokerSettings(state_dir=tmp_path)).client_security()
