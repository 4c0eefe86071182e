"""The demo's last proof: ``ivex audit rederive`` over the whole run finds 0 differences.

The re-derivation runs the pure engine and lifecycle over every city and responses
topic, as an operator's nightly audit would, and compares with what the live stream
workers published. The demo exits 1 on any difference, like the command.
"""

from __future__ import annotations

import os
import time

from rich.console import Console

from ivex.settings import Settings
from streams.audit.run import audit
from streams.audit.tables import summary_table, verdict_line


def rederive_verdict(console: Console, settings: Settings) -> None:
    """Re-derive, print the summary and the verdict; exit 1 on any difference."""
    started = time.monotonic()
    workers = min(2, os.cpu_count() or 1)
    with console.status("Re-deriving every request and notice from the log (ivex audit rederive)"):
        report = audit(settings, workers)
    console.print(f"[green]✓[/green] Re-derived from the log ({time.monotonic() - started:.0f} s)")
    console.print(summary_table(report))
    console.print(verdict_line(report))
    if not report.ok:
        raise SystemExit(1)
