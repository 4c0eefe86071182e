"""HTTP ingest: ``POST /v1/<stream>`` with a JSON array of rows (the file columns).

Answers, with a JSON body ``{"request_id", "stream", "published", "duplicates",
"rejected", "results": [{"index", "status", "event_id"?, "record_id"?, "field"?,
"reason"?}]}``:

- **200** every row was published or was a duplicate;
- **422** some rows were rejected: the good rows *are* published (and listed as such),
  the bad ones went to ``dlq.<city>`` with their reason — the client must not resend
  the good ones blindly, though doing so is harmless (they come back as duplicates);
- **400** the body is not a JSON array; **404** unknown path or stream; **413** too big;
- **503** Kafka is unavailable: nothing in the answer is reported published; resend later
  (rows acknowledged before the outage come back as duplicates).

``GET /v1/health`` answers 200. The server binds 127.0.0.1 unless told otherwise; it
has no authentication of its own — put it behind the city's gateway.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final

from connectors.formats import json_rows
from connectors.publisher import Publisher, PublishReport
from ivex.errors import IvexError, PublishUnavailable
from ivex.topics import STREAMS, Stream

log = logging.getLogger(__name__)

MAX_BODY_BYTES: Final = 16 * 1024 * 1024
_PREFIX: Final = "/v1/"


class IngestServer(ThreadingHTTPServer):
    """A threading HTTP server owning one :class:`Publisher`; publishes one request at a
    time, because the publisher's Kafka clients and dedupe state are not shared safely."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], publisher: Publisher) -> None:
        super().__init__(address, IngestHandler)
        self.publisher = publisher
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        """Base URL of the server, e.g. ``http://127.0.0.1:8080``."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class IngestHandler(BaseHTTPRequestHandler):
    """Handles one request of :class:`IngestServer`."""

    server: IngestServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        """Health check."""
        if self.path == "/v1/health":
            self._answer(HTTPStatus.OK, {"status": "ok", "city": self.server.publisher.city})
        else:
            self._answer(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def do_POST(self) -> None:
        """Publish the rows of the body to the stream named by the path."""
        stream = self._stream()
        if stream is None:
            self._answer(HTTPStatus.NOT_FOUND, {"error": f"POST to {_PREFIX}<{'|'.join(STREAMS)}>"})
            return
        values = self._body()
        if values is None:
            return
        request_id = uuid.uuid4().hex[:12]
        rows = json_rows(values, source=f"http:{request_id}")
        try:
            with self.server.lock:
                report = self.server.publisher.publish(stream, rows)
        except PublishUnavailable as exc:
            self._answer(
                HTTPStatus.SERVICE_UNAVAILABLE,
                {"request_id": request_id, "error": exc.code, "detail": exc.reason},
                retry_after=True,
            )
            return
        except IvexError as exc:
            self._answer(
                HTTPStatus.INTERNAL_SERVER_ERROR, {"error": exc.code, "detail": exc.message}
            )
            return
        status = HTTPStatus.UNPROCESSABLE_ENTITY if report.rejected else HTTPStatus.OK
        self._answer(status, _body_of(request_id, report))

    def _stream(self) -> Stream | None:
        if not self.path.startswith(_PREFIX):
            return None
        name = self.path[len(_PREFIX) :].rstrip("/")
        for stream in STREAMS:
            if stream == name:
                return stream
        return None

    def _body(self) -> list[Any] | None:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE if length > 0 else HTTPStatus.BAD_REQUEST
            self._answer(status, {"error": f"Content-Length must be 0..{MAX_BODY_BYTES}"})
            self.close_connection = True
            return None
        raw = self.rfile.read(length)
        try:
            values = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            values = None
        if not isinstance(values, list):
            self._answer(HTTPStatus.BAD_REQUEST, {"error": "the body must be a JSON array of rows"})
            return None
        return values

    def _answer(
        self, status: HTTPStatus, body: dict[str, Any], *, retry_after: bool = False
    ) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        if retry_after:
            self.send_header("Retry-After", "10")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Request lines go to logging; paths and statuses only, never bodies."""
        log.info("%s " + format, self.address_string(), *args)


def _body_of(request_id: str, report: PublishReport) -> dict[str, Any]:
    results = []
    for outcome in report.outcomes:
        entry = outcome.as_dict()
        entry.pop("source", None)
        entry["index"] = int(entry.pop("line"))
        results.append(entry)
    return {
        "request_id": request_id,
        "stream": report.stream,
        "published": report.published,
        "duplicates": report.duplicates,
        "rejected": report.rejected,
        "results": results,
    }


def make_server(publisher: Publisher, host: str = "127.0.0.1", port: int = 0) -> IngestServer:
    """A server bound to ``host:port`` (port 0: any free port), not yet serving."""
    return IngestServer((host, port), publisher)
