"""The pure request lifecycle: responses and the exchange clock move requests on (docs/rules.md).

No Kafka, no Faust, no wall clock: a driver decodes inputs, applies them one by one and
publishes what comes out.
"""

from streams.lifecycle.clock import ExchangeClockTracker
from streams.lifecycle.inputs import (
    Decision,
    ExchangeClock,
    LifecycleInput,
    Response,
    response_from_avro,
)
from streams.lifecycle.lifecycle import NO_CLOCK, LifecycleStats, RequestLifecycle
from streams.lifecycle.outputs import LifecycleOutput, Rejection
from streams.lifecycle.reasons import Resolution, answer_status, parse_resolution
from streams.lifecycle.record import RequestRecord
from streams.lifecycle.store import InMemoryLifecycleStore, LifecycleStore

__all__ = [
    "NO_CLOCK",
    "Decision",
    "ExchangeClock",
    "ExchangeClockTracker",
    "InMemoryLifecycleStore",
    "LifecycleInput",
    "LifecycleOutput",
    "LifecycleStats",
    "LifecycleStore",
    "Rejection",
    "RequestLifecycle",
    "RequestRecord",
    "Resolution",
    "Response",
    "answer_status",
    "parse_resolution",
    "response_from_avro",
]
