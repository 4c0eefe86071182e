"""Topic names and topic specifications of a federation (docs/wire-format.md).

Pure: it names topics and says how they must be configured; creating them is
:mod:`ivex.provision`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

from ivex.settings import Settings

Stream = Literal["births", "registrations", "terminations", "pregnancies"]

#: The four city streams (docs/events.md), in a fixed order.
STREAMS: Final[tuple[Stream, ...]] = ("births", "registrations", "terminations", "pregnancies")

#: Record name carried by each city stream (besides SourceWatermark).
STREAM_RECORDS: Final[dict[Stream, str]] = {
    "births": "BirthRecorded",
    "registrations": "RegistrationRecorded",
    "terminations": "TerminationRecorded",
    "pregnancies": "PregnancyReported",
}

#: Partitions of the processors' internal and fan-in topics; scale-out unit of workers.
INTERNAL_PARTITIONS: Final = 4


def faust_id(settings: Settings, app_id: str) -> str:
    """The Faust app id (consumer group, changelog prefix): ``<topic_prefix><app_id>``."""
    return f"{settings.federation.topic_prefix}{app_id}"


def internal_topic_name(settings: Settings, app_id: str) -> str:
    """Name of the repartition topic between the ingest and the engine."""
    return f"{faust_id(settings, app_id)}-engine-in"


def lifecycle_topic_name(settings: Settings, app_id: str) -> str:
    """Name of the topic the lifecycle reads: decisions, responses, clock ticks."""
    return f"{faust_id(settings, app_id)}-lifecycle-in"


def srb_topic_name(settings: Settings, app_id: str) -> str:
    """Name of the SRB monitor's input topic (one partition: one tally for the federation)."""
    return f"{faust_id(settings, app_id)}-srb-in"


@dataclass(frozen=True)
class TopicSpec:
    """What a topic must look like: name, partitions and topic-level configs."""

    name: str
    partitions: int
    configs: dict[str, str] = field(default_factory=dict)


_FOREVER = {"cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1"}
_COMPACTED = {"cleanup.policy": "compact"}


class TopicNames:
    """Names of every topic of one federation, honouring its ``topic_prefix``."""

    def __init__(self, settings: Settings) -> None:
        self._prefix = settings.federation.topic_prefix
        self._cities = settings.city_codes

    def city(self, code: str, stream: Stream) -> str:
        """``city.<code>.<stream>``: the event log of one city and stream."""
        return f"{self._prefix}city.{code}.{stream}"

    def requests(self, code: str) -> str:
        """``assist.requests.<code>``: requests addressed to city ``code``."""
        return f"{self._prefix}assist.requests.{code}"

    def notices(self, code: str) -> str:
        """``assist.notices.<code>``: notices addressed to city ``code``."""
        return f"{self._prefix}assist.notices.{code}"

    def responses(self, code: str) -> str:
        """``assist.responses.<code>``: what city ``code`` answers."""
        return f"{self._prefix}assist.responses.{code}"

    def dlq(self, code: str) -> str:
        """``dlq.<code>``: inputs rejected at city ``code``'s connectors."""
        return f"{self._prefix}dlq.{code}"

    @property
    def srb(self) -> str:
        """``monitor.srb``: sex-ratio reports, compacted by city/period/bucket."""
        return f"{self._prefix}monitor.srb"

    @property
    def srb_alerts(self) -> str:
        """``monitor.alerts``: early warnings, a cell's SRB report when its status turns
        WATCH or ALERT; compacted by city/period/bucket (the latest warning per cell)."""
        return f"{self._prefix}monitor.alerts"

    @property
    def schema_catalogue(self) -> str:
        """Compacted catalogue of writer schemas, keyed by fingerprint (hex)."""
        return f"{self._prefix}ivex.schemas"

    @property
    def processing_errors(self) -> str:
        """Undecodable or unknown-fingerprint values met by the processors."""
        return f"{self._prefix}ivex.errors"

    @property
    def escalations(self) -> str:
        """Overdue requests escalated to the operator."""
        return f"{self._prefix}assist.escalations"

    @property
    def audit_checkpoints(self) -> str:
        """Hash-chain checkpoints of the logs (``ivex audit checkpoint``), keyed by range."""
        return f"{self._prefix}audit.checkpoints"

    def all_city_topics(self) -> list[str]:
        """Every ``city.<code>.<stream>`` topic of the federation."""
        return [self.city(c, s) for c in self._cities for s in STREAMS]

    def specs(self) -> list[TopicSpec]:
        """Every topic the federation needs, configured as docs/wire-format.md says."""
        specs = [TopicSpec(name, 1, dict(_FOREVER)) for name in self.all_city_topics()]
        for code in self._cities:
            specs += [
                TopicSpec(self.requests(code), 1, dict(_COMPACTED)),
                TopicSpec(self.notices(code), 1, dict(_COMPACTED)),
                TopicSpec(self.responses(code), 1, dict(_FOREVER)),
                TopicSpec(self.dlq(code), 1, dict(_FOREVER)),
            ]
        specs += [
            TopicSpec(self.srb, 1, dict(_COMPACTED)),
            TopicSpec(self.srb_alerts, 1, dict(_COMPACTED)),
            TopicSpec(self.schema_catalogue, 1, dict(_COMPACTED)),
            TopicSpec(self.processing_errors, 1, dict(_FOREVER)),
            TopicSpec(self.escalations, 1, dict(_COMPACTED)),
            TopicSpec(self.audit_checkpoints, 1, dict(_COMPACTED)),
        ]
        return specs
