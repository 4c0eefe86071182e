"""Deterministic ids of requests and notices (docs/rules.md).

Other components (the simulator's ground truth, the audit) compute the same ids, so the
formula below is a contract: UUIDv5 under ``NAMESPACE`` of
``"<kind>|<sorted record key texts joined by ';'>|<addressed city>"``, where a record key
text is ``"<stream>/<source_city>/<record_id>"`` and the keys are the triggering records.
"""

from __future__ import annotations

import functools
import hashlib
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


#: Bound of the single-trigger id cache; cleared when full (ids are cheap to recompute).
_TRIGGER_CACHE_SIZE: Final = 65_536
_trigger_ids: dict[tuple[str, RecordKey, str], str] = {}


def trigger_id(kind: str, key: RecordKey, addressed_city: str) -> str:
    """``request_id(kind, [key], addressed_city)``: one triggering record, cached.

    Re-judging recomputes the same single-trigger ids over and over; caching on the
    key tuple also spares building the name text. A plain dict rather than
    ``functools.lru_cache``: compiled, a call through the lru wrapper is a generic call.
    """
    cache_key = (kind, key, addressed_city)
    rid = _trigger_ids.get(cache_key)
    if rid is None:
        if len(_trigger_ids) >= _TRIGGER_CACHE_SIZE:
            _trigger_ids.clear()
        rid = uuid5_text(f"{kind}|{record_key_text(key)}|{addressed_city}")
        _trigger_ids[cache_key] = rid
    return rid


@functools.lru_cache(maxsize=65_536)
def _uuid5(name: str) -> str:
    # Re-judging recomputes the same ids over and over; uuid5 is the costly part.
    return uuid5_text(name)


_NAMESPACE_BYTES: Final = NAMESPACE.bytes
#: Hex digit → the same digit with its top two bits set to the RFC 4122 variant (10).
_VARIANT: Final = {f"{d:x}": f"{(d & 0x3) | 0x8:x}" for d in range(16)}


def uuid5_text(name: str) -> str:
    """``str(uuid.uuid5(NAMESPACE, name))``, without building a ``uuid.UUID``.

    The same SHA-1 and bit layout as :func:`uuid.uuid5` (RFC 4122 version 5, variant
    10xx), about ten times faster: the ``UUID`` object costs far more than the hash. The
    version and variant are set on the hex text (digits 12 and 16), not on bytes.
    """
    x = hashlib.sha1(_NAMESPACE_BYTES + name.encode(), usedforsecurity=False).hexdigest()
    return f"{x[:8]}-{x[8:12]}-5{x[13:16]}-{_VARIANT[x[16]]}{x[17:20]}-{x[20:32]}"


def notice_id(kind: str, keys: Iterable[RecordKey | str], addressed_city: str) -> str:
    """The notice id: the same formula as :func:`request_id`, with the notice kind."""
    return request_id(kind, keys, addressed_city)
