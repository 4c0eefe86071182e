"""The federation's access model: principals and the ACLs each one gets. Pure.

Every pattern that names a family of resources is PREFIXED and ends in its delimiter
(``city.620700.``, never ``city.620700``, which would also match ``city.6207001.…``).
Principals carry the federation's topic prefix, so several federations (or test runs)
share a cluster without sharing principals. docs/security.md has the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ivex.settings import Settings
from ivex.topics import TopicNames

Resource = Literal["TOPIC", "GROUP", "TRANSACTIONAL_ID", "CLUSTER"]
Pattern = Literal["LITERAL", "PREFIXED"]
Operation = Literal[
    "READ", "WRITE", "CREATE", "DESCRIBE", "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "DELETE"
]
Role = Literal["city", "processors", "operator"]

_READ = ("READ", "DESCRIBE")
_WRITE = ("WRITE", "DESCRIBE")
_READ_WRITE = ("READ", "WRITE", "DESCRIBE")


@dataclass(frozen=True, order=True)
class Grant:
    """One ALLOW ACL: ``principal`` may ``operation`` on the resource, from any host."""

    principal: str  # the user name, without "User:"
    resource: Resource
    name: str
    pattern: Pattern
    operation: Operation

    def describe(self) -> str:
        """``WRITE TOPIC city.620700.* (prefixed)``-style text for reports."""
        star = "*" if self.pattern == "PREFIXED" else ""
        return f"{self.operation} {self.resource} {self.name}{star}"


@dataclass(frozen=True)
class Principal:
    """A SCRAM user of the federation and its role (``city`` carries the city code)."""

    user: str
    role: Role
    city: str = ""


def city_user(settings: Settings, code: str) -> str:
    """``<prefix>city-<code>``: the principal city ``code`` connects as."""
    return f"{settings.federation.topic_prefix}city-{code}"


def processors_user(settings: Settings) -> str:
    """The stream processors' principal."""
    return f"{settings.federation.topic_prefix}{settings.access.processors_user}"


def operator_user(settings: Settings) -> str:
    """The operator's principal."""
    return f"{settings.federation.topic_prefix}{settings.access.operator_user}"


def city_prefix(settings: Settings, code: str) -> str:
    """``<prefix>city.<code>.``: the city's topics, and its groups and transactional ids."""
    return f"{settings.federation.topic_prefix}city.{code}."


def principals(settings: Settings) -> list[Principal]:
    """Every principal the federation config calls for: cities, processors, operator."""
    out = [Principal(city_user(settings, c), "city", c) for c in settings.city_codes]
    out.append(Principal(processors_user(settings), "processors"))
    out.append(Principal(operator_user(settings), "operator"))
    return out


def is_managed(settings: Settings, user: str) -> bool:
    """True for users this federation's provisioning owns (also cities since removed)."""
    prefix = re.escape(settings.federation.topic_prefix)
    if re.fullmatch(rf"{prefix}city-\d{{6}}", user):
        return True
    return user in (processors_user(settings), operator_user(settings))


def grants(settings: Settings) -> set[Grant]:
    """Every ACL the federation needs, for all its principals."""
    out: set[Grant] = set()
    for principal in principals(settings):
        if principal.role == "city":
            out |= city_grants(settings, principal.city)
        elif principal.role == "processors":
            out |= processor_grants(settings)
        else:
            out |= operator_grants(settings)
    return out


def _grant(
    user: str, resource: Resource, name: str, pattern: Pattern, ops: tuple[str, ...]
) -> set[Grant]:
    return {Grant(user, resource, name, pattern, op) for op in ops}  # type: ignore[arg-type]


def city_grants(settings: Settings, code: str) -> set[Grant]:
    """A city writes its own streams, responses and DLQ; reads what is addressed to it.

    Reading its own streams lets its publisher skip records already published; the
    schema catalogue is read and written because writers publish a schema before its
    first use.
    """
    user, names, own = city_user(settings, code), TopicNames(settings), city_prefix(settings, code)
    return (
        _grant(user, "TOPIC", own, "PREFIXED", _READ_WRITE)
        | _grant(user, "TOPIC", names.responses(code), "LITERAL", _READ_WRITE)
        | _grant(user, "TOPIC", names.dlq(code), "LITERAL", _READ_WRITE)
        | _grant(user, "TOPIC", names.requests(code), "LITERAL", _READ)
        | _grant(user, "TOPIC", names.notices(code), "LITERAL", _READ)
        | _grant(user, "TOPIC", names.schema_catalogue, "LITERAL", _READ_WRITE)
        | _grant(user, "GROUP", own, "PREFIXED", _READ)
        | _grant(user, "TRANSACTIONAL_ID", own, "PREFIXED", _WRITE)
    )


def processor_grants(settings: Settings) -> set[Grant]:
    """The processors read every city's streams and responses and write what they derive.

    Their own topics (repartition, changelogs) and consumer groups live under the Faust
    app-id prefix, where they may also create topics.
    """
    user, p, names = (
        processors_user(settings),
        settings.federation.topic_prefix,
        TopicNames(settings),
    )
    apps = f"{p}{settings.access.processors_app_prefix}"
    out = _grant(user, "TOPIC", f"{p}city.", "PREFIXED", _READ)
    out |= _grant(user, "TOPIC", f"{p}assist.responses.", "PREFIXED", _READ)
    for family in ("assist.requests.", "assist.notices.", "dlq.", "monitor."):
        out |= _grant(user, "TOPIC", f"{p}{family}", "PREFIXED", _WRITE)
    for topic in (names.escalations, names.processing_errors):
        out |= _grant(user, "TOPIC", topic, "LITERAL", _WRITE)
    out |= _grant(user, "TOPIC", names.schema_catalogue, "LITERAL", _READ_WRITE)
    out |= _grant(user, "TOPIC", apps, "PREFIXED", ("CREATE", *_READ_WRITE, "DESCRIBE_CONFIGS"))
    return out | _grant(user, "GROUP", apps, "PREFIXED", _READ)


def operator_grants(settings: Settings) -> set[Grant]:
    """The operator reads every topic of the federation (audits, replays, verification),
    writes its checkpoints under ``audit.``, and may re-publish requests and notices
    (``ivex audit rederive --repair`` heals what the live workers lost, byte-identical to
    what they would have sent). It never writes a city's stream: the log stays the cities'."""
    user, p = operator_user(settings), settings.federation.topic_prefix
    families = (
        "city.",
        "assist.",
        "dlq.",
        "monitor.",
        "ivex.",
        settings.access.processors_app_prefix,
    )
    out: set[Grant] = set()
    for family in families:
        out |= _grant(user, "TOPIC", f"{p}{family}", "PREFIXED", _READ)
    out |= _grant(user, "TOPIC", f"{p}audit.", "PREFIXED", ("CREATE", *_READ_WRITE))
    for family in ("assist.requests.", "assist.notices."):
        out |= _grant(user, "TOPIC", f"{p}{family}", "PREFIXED", _WRITE)
    return out | _grant(user, "GROUP", f"{p}operator.", "PREFIXED", _READ)
