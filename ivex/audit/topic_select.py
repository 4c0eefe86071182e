"""Which of the federation's topics an operator means: exact names, prefixes or globs.

Patterns are written without the federation's ``topic_prefix`` (``city.*.births``,
``assist.requests``, ``dlq.620700``); a pattern that already carries the prefix is
accepted too. A plain name selects itself and every topic below it (``city.620700``
selects the city's four streams).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase

from ivex.errors import IvexError
from ivex.settings import Settings
from ivex.topics import TopicNames


class NoTopicMatched(IvexError):  # noqa: N818 - an outcome of the selection
    """A topic pattern matches none of the federation's topics."""

    code = "no_topic_matched"

    def __init__(self, pattern: str, known: Sequence[str]) -> None:
        sample = ", ".join(known[:6])
        super().__init__(
            f"no topic of the federation matches {pattern!r} (topics look like {sample}, …; "
            "`ivex topics list` shows them all)"
        )
        self.pattern = pattern


def federation_topics(settings: Settings) -> list[str]:
    """Every topic of the federation, without its prefix, in specification order."""
    prefix = settings.federation.topic_prefix
    return [spec.name[len(prefix) :] for spec in TopicNames(settings).specs()]


def matches(pattern: str, topic: str) -> bool:
    """Whether ``topic`` (unprefixed) is selected by ``pattern``: glob, name or prefix."""
    if any(ch in pattern for ch in "*?["):
        return fnmatchcase(topic, pattern)
    stem = pattern.rstrip(".")
    return topic == stem or topic.startswith(stem + ".")


def select(patterns: Iterable[str], topics: Sequence[str], prefix: str = "") -> list[str]:
    """Topics (unprefixed, in ``topics`` order) selected by any pattern.

    Raises :class:`NoTopicMatched` for a pattern selecting nothing: a typo must not pass
    for an empty topic.
    """
    chosen: set[str] = set()
    for raw in patterns:
        pattern = raw[len(prefix) :] if prefix and raw.startswith(prefix) else raw
        hits = [t for t in topics if matches(pattern, t)]
        if not hits:
            raise NoTopicMatched(raw, list(topics))
        chosen.update(hits)
    return [t for t in topics if t in chosen]


def select_topics(settings: Settings, patterns: Iterable[str]) -> list[str]:
    """Full (prefixed) names of the federation's topics selected by ``patterns``."""
    prefix = settings.federation.topic_prefix
    return [prefix + t for t in select(patterns, federation_topics(settings), prefix)]
