"""A worker's local table stores are kept only after a clean stop.

Faust writes a table change into the worker's local store (RocksDB) at once, and into the
table's changelog topic through the producer. A worker killed in between leaves its local
store *ahead* of the changelog: the change is on the disk and nowhere else. Started again
on the same data directory, Faust restores the store from the changelog offset it had
noted — the change stays, so when the worker reads the event again it finds nothing to
change and writes nothing to the changelog. The worker that takes the partition over
next restores from the changelog alone, and the change is gone for good (seen in the
kill storm: a registration the engine had seen three times, a "birth not registered"
request raised for its birth afterwards).

So, as Kafka Streams does after an unclean shutdown: a marker file says that the worker
stopped cleanly (Faust committed, flushed every changelog write and closed its stores).
A worker that starts without it finds stores it cannot trust and deletes them; Faust
then restores every partition it is given from its changelog.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Final

log = logging.getLogger(__name__)

#: Written in the app directory when the worker stopped cleanly; removed at start.
CLEAN_STOP: Final = "clean-stop"


@dataclass(frozen=True)
class LocalState:
    """The table stores under ``tables`` and the marker in ``appdir``."""

    appdir: Path
    tables: Path

    @property
    def marker(self) -> Path:
        """The clean-stop marker's path."""
        return self.appdir / CLEAN_STOP

    def open(self) -> bool:
        """Before the worker starts: delete the stores unless the last stop was clean;
        then remove the marker (a crash from now on leaves none). True if deleted."""
        wiped = False
        if self.tables.exists() and not self.marker.exists():
            log.warning(
                "the last stop of this worker was not clean: its local table stores may "
                "hold changes their changelogs lack; deleting %s (restored from the "
                "changelogs instead)",
                self.tables,
            )
            shutil.rmtree(self.tables)
            wiped = True
        self.marker.unlink(missing_ok=True)
        return wiped

    def closed_cleanly(self) -> None:
        """After a clean stop (every changelog write flushed): keep the stores."""
        self.appdir.mkdir(parents=True, exist_ok=True)
        self.marker.touch()
