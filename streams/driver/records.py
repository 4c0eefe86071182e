"""What the worker sends: one Kafka record, fully formed, with its destination."""

from __future__ import annotations

from dataclasses import dataclass

Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A record to produce; ``partition`` None lets the producer's partitioner choose."""

    topic: str
    key: bytes | None
    value: bytes
    partition: int | None = None
    headers: Headers = ()

    def header(self, name: str) -> str | None:
        """The first header called ``name``, decoded as UTF-8 (for tests and logs)."""
        for key, value in self.headers:
            if key == name:
                return value.decode("utf-8", "replace")
        return None


@dataclass(frozen=True, slots=True)
class SourceMessage:
    """A record as the worker consumed it, with its position on the log."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers = ()
