"""Live against offline: do the reports on ``monitor.srb`` equal the log's computation?

The stream workers' reports and ``ivex srb report`` come from the same pure tally, so once
the workers have caught up the latest report of every cell on the compacted topic must be
byte-identical to the offline one. The demo and the integration tests check exactly that.
"""

from __future__ import annotations

from ivex.codec import Codec
from ivex.settings import Settings
from ivex.topic_reader import read_topics
from ivex.topics import TopicNames
from streams.srb.log import tally_from_log
from streams.srb.reports import ReportBuilder, report_key


def offline_reports(settings: Settings) -> dict[str, bytes]:
    """Every report the births on the log call for, encoded as the workers encode it."""
    reports = ReportBuilder(tally_from_log(settings), settings.srb).all_reports()
    codec = Codec()
    return {
        report_key(r.city, r.period, r.birth_order): codec.encode("SexRatioReport", r.model_dump())
        for r in reports
    }


def topic_records(settings: Settings, topic: str) -> list[tuple[str, bytes]]:
    """Every (key, value) of ``topic`` in log order."""
    return [((r.key or b"").decode(), r.value or b"") for r in read_topics(settings, [topic])]


def live_reports(settings: Settings) -> dict[str, bytes]:
    """The latest report of every cell on ``monitor.srb``."""
    return dict(topic_records(settings, TopicNames(settings).srb))
