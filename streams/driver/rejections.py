"""Rejected responses → ``dlq.<responding city>`` (docs/bad-input.md).

A response to an unknown request, or from a city the request is not addressed to, is
kept on the DLQ of the city that published it, as a connector keeps a rejected row: the
response as JSON, field and reason in headers (:mod:`ivex.dlq`, which also masks anything
that looks like a resident ID). ``ivex_source``/``ivex_line`` name the response's topic
and offset, so the key is a function of the response alone: a rejection repeated after a
crash is the same record again.
"""

from __future__ import annotations

from typing import Final

from ivex.dlq import dead_letter
from ivex.topics import TopicNames
from streams.driver.records import Outgoing
from streams.lifecycle.outputs import Rejection

STREAM: Final = "responses"


def rejection_record(names: TopicNames, rejection: Rejection) -> Outgoing:
    """The DLQ record of one rejected response."""
    response = rejection.response
    letter = dead_letter(
        city=rejection.dlq_city,
        stream=STREAM,
        source=response.position.topic or names.responses(rejection.dlq_city),
        line=str(response.position.offset),
        field=rejection.field,
        reason=rejection.reason,
        row=response.to_dict(),
    )
    return Outgoing(
        names.dlq(rejection.dlq_city),
        letter.key(),
        letter.value(),
        None,
        tuple(letter.headers()),
    )
