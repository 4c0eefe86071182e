"""Running the case-engine app as a worker process, with clean shutdown on SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from ivex.settings import Settings
from streams.options import WorkerOptions
from streams.provision import ensure_internal_topics


def run_worker(settings: Settings, options: WorkerOptions, *, loglevel: str = "info") -> NoReturn:
    """Create the app's own topics, then run one worker on ``options.runtime`` until a
    signal stops it or it crashes; then the process exits."""
    ensure_internal_topics(settings, options.app_id)
    if options.runtime == "faust":
        _run_faust(settings, options, loglevel)
    _run_batch(settings, options, loglevel)


def _run_batch(settings: Settings, options: WorkerOptions, loglevel: str) -> NoReturn:
    """The batch runtime (:mod:`streams.runtime`): SIGTERM/SIGINT finish the batch in
    hand, commit, leave the group and exit with status 0; SIGUSR1 logs where the
    consumer stands."""
    from streams.pause_guard import PauseGuard
    from streams.runtime.loop import BatchWorker
    from streams.runtime.topology import build_topology

    logging.basicConfig(
        level=loglevel.upper(),
        format="[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
        stream=sys.stdout,
    )
    guard = PauseGuard(options.session_timeout_s)
    guard.start()
    worker = BatchWorker(settings, options, build_topology(settings, options.app_id), guard)
    exit_after(worker.run)


def _run_faust(settings: Settings, options: WorkerOptions, loglevel: str) -> NoReturn:
    """The Faust app (:mod:`streams.app`).

    Faust's worker installs the signal handlers: SIGTERM/SIGINT stop the agents, commit
    offsets, flush and close the producer, leave the group and exit with status 0.
    SIGUSR1 logs where the consumer stands (:mod:`streams.diagnose`). A worker whose
    table recovery stalls ends itself (:mod:`streams.recovery_watch`, status 3).
    """
    from streams.app import build_app
    from streams.diagnose import Worker
    from streams.local_state import LocalState
    from streams.recovery_watch import RecoveryWatch

    app = build_app(settings, options)
    local = LocalState(Path(app.conf.appdir), Path(app.conf.tabledir))
    local.open()  # stores left by a crash are deleted: restored from the changelogs
    app.ivex_guard.start()  # from the start: a worker stopped while it starts is fenced too
    RecoveryWatch(lambda: getattr(app.tables, "recovery", None)).start()
    worker = Worker(app, loglevel=loglevel, quiet=True, redirect_stdouts=False)
    exit_after(worker.execute_from_commandline, on_clean_exit=local.closed_cleanly)


def exit_after(
    run: Callable[[], object], *, on_clean_exit: Callable[[], None] | None = None
) -> NoReturn:
    """Run ``run`` (the worker's whole life), then end the process with its exit status
    even if a thread is still running; ``on_clean_exit`` first if that status is 0.

    After a crash, Faust's consumer thread (a non-daemon thread) may never stop, and the
    interpreter waits for it forever: the worker would sit there, neither working nor
    gone, where a supervisor restarts only a process that exited. Faust has closed its
    tables, producer and group membership by the time ``run`` returns; a crash is then no
    worse than the kill -9 the worker is built to survive.
    """
    code = 1
    try:
        run()
        code = 0
    except SystemExit as exc:
        code = _status(exc.code)
    except BaseException:  # whatever ended it, the process must end too
        traceback.print_exc()
    finally:
        if code == 0 and on_clean_exit is not None:
            try:
                on_clean_exit()
            except Exception:  # noted, but the process must still end
                traceback.print_exc()
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
