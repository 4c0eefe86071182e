"""Deterministic ids of requests and notices (SPEC §5).

Other components (the simulator's ground truth, the audit) compute the same ids, so the
formula below is a contract: UUIDv5 under ``NAMESPACE`` of
``"<kind>|<sorted record key texts joined by ';'>|<addressed city>"``, where a record key
text is ``"<stream>/<source_city>/<record_id>"`` and the keys are the triggering records.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from typing import Final

from streams.engine.facts import RecordKey, record_key_text

NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ivex:case")


def request_id(kind: str, keys: Iterable[RecordKey | str], addressed_city: str) -> str:
    """The request id of ``kind`` raised on the triggering ``keys`` for ``addressed_city``.

    ``keys`` may be record keys or their texts already.
    """
    texts = sorted(k if isinstance(k, str) else record_key_text(k) for k in keys)
    return _uuid5(f"{kind}|{';'.join(texts)}|{addressed_city}")


@functools.lru_cache(maxsize=65_536)
def trigger_id(kind: str, key: RecordKey, addressed_city: str) -> str:
    """``request_id(kind, [key], addressed_city)``: one triggering record, cached.

    Re-judging recomputes the same single-trigger ids over and over; caching on the
    key tuple also spares building the name text.
    """
    return _uuid5(f"{kind}|{record_key_text(key)}|{addressed_city}")


@functools.lru_cache(maxsize=65_536)
def _uuid5(name: str) -> str:
    # Re-judging recomputes the same ids over and over; uuid5 is the costly part.
    return str(uuid.uuid5(NAMESPACE, name))


def notice_id(kind: str, keys: Iterable[RecordKey | str], addressed_city: str) -> str:
    """The notice id: the same formula as :func:`request_id`, with the notice kind."""
    return request_id(kind, keys, addressed_city)
