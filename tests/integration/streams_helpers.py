"""Helpers of the streams-worker integration tests: worker processes, reference outputs
computed with the pure engine and lifecycle, and what the assist topics hold."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from kafka import KafkaAdminClient

from ivex.access.clients import process_env
from ivex.codec import Codec
from ivex.demo.settle import partition_lag, wait_for_members
from ivex.kafka_config import client_config
from ivex.settings import Settings
from ivex.topic_reader import LogRecord, read_topics
from ivex.topics import TopicNames, faust_id
from streams.engine.facts import epoch_ms
from streams.engine.outputs import NoticeOut, RequestOut
from streams.rederive import rederive
from tests.fixtures.diagnosis import diagnose

IVEX = Path(sys.executable).parent / "ivex"
READY = "[^Worker]: Ready"
T = TypeVar("T")


@dataclass
class WorkerProcess:
    """One ``ivex streams worker`` subprocess of the test federation."""

    settings: Settings
    app_id: str
    data_dir: Path
    log_path: Path
    #: ``batch`` (the default) or ``faust``.
    runtime: str = "batch"
    proc: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    def start(self) -> WorkerProcess:
        """Start the worker (appending to its log)."""
        # Same broker, prefix and principal (the admin, or the processors) as the test.
        env = os.environ | process_env(self.settings)
        env.pop("IVEX_CONFIG", None)
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                str(IVEX),
                "streams",
                "worker",
                "--app-id",
                self.app_id,
                "--data-dir",
                str(self.data_dir),
                "--runtime",
                self.runtime,
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        return self

    def log_text(self) -> str:
        """The worker's log so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout_s: float = 60.0, *, count: int = 1) -> None:
        """Wait until the log says Ready ``count`` times (once per start)."""
        wait_until(lambda: self.log_text().count(READY) >= count or None, timeout_s, "ready")

    def signal(self, sig: signal.Signals) -> None:
        """Send ``sig`` to the worker."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self, timeout_s: float = 30.0) -> int | None:
        """SIGTERM, then SIGKILL if it does not exit; returns the exit code."""
        if self.proc is None:
            return None
        self.signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(10)
        self._close_log()
        return code

    def kill(self) -> None:
        """SIGKILL: no shutdown, no commit, no flush."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


@contextlib.contextmanager
def running_workers(workers: list[WorkerProcess]) -> Iterator[list[WorkerProcess]]:
    """Start ``workers``; always stop them (and kill leftovers) at the end."""
    try:
        for w in workers:
            w.start()
        yield workers
    finally:
        for w in workers:
            w.stop()


@contextlib.contextmanager
def joined_workers(
    settings: Settings, app_id: str, tmp_path: Path, count: int = 2
) -> Iterator[list[WorkerProcess]]:
    """``count`` workers of ``app_id``, yielded once their group is Stable with all of them.

    The scenario tests publish into a settled group so that they test the scenario;
    ``test_streams_rebalance`` covers publishing across the rebalances. The app's
    topics are deleted afterwards.
    """
    workers = [
        WorkerProcess(settings, app_id, tmp_path / f"w{i}", tmp_path / f"w{i}.log")
        for i in range(1, count + 1)
    ]
    try:
        with running_workers(workers):
            wait_for_members(settings, faust_id(settings, app_id), count)
            yield workers
    finally:
        delete_app_topics(settings, app_id)


def wait_until(
    check: Callable[[], T | None],
    timeout_s: float,
    what: str,
    detail: Callable[[], str] | None = None,
) -> T:
    """Poll ``check`` until it returns something truthy; on timeout, say ``detail()`` too."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            extra = f"\n{detail()}" if detail is not None else ""
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}{extra}")
        time.sleep(0.5)


def stall_report(workers: list[WorkerProcess], lines: int = 40) -> str:
    """For a failure message: what the workers' group has not consumed yet (per
    partition) and the last ``lines`` lines of each worker's log, after each worker was
    asked (SIGUSR1, :mod:`streams.diagnose`) to log where its consumer stands."""
    settings, app_id = workers[0].settings, workers[0].app_id
    diagnoses = diagnose([(w.log_path.name, w.log_path, w.signal) for w in workers])
    try:
        lag = partition_lag(settings, faust_id(settings, app_id), [])
        behind = ", ".join(f"{t}/{p}: {n}" for (t, p), n in sorted(lag.items()) if n) or "none"
    except Exception as exc:  # a report must not hide the failure it reports
        behind = f"unknown ({type(exc).__name__}: {exc})"
    tails = "\n".join(
        f"--- {w.log_path.name} ---\n" + "\n".join(w.log_text().splitlines()[-lines:])
        for w in workers
    )
    return f"not consumed by the group yet: {behind}\n{tails}\n{diagnoses}"


@dataclass
class Outputs:
    """Latest state of every request, and every notice, by id."""

    requests: dict[str, RequestOut] = field(default_factory=dict)
    notices: dict[str, NoticeOut] = field(default_factory=dict)

    def request_states(self) -> dict[str, tuple[str, str, str]]:
        """request_id → (kind, addressed_city, state)."""
        return {k: (r.kind, r.addressed_city, r.state) for k, r in self.requests.items()}


def reference_outputs(settings: Settings) -> Outputs:
    """What the pure engine and lifecycle make of the city and responses topics as they
    stand: the audit re-derivation."""
    derived = rederive(settings)
    return Outputs(dict(derived.requests), dict(derived.notices))


def read_records(settings: Settings, topics: list[str]) -> list[LogRecord]:
    """Every record of ``topics`` as they stand."""
    return list(read_topics(settings, topics))


def observed_outputs(settings: Settings) -> Outputs:
    """What the assist topics hold (latest value per key)."""
    names = TopicNames(settings)
    codec = Codec()
    out = Outputs()
    cities = settings.city_codes
    for rec in read_topics(settings, [names.requests(c) for c in cities]):
        datum = codec.decode(rec.value or b"").datum
        req = RequestOut.from_avro(_millis(datum, "raised_at", "respond_by"))
        out.requests[req.request_id] = req
    for rec in read_topics(settings, [names.notices(c) for c in cities]):
        datum = codec.decode(rec.value or b"").datum
        notice = NoticeOut.from_avro(_millis(datum, "issued_at"))
        out.notices[notice.notice_id] = notice
    return out


def _millis(datum: dict[str, Any], *names: str) -> dict[str, Any]:
    return datum | {n: epoch_ms(datum[n]) for n in names}


def delete_app_topics(settings: Settings, app_id: str) -> None:
    """Delete the internal and changelog topics of one app id (best effort)."""
    prefix = faust_id(settings, app_id)
    with contextlib.suppress(Exception):
        admin = KafkaAdminClient(**client_config(settings), client_id="ivex-test-cleanup")
        try:
            mine = [t for t in admin.list_topics() if t.startswith(prefix)]
            if mine:
                admin.delete_topics(mine)
        finally:
            admin.close()
