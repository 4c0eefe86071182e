"""Create and reconcile a federation's topics (docs/wire-format.md, docs/security.md), idempotently.

:func:`plan_topic` is pure: it compares a :class:`~ivex.topics.TopicSpec` with what the
cluster holds and says what to do. :func:`apply_topics` asks the cluster, does it, and
returns a :class:`ProvisionReport`. Running it twice changes nothing the second time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType
from kafka.errors import KafkaError

from ivex.errors import ProvisionError
from ivex.kafka_config import client_config
from ivex.settings import Settings
from ivex.topics import TopicNames, TopicSpec

Action = Literal["created", "altered", "unchanged"]

#: Kafka's error code when a topic another provisioner created in the meantime exists.
_TOPIC_ALREADY_EXISTS = 36


@dataclass(frozen=True)
class ExistingTopic:
    """What the cluster holds for one topic: partition count and the configs we manage."""

    name: str
    partitions: int
    configs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TopicPlan:
    """What has to happen to one topic to make it match its spec."""

    spec: TopicSpec
    create: bool = False
    #: Config key -> desired value, for keys whose current value differs.
    config_updates: Mapping[str, str] = field(default_factory=dict)
    #: New total partition count, when the topic has fewer partitions than the spec.
    partitions_to: int | None = None
    #: Human-readable changes (``retention.ms: 604800000 -> -1``) and warnings.
    details: tuple[str, ...] = ()

    @property
    def action(self) -> Action:
        """``created``, ``altered`` or ``unchanged``."""
        if self.create:
            return "created"
        if self.config_updates or self.partitions_to is not None:
            return "altered"
        return "unchanged"


@dataclass(frozen=True)
class TopicChange:
    """One line of a :class:`ProvisionReport`."""

    topic: str
    action: Action
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProvisionReport:
    """What ``apply_topics`` did, topic by topic, in spec order."""

    changes: tuple[TopicChange, ...]

    def _names(self, action: Action) -> list[str]:
        return [c.topic for c in self.changes if c.action == action]

    @property
    def created(self) -> list[str]:
        """Topics that did not exist and were created."""
        return self._names("created")

    @property
    def altered(self) -> list[str]:
        """Topics whose configs or partition count were brought to spec."""
        return self._names("altered")

    @property
    def unchanged(self) -> list[str]:
        """Topics that already matched their spec."""
        return self._names("unchanged")

    @property
    def changed(self) -> bool:
        """True when anything was created or altered."""
        return any(c.action != "unchanged" for c in self.changes)


def plan_topic(spec: TopicSpec, existing: ExistingTopic | None) -> TopicPlan:
    """Compare a spec with the cluster's topic (``None``: missing) and plan the change.

    Configs the spec does not mention are left alone, so an operator's tuning survives.
    A topic with more partitions than specified is left as is (Kafka cannot shrink a
    topic) and the plan carries a warning.
    """
    if existing is None:
        created = (f"partitions={spec.partitions}", *_config_pairs(spec.configs))
        return TopicPlan(spec=spec, create=True, details=created)
    updates = {
        key: value for key, value in spec.configs.items() if existing.configs.get(key) != value
    }
    details = [f"{key}: {existing.configs.get(key)} -> {value}" for key, value in updates.items()]
    partitions_to: int | None = None
    if existing.partitions < spec.partitions:
        partitions_to = spec.partitions
        details.append(f"partitions: {existing.partitions} -> {spec.partitions}")
    elif existing.partitions > spec.partitions:
        details.append(
            f"warning: {existing.partitions} partitions, spec says {spec.partitions} "
            "(Kafka cannot decrease; left as is)"
        )
    return TopicPlan(
        spec=spec, config_updates=updates, partitions_to=partitions_to, details=tuple(details)
    )


def plan_topics(
    specs: Iterable[TopicSpec], existing: Mapping[str, ExistingTopic]
) -> list[TopicPlan]:
    """Plan every spec against the cluster's topics (keyed by name)."""
    return [plan_topic(spec, existing.get(spec.name)) for spec in specs]


def report_of(plans: Sequence[TopicPlan]) -> ProvisionReport:
    """The report a set of executed plans amounts to."""
    return ProvisionReport(tuple(TopicChange(p.spec.name, p.action, p.details) for p in plans))


def _config_pairs(configs: Mapping[str, str]) -> list[str]:
    return [f"{key}={value}" for key, value in configs.items()]


def apply_topics(settings: Settings, *, timeout_s: float = 30.0) -> ProvisionReport:
    """Create or reconcile every topic of the federation; idempotent.

    Raises :class:`~ivex.errors.ProvisionError` naming the topic when Kafka refuses a
    change, and when the cluster cannot be reached.
    """
    specs = TopicNames(settings).specs()
    admin = _admin(settings, timeout_s)
    try:
        plans = plan_topics(specs, _existing(admin, specs))
        _create(admin, [p for p in plans if p.create], timeout_s)
        _alter_configs(admin, [p for p in plans if p.config_updates])
        _add_partitions(admin, [p for p in plans if p.partitions_to is not None], timeout_s)
    except KafkaError as exc:
        raise ProvisionError("*", f"Kafka refused: {exc}") from exc
    finally:
        with contextlib.suppress(Exception):
            admin.close()
    return report_of(plans)


def _admin(settings: Settings, timeout_s: float) -> Any:
    timeout_ms = int(timeout_s * 1000)
    try:
        return KafkaAdminClient(
            **client_config(settings),
            client_id="ivex-provision",
            request_timeout_ms=timeout_ms,
            bootstrap_timeout_ms=timeout_ms,
        )
    except KafkaError as exc:
        raise ProvisionError(
            "*", f"cannot reach Kafka at {settings.kafka.bootstrap_servers}: {exc}"
        ) from exc


def _existing(admin: Any, specs: Sequence[TopicSpec]) -> dict[str, ExistingTopic]:
    wanted = {s.name: s for s in specs}
    present = [name for name in admin.list_topics() if name in wanted]
    if not present:
        return {}
    partitions = {
        _topic_name(t): len(t.get("partitions") or []) for t in admin.describe_topics(present)
    }
    resources = [
        ConfigResource(ConfigResourceType.TOPIC, name, list(wanted[name].configs))
        for name in present
    ]
    described = admin.describe_configs(resources, config_filter="all").get("topic", {})
    out: dict[str, ExistingTopic] = {}
    for name in present:
        entries: Mapping[str, Mapping[str, Any]] = described.get(name, {})
        configs = {key: str(entry.get("value")) for key, entry in entries.items()}
        out[name] = ExistingTopic(name, partitions.get(name, 0), configs)
    return out


def _topic_name(described: Mapping[str, Any]) -> str:
    # The metadata response names the field "name" (newer) or "topic" (older versions).
    return str(described.get("name") or described.get("topic"))


def _create(admin: Any, plans: Sequence[TopicPlan], timeout_s: float) -> None:
    if not plans:
        return
    request = {
        p.spec.name: {"num_partitions": p.spec.partitions, "configs": dict(p.spec.configs)}
        for p in plans
    }
    result = admin.create_topics(
        request, timeout_ms=int(timeout_s * 1000), raise_errors=False, wait_for_metadata=False
    )
    for topic in result.get("topics", []):
        code = topic.get("error_code", 0)
        if code not in (0, _TOPIC_ALREADY_EXISTS):
            raise ProvisionError(
                str(topic.get("name")), f"create failed: {topic.get('error_message') or code}"
            )
    # Callers produce right after provisioning: wait until every new topic has a leader.
    admin.wait_for_topics(list(request), timeout_ms=int(timeout_s * 1000))


def _alter_configs(admin: Any, plans: Sequence[TopicPlan]) -> None:
    if not plans:
        return
    resources = [
        ConfigResource(ConfigResourceType.TOPIC, p.spec.name, dict(p.config_updates)) for p in plans
    ]
    result = admin.alter_configs(resources).get("topic", {})
    for name, outcome in result.items():
        if outcome != "OK":
            raise ProvisionError(str(name), f"altering configs failed: {outcome}")


def _add_partitions(admin: Any, plans: Sequence[TopicPlan], timeout_s: float) -> None:
    if not plans:
        return
    request = {p.spec.name: p.partitions_to for p in plans}
    result = admin.create_partitions(
        request, timeout_ms=int(timeout_s * 1000), raise_errors=False
    ).to_dict()
    for topic in result.get("results", []):
        if topic.get("error_code", 0) != 0:
            raise ProvisionError(
                str(topic.get("name")),
                f"adding partitions failed: {topic.get('error_message') or topic['error_code']}",
            )
