"""A re-derivation across processes, one share of the women each, then the diff.

The parent fixes where the log ends (so every share reads the same records), starts
one process per share (``spawn``: nothing of the parent's Kafka clients or threads is
inherited), relays their progress, and merges their outcomes
(:func:`streams.audit.shares.merge`). One share runs in the calling process.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import time
from collections.abc import Callable
from typing import Any

from ivex.bulk_reader import log_offsets
from ivex.errors import IvexError
from ivex.settings import Settings
from ivex.topics import TopicNames
from streams.audit.diff import AuditReport, compare
from streams.audit.published import notices_on_topics, requests_on_topics
from streams.audit.shares import Derived, ShareOutcome, merge
from streams.engine.gc_tuning import cyclic_gc_paused
from streams.rederive import Ends, Share, rederive

#: How many city records a share reads between two progress reports.
PROGRESS_EVERY = 2_000

Progress = Callable[[int, int], None]


class RederiveError(IvexError):
    """A share's process failed; the message carries its error."""

    code = "rederive_failed"


def log_ends(settings: Settings) -> tuple[dict[tuple[str, int], int], int]:
    """Where every city and responses topic ends now, and how many city records precede."""
    names = TopicNames(settings)
    city = names.all_city_topics()
    offsets = log_offsets(settings, city + [names.responses(c) for c in settings.city_codes])
    total = sum(end - first for (topic, _), (first, end) in offsets.items() if topic in city)
    return {tp: end for tp, (_, end) in offsets.items()}, total


def derive(settings: Settings, workers: int, on_progress: Progress | None = None) -> Derived:
    """Re-derive over ``workers`` shares; ``on_progress(share, records)`` as they read."""
    ends, _ = log_ends(settings)
    if workers == 1:
        return merge([run_share(settings, 0, 1, ends, on_progress)])
    ctx = mp.get_context("spawn")
    reports: Any = ctx.Queue()
    procs = [
        ctx.Process(target=_child, args=(settings, k, workers, ends, reports), daemon=True)
        for k in range(workers)
    ]
    for p in procs:
        p.start()
    try:
        return merge(_collect(reports, procs, on_progress))
    finally:
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()


def run_share(
    settings: Settings, index: int, count: int, ends: Ends, on_progress: Progress | None
) -> ShareOutcome:
    """Re-derive share ``index`` of ``count`` in this process."""
    read = told = 0

    def tick(n: int) -> None:
        nonlocal read, told
        read += n
        if on_progress is not None and read - told >= PROGRESS_EVERY:
            on_progress(index, read - told)
            told = read

    with cyclic_gc_paused():
        result = rederive(settings, on_records=tick, share=Share(index, count), ends=ends)
        if on_progress is not None:
            on_progress(index, read - told)
        return ShareOutcome.of(index, result)


def _child(settings: Settings, index: int, count: int, ends: Ends, reports: Any) -> None:
    try:
        outcome = run_share(
            settings, index, count, ends, lambda i, n: reports.put(("progress", i, n))
        )
        reports.put(("done", index, outcome))
    except BaseException as exc:  # the parent must hear of it, not wait forever
        reports.put(("error", index, f"{type(exc).__name__}: {exc}"))


def _collect(reports: Any, procs: list[Any], on_progress: Progress | None) -> list[ShareOutcome]:
    outcomes: dict[int, ShareOutcome] = {}
    while len(outcomes) < len(procs):
        try:
            what, index, payload = reports.get(timeout=1.0)
        except queue.Empty:
            dead = [i for i, p in enumerate(procs) if not p.is_alive() and i not in outcomes]
            if dead and reports.empty():
                raise RederiveError(f"share {dead[0]} exited without a result") from None
            continue
        if what == "progress" and on_progress is not None:
            on_progress(index, payload)
        elif what == "error":
            raise RederiveError(f"share {index} failed: {payload}")
        elif what == "done":
            outcomes[index] = payload
    return list(outcomes.values())


def audit(settings: Settings, workers: int, on_progress: Progress | None = None) -> AuditReport:
    """Re-derive, read what the topics hold, and diff the two."""
    started = time.perf_counter()
    derived = derive(settings, workers, on_progress)
    actual = {"requests": requests_on_topics(settings), "notices": notices_on_topics(settings)}
    requests = compare("requests", derived.requests, actual["requests"])
    notices = compare("notices", derived.notices, actual["notices"])
    return AuditReport(derived, requests, notices, time.perf_counter() - started, actual)
