"""The case-table outbox of answers: rows a city marked answered → ``assist.responses.<city>``.

Like :mod:`connectors.outbox`: pending rows (``answered_status`` set,
``response_published_at`` null) are read in batches, sent through the
:class:`~connectors.responder.Responder`, and marked only after Kafka acknowledged them. A crash
between the acknowledgement and the mark would send them again; to keep the log to one
message per response, the relay first reads the ids already on the city's responses topic
(``ce_id`` is the deterministic ``response_id``) and only marks those rows.

An answer that does not validate, or that answers a request addressed to another city,
is marked with ``response_error`` and leaves the outbox until the city answers again.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from connectors.responder import Answer, Responder
from connectors.sinks.case_table import CaseTable, PendingAnswer
from ivex.errors import PublishUnavailable, RecordRejected
from ivex.models import AssistanceResponse

log = logging.getLogger(__name__)


class AnswerRelay:
    """Publishes the answers of one city's case table."""

    def __init__(self, table: CaseTable, responder: Responder, *, batch_size: int = 200) -> None:
        self._table = table
        self._responder = responder
        self._batch_size = batch_size
        self._published: set[str] | None = None

    def run(
        self, *, once: bool, poll_interval_s: float = 1.0, stop: threading.Event | None = None
    ) -> int:
        """Publish pending answers until none are left (``once``) or ``stop`` is set.

        Returns how many rows were marked published. With ``once`` a Kafka outage raises
        :class:`PublishUnavailable`; otherwise the relay backs off and carries on.
        """
        stop = stop or threading.Event()
        self._table.open()
        marked, backoff = 0, poll_interval_s
        while not stop.is_set():
            try:
                handled = self.run_batch()
            except PublishUnavailable as exc:
                if once:
                    raise
                log.warning("Kafka unavailable (%s); retrying in %.0fs", exc.reason, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            marked, backoff = marked + handled, poll_interval_s
            if handled == 0:
                if once:
                    break
                stop.wait(poll_interval_s)
        return marked

    def run_batch(self) -> int:
        """Publish and mark the next batch of pending answers; how many were handled."""
        pending = self._table.pending_answers(self._batch_size)
        if not pending:
            return 0
        published = self._already_published()
        ready, failed, done = [], [], []
        for row in pending:
            answer = Answer(row.request_id, row.status, row.outcome, row.note, row.answered_at)
            try:
                response = self._check(row, answer)
            except RecordRejected as exc:
                failed.append((row, f"{exc.field}: {exc.reason}"))
                continue
            if str(response.response_id) in published:
                done.append(row)  # acknowledged before a crash, never marked
            else:
                ready.append((row, answer, response))
        deliveries = self._responder.deliver([(a, r) for _, a, r in ready])
        for (row, _, response), delivery in zip(ready, deliveries, strict=True):
            if delivery.error is None:
                done.append(row)
                published.add(str(response.response_id))
        self._table.mark_failed(failed)
        self._table.mark_published(done, datetime.now(UTC))
        log.info("answers: %d published, %d refused", len(done), len(failed))
        error = self._responder.unavailable(deliveries)
        if error is not None:
            raise error
        return len(done) + len(failed)

    def _check(self, row: PendingAnswer, answer: Answer) -> AssistanceResponse:
        if row.addressed_city != self._responder.city:
            raise RecordRejected("addressed_city", f"request is addressed to {row.addressed_city}")
        return self._responder.response(answer)

    def _already_published(self) -> set[str]:
        if self._published is None:
            self._published = self._responder.published_ids()
        return self._published
