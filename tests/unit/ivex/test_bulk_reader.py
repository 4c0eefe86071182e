"""The bulk reader's error mapping (reading itself is tested against the broker)."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError

from ivex.bulk_reader import BulkReadError, TopicAccessDeniedError, _raise
from ivex.topic_reader import TopicNotFoundError


def test_an_acl_denial_names_topic_and_principal_and_what_to_do() -> None:
    with pytest.raises(TopicAccessDeniedError) as denied:
        _raise(KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED), "t.requests", "city-620700")
    assert denied.value.code == "topic_access_denied"
    assert (denied.value.topic, denied.value.principal) == ("t.requests", "city-620700")
    assert "ivex access apply" in str(denied.value)


@pytest.mark.parametrize("code", [KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC])
def test_an_unknown_topic_is_not_found(code: int) -> None:
    with pytest.raises(TopicNotFoundError, match=r"t\.x"):
        _raise(KafkaError(code), "t.x", "ivex-admin")


def test_a_fatal_error_stops_the_read() -> None:
    with pytest.raises(BulkReadError):
        _raise(KafkaError(KafkaError._FATAL, "boom", fatal=True), "t.x", "ivex-admin")


def test_a_transient_error_is_left_to_librdkafka() -> None:
    _raise(KafkaError(KafkaError._TRANSPORT), "t.x", "ivex-admin")  # returns
