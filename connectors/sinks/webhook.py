"""Webhook sink: HTTP POST of each request or notice, in log order, until answered 2xx.

Contract (docs/subscribing.md): body = the rendered item (JSON with a ``type`` field),
header ``Idempotency-Key: <request_id>:<state>`` (``<notice_id>`` for a notice). A 5xx,
408, 429, timeout or dropped connection is retried with exponential backoff; any other
status is a refusal that stops the subscriber (retrying cannot fix it). An item is
never posted again once it got a 2xx within a run; after a crash the endpoint may see an
uncommitted item again, with the same Idempotency-Key.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from connectors.sinks.base import SinkItem, render
from ivex.errors import SinkError

log = logging.getLogger(__name__)

RETRYABLE_STATUS: Final = frozenset({408, 429})


@dataclass(frozen=True)
class WebhookOptions:
    """Retry and timeout knobs; the defaults stay well inside Kafka's max poll interval."""

    attempts: int = 8
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    timeout_s: float = 10.0


class _Retry(Exception):  # noqa: N818 - control flow inside this module
    """A failure worth another attempt."""


class WebhookSink:
    """POSTs every item to ``url``; ``sleep`` is injectable so tests need not wait."""

    name = "webhook"

    def __init__(
        self,
        url: str,
        options: WebhookOptions | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._url = url
        self._options = options or WebhookOptions()
        self._sleep = sleep

    def open(self) -> None:
        """Nothing to prepare: every POST opens its own connection."""

    def close(self) -> None:
        """Nothing to release."""

    def write(self, items: Sequence[SinkItem]) -> None:
        """POST each item in order; stop at the first one that cannot be delivered."""
        for done, item in enumerate(items):
            try:
                self._deliver(item)
            except SinkError as exc:
                raise SinkError(self.name, exc.reason, delivered=done) from exc

    def _deliver(self, item: SinkItem) -> None:
        body = json.dumps(render(item), ensure_ascii=False).encode("utf-8")
        attempts = max(1, self._options.attempts)
        for attempt in range(1, attempts + 1):
            try:
                self._post(body, item.idempotency_key)
                return
            except _Retry as exc:
                if attempt == attempts:
                    raise SinkError(self.name, f"{exc} after {attempts} attempt(s)") from None
                delay = min(
                    self._options.max_backoff_s, self._options.backoff_s * 2 ** (attempt - 1)
                )
                log.warning(
                    "webhook: %s; attempt %d/%d, retry in %.1fs", exc, attempt, attempts, delay
                )
                self._sleep(delay)

    def _post(self, body: bytes, key: str) -> None:
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's own endpoint
            self._url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Idempotency-Key": key},
        )
        try:
            with urllib.request.urlopen(request, timeout=self._options.timeout_s) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError as exc:
            if exc.code >= 500 or exc.code in RETRYABLE_STATUS:
                raise _Retry(f"HTTP {exc.code}") from None
            raise SinkError(self.name, f"endpoint refused the item with HTTP {exc.code}") from None
        except (OSError, http.client.HTTPException) as exc:
            # URLError, timeouts, resets and RemoteDisconnected: the endpoint never said 2xx.
            raise _Retry(type(exc).__name__) from None
