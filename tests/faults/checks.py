"""What must hold after every fault run: no lag left, the live requests equal to the
re-derivation, each partner sink holding each request once in its latest state."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.sinks import open_sink
from connectors.subscriber import default_group
from ivex.codec import Codec
from ivex.demo.settle import NotSettledError, group_lag, partition_lag, wait_until_settled
from ivex.settings import Settings
from ivex.topic_reader import read_topics
from ivex.topics import TopicNames, faust_id
from streams.audit.diff import AuditReport
from streams.audit.published import requests_on_topics
from streams.audit.run import audit


class WorkersStalledError(AssertionError):
    """The workers' group stopped consuming with lag left (a stall)."""


class RequestsDivergedError(AssertionError):
    """The live requests or notices differ from the re-derivation of the log."""


def assert_rederived(report: AuditReport) -> None:
    """Raise :class:`RequestsDivergedError` unless the topics hold exactly the re-derivation."""
    if not report.ok:
        raise RequestsDivergedError(audit_detail(report))


def input_topics(settings: Settings) -> list[str]:
    """The topics the stream workers consume: city streams and responses."""
    names = TopicNames(settings)
    return names.all_city_topics() + [names.responses(c) for c in settings.city_codes]


def settle_workers(
    settings: Settings,
    app_id: str,
    detail: Callable[[], str],
    timeout_s: float = 300.0,
    supervise: Callable[[], None] | None = None,
) -> None:
    """Block until the workers' group has consumed everything (lag 0 for a few seconds);
    a stall (lag not moving for 90 s) fails with the lag per partition and ``detail()``.

    ``supervise`` runs at every poll: it starts again a worker that exited, as the
    process supervisor of a deployment would.
    """
    group = faust_id(settings, app_id)
    try:
        wait_until_settled(
            settings, group, input_topics(settings), timeout_s=timeout_s, quiet_s=5.0,
            stall_s=90.0, on_poll=None if supervise is None else lambda _lag: supervise(),
        )  # fmt: skip
    except NotSettledError as exc:
        lag = partition_lag(settings, group, input_topics(settings))
        behind = ", ".join(f"{t}/{p}: {n}" for (t, p), n in sorted(lag.items()) if n)
        raise WorkersStalledError(
            f"STALL: {exc.message}\nper partition: {behind}\n{detail()}"
        ) from None


def subscriber_group(settings: Settings, city: str, sink: str) -> str:
    """The consumer group ``ivex subscribe --city CITY --sink SINK`` commits in."""
    return default_group(city, open_sink(sink), settings.federation.topic_prefix)


def lag_of(settings: Settings, group: str, topics: list[str]) -> int:
    """Messages ``group`` has not committed yet on ``topics`` (and its other topics)."""
    return sum(group_lag(settings, group, topics).values())


def audit_differences(settings: Settings) -> AuditReport:
    """The re-derivation of the whole log against the live requests and notices topics."""
    return audit(settings, workers=1)


def audit_detail(report: AuditReport, limit: int = 10) -> str:
    """For a failure message: counts, then what the missing, extra and differing outputs are."""
    lines = []
    for comparison in (report.requests, report.notices):
        lines.append(
            f"{comparison.what}: derived {comparison.derived}, on topics {comparison.on_topics}, "
            f"missing {len(comparison.missing)}, extra {len(comparison.extra)}, "
            f"differing {len(comparison.differing_ids)}"
        )
        side = report.on_topics[comparison.what]
        derived = getattr(report.derived, comparison.what)
        for oid in comparison.extra[:limit]:
            lines.append(f"  extra {oid}: {_summary(side[oid])}")
        for oid in comparison.missing[:limit]:
            lines.append(f"  missing {oid}: {_summary(derived[oid])}")
        for diff in comparison.differing[:limit]:
            lines.append(
                f"  differs {diff.output_id} {diff.field}: derived {diff.derived[:80]!r}, "
                f"on topic {diff.actual[:80]!r}"
            )
    return "\n".join(lines)


def _summary(output: Mapping[str, Any]) -> str:
    keys = ("kind", "addressed_city", "state", "reason", "raised_at")
    return ", ".join(f"{k}={output.get(k)}" for k in keys if k in output)


@dataclass(frozen=True)
class SinkCheck:
    """One partner's case table against the requests topic addressed to it."""

    city: str
    on_topic: int
    in_sink: int
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    stale: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Each request once, in its latest state, nothing else."""
        return not (self.missing or self.extra or self.stale)


def check_sink(settings: Settings, city: str, db: Path) -> SinkCheck:
    """Compare the SQLite case table ``db`` of ``city`` with the requests topics."""
    latest = {
        rid: out for rid, out in requests_on_topics(settings).items()
        if out["addressed_city"] == city
    }  # fmt: skip
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT request_id, state, updated_at FROM ivex_requests").fetchall()
    count: dict[str, int] = {}
    states: dict[str, str] = {}
    for rid, state, _ in rows:
        count[rid] = count.get(rid, 0) + 1
        states[rid] = state
    missing = tuple(sorted(set(latest) - set(states)))
    extra = tuple(sorted(set(states) - set(latest)))
    doubled = {rid for rid, n in count.items() if n > 1}
    stale = tuple(
        sorted({r for r in set(latest) & set(states) if states[r] != latest[r]["state"]} | doubled)
    )
    return SinkCheck(city, len(latest), len(rows), missing, extra, stale)


def poll(check: Callable[[], bool], timeout_s: float, step_s: float = 1.0) -> bool:
    """Poll ``check`` until it is true or ``timeout_s`` passed; its last answer."""
    import time

    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(step_s)
    return True


def request_timeline(settings: Settings, ids: Sequence[str], t0: float, limit: int = 10) -> str:
    """For a failure message: when each request of ``ids`` was published in each state,
    in seconds since ``t0`` (the storm's start, wall clock), to set against the storm's
    schedule."""
    names = TopicNames(settings)
    topics = [names.requests(code) for code in settings.city_codes]
    wanted = set(ids[:limit])
    codec = Codec()
    seen: dict[str, list[str]] = {}
    for record in read_topics(settings, topics):
        key = (record.key or b"").decode("utf-8", "replace")
        if key in wanted and record.value is not None:
            state = codec.decode(record.value).datum.get("state")
            seen.setdefault(key, []).append(f"{record.timestamp_ms / 1000 - t0:.1f}s {state}")
    return "\n".join(f"  {key}: {', '.join(versions)}" for key, versions in seen.items())
