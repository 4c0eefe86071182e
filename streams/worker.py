"""Running the case-engine app as a worker process, with clean shutdown on SIGTERM/SIGINT."""

from __future__ import annotations

from ivex.settings import Settings
from streams.app import WorkerOptions, build_app
from streams.diagnose import Worker
from streams.provision import ensure_internal_topics


def run_worker(settings: Settings, options: WorkerOptions, *, loglevel: str = "info") -> None:
    """Create the app's own topics, then run one worker until a signal stops it.

    Faust's worker installs the signal handlers: SIGTERM/SIGINT stop the agents, commit
    offsets, flush and close the producer, leave the group and exit with status 0.
    SIGUSR1 logs where the consumer stands (:mod:`streams.diagnose`).
    """
    ensure_internal_topics(settings, options.app_id)
    app = build_app(settings, options)
    app.ivex_guard.start()  # from the start: a worker stopped while it starts is fenced too
    worker = Worker(app, loglevel=loglevel, quiet=True, redirect_stdouts=False)
    worker.execute_from_commandline()
