"""The exception hierarchy of ivex.

Every error ivex raises on purpose is an :class:`IvexError`. Subclasses carry the
machine-readable fields a caller (a CLI, a DLQ writer, a test) needs, so nobody has to
parse a message. Messages never contain a raw resident ID number.
"""

from __future__ import annotations


class IvexError(Exception):
    """Root of every deliberate ivex error. ``code`` is stable and machine-readable."""

    code = "ivex_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(IvexError):
    """The federation config or the environment is missing or wrong."""

    code = "config_error"

    def __init__(self, message: str, *, source: str = "") -> None:
        super().__init__(f"{source}: {message}" if source else message)
        self.source = source


class RecordRejected(IvexError):  # noqa: N818 - a rejection is an outcome, not a fault
    """An input record failed validation: ``field`` names the culprit, ``reason`` says why."""

    code = "record_rejected"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class CodecError(IvexError):
    """Bytes on the wire could not be turned into a record, or a record into bytes."""

    code = "codec_error"


class UnknownFingerprintError(CodecError):
    """A single-object-encoded value names a writer schema nobody has published."""

    code = "unknown_fingerprint"

    def __init__(self, fingerprint: bytes) -> None:
        self.fingerprint = fingerprint
        super().__init__(
            f"unknown writer schema fingerprint {fingerprint.hex()}: neither shipped in "
            "schemas/avro/ nor published on the schema catalogue topic"
        )


class MalformedMessageError(CodecError):
    """The bytes are not Avro single-object encoding, or the body does not decode."""

    code = "malformed_message"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SchemaError(IvexError):
    """A schema file is invalid, or two versions are not FULL compatible."""

    code = "schema_error"


class BrokerError(IvexError):
    """The local Kafka broker could not be fetched, started, reached or stopped."""

    code = "broker_error"


class JarResolutionError(BrokerError):
    """Maven could not fetch Apache Kafka's jars for ``kafka_version`` into ``cache_dir``."""

    code = "broker_jars_unresolved"

    def __init__(self, message: str, *, kafka_version: str, cache_dir: str) -> None:
        super().__init__(message)
        self.kafka_version = kafka_version
        self.cache_dir = cache_dir


class BrokerStartError(BrokerError):
    """The local broker did not come up; ``log_file`` is where to look for the cause."""

    code = "broker_start_failed"

    def __init__(self, reason: str, *, log_file: str) -> None:
        super().__init__(f"{reason} (see {log_file})")
        self.reason = reason
        self.log_file = log_file


class ProvisionError(IvexError):
    """A topic could not be created or brought to its specification."""

    code = "provision_failed"

    def __init__(self, topic: str, reason: str) -> None:
        super().__init__(f"topic {topic}: {reason}")
        self.topic = topic
        self.reason = reason


class PublishUnavailable(IvexError):  # noqa: N818 - named in the issue; an outcome
    """Kafka did not acknowledge a publish after retries with backoff.

    ``acknowledged`` rows were acknowledged before the failure; nothing else was
    reported published. Re-running the same input is safe: event ids are content-derived.
    """

    code = "publish_unavailable"

    def __init__(
        self, reason: str, *, bootstrap_servers: str, attempts: int, acknowledged: int = 0
    ) -> None:
        super().__init__(
            f"Kafka at {bootstrap_servers} unavailable after {attempts} attempt(s): {reason}; "
            f"{acknowledged} row(s) acknowledged before the failure"
        )
        self.reason = reason
        self.bootstrap_servers = bootstrap_servers
        self.attempts = attempts
        self.acknowledged = acknowledged


class WatermarkRejected(IvexError):  # noqa: N818 - a rejection is an outcome, not a fault
    """A declared watermark would move backwards or promise completeness for the future."""

    code = "watermark_rejected"

    def __init__(self, stream: str, reason: str) -> None:
        super().__init__(f"watermark of {stream}: {reason}")
        self.stream = stream
        self.reason = reason


class SinkError(IvexError):
    """A subscriber's sink could not store a batch.

    ``delivered`` items at the head of the batch were stored before the failure: the
    subscriber commits their offsets and nothing after them.
    """

    code = "sink_error"

    def __init__(self, sink: str, reason: str, *, delivered: int = 0) -> None:
        super().__init__(f"sink {sink}: {reason} ({delivered} item(s) stored before the failure)")
        self.sink = sink
        self.reason = reason
        self.delivered = delivered
