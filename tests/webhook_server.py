"""A local webhook endpoint that fails a seeded 30% of calls, for the webhook tests."""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FlakyEndpoint:
    """Counts, per Idempotency-Key, the deliveries it answered 2xx; fails on a fixed pattern.

    Failures (30%): half HTTP 500, half a connection dropped without an answer. Nothing is
    stored for a failed call, so a 2xx count above 1 is a double delivery, never hidden.
    """

    def __init__(self, seed: int = 7, failure_rate: float = 0.3) -> None:
        self._dice = random.Random(seed)
        self._rate = failure_rate
        self._lock = threading.Lock()
        self.ok: Counter[str] = Counter()
        self.bodies: dict[str, dict[str, Any]] = {}
        self.failures: Counter[str] = Counter()
        self.refuse_with: int | None = None

    def decide(self) -> str:
        """``ok``, ``500`` or ``drop`` for the next call."""
        with self._lock:
            roll = self._dice.random()
        if roll >= self._rate:
            return "ok"
        return "500" if roll < self._rate / 2 else "drop"

    def store(self, key: str, body: dict[str, Any]) -> None:
        """Record one delivery answered 2xx."""
        with self._lock:
            self.ok[key] += 1
            self.bodies[key] = body

    def fail(self, how: str) -> None:
        """Count one failed call."""
        with self._lock:
            self.failures[how] += 1


def _handler(endpoint: FlakyEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if endpoint.refuse_with is not None:
                self.send_error(endpoint.refuse_with)
                return
            how = endpoint.decide()
            if how == "drop":
                endpoint.fail(how)
                self.close_connection = True
                return  # no status line: the client sees the connection close
            if how == "500":
                endpoint.fail(how)
                self.send_error(500)
                return
            endpoint.store(self.headers["Idempotency-Key"], json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    return Handler


@contextmanager
def serve(endpoint: FlakyEndpoint) -> Iterator[str]:
    """Run ``endpoint`` on 127.0.0.1 (free port); yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(endpoint))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()
