"""The workers' tables: their names, and their changelog topics' names.

Shared by both runtimes (:mod:`streams.app`, :mod:`streams.runtime`) and by the
provisioning of the app's own topics, so that either runtime restores what the other
wrote.
"""

from __future__ import annotations

from typing import Final

WOMEN_TABLE: Final = "women"
PARTITIONS_TABLE: Final = "partitions"
LIFECYCLE_TABLE: Final = "lifecycle"
LIFECYCLE_CLOCKS_TABLE: Final = "lifecycle_clocks"
#: The tables over the internal topics' partitions (``INTERNAL_PARTITIONS`` each).
TABLES: Final = (WOMEN_TABLE, PARTITIONS_TABLE, LIFECYCLE_TABLE, LIFECYCLE_CLOCKS_TABLE)
#: The SRB monitor's table (record → latest version); one partition, like its input topic.
SRB_TABLE: Final = "srb_records"


def changelog_name(app: str, table: str) -> str:
    """The changelog topic of ``table`` of the app whose full id is ``app`` (Faust's
    naming: ``<app>-<table>-changelog``)."""
    return f"{app}-{table}-changelog"
