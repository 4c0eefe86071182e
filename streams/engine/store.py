"""Where the engine keeps per-woman state: a tiny protocol, so a Faust table can plug in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from streams.engine.history import WomanState


class WomanStore(Protocol):
    """Per-woman state keyed by ``mother_ref``."""

    def get(self, mother_ref: str) -> WomanState | None:
        """The state of ``mother_ref``, or None if she is unknown."""
        ...

    def put(self, mother_ref: str, state: WomanState) -> None:
        """Store (replace) the state of ``mother_ref``."""
        ...


class InMemoryWomanStore:
    """A dict of states: for tests, the audit re-derivation and the benchmark."""

    def __init__(self) -> None:
        self._states: dict[str, WomanState] = {}

    def get(self, mother_ref: str) -> WomanState | None:
        """The state of ``mother_ref``, or None if she is unknown."""
        return self._states.get(mother_ref)

    def put(self, mother_ref: str, state: WomanState) -> None:
        """Store (replace) the state of ``mother_ref``."""
        self._states[mother_ref] = state

    def __len__(self) -> int:
        return len(self._states)

    def states(self) -> Iterator[WomanState]:
        """Every stored state."""
        return iter(self._states.values())
