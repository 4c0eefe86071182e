"""Records for the processing-errors topic (docs/bad-input.md): the original bytes, the cause in
headers, so that bad input never crashes the worker nor blocks its partition."""

from __future__ import annotations

from typing import Final

from ivex.codec import Codec, Decoded
from ivex.errors import CodecError, IvexError
from streams.driver.records import Outgoing, SourceMessage

CODE_HEADER: Final = "ivex_error_code"
MESSAGE_HEADER: Final = "ivex_error"
TOPIC_HEADER: Final = "ivex_source_topic"
PARTITION_HEADER: Final = "ivex_source_partition"
OFFSET_HEADER: Final = "ivex_source_offset"
STAGE_HEADER: Final = "ivex_stage"


class ProcessingError(IvexError):
    """Why one input could not be processed; ``code`` is stable and machine-readable.

    Unlike other :class:`IvexError` subclasses the code varies per instance: it is the
    cause the errors topic records (``undecodable``, ``unknown_fingerprint``, …).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def error_record(
    errors_topic: str, source: SourceMessage, error: ProcessingError, *, stage: str
) -> Outgoing:
    """The errors-topic record of ``source``: same key and value, cause in headers.

    The source's own headers follow ours, so CloudEvents attributes stay readable.
    """
    headers = (
        (CODE_HEADER, error.code.encode()),
        (MESSAGE_HEADER, error.message.encode()),
        (STAGE_HEADER, stage.encode()),
        (TOPIC_HEADER, source.topic.encode()),
        (PARTITION_HEADER, str(source.partition).encode()),
        (OFFSET_HEADER, str(source.offset).encode()),
        *source.headers,
    )
    return Outgoing(errors_topic, source.key, source.value or b"", None, headers)


def decode_message(codec: Codec, msg: SourceMessage, *, plain: bool = False) -> Decoded:
    """Decode a consumed value once; :class:`ProcessingError` for a tombstone or bad bytes.

    ``plain``: timestamps, dates and UUIDs as plain values (see :meth:`Codec.decode`)."""
    if msg.value is None:
        raise ProcessingError("malformed_message", "record without a value (tombstone)")
    try:
        return codec.decode(msg.value, plain=plain)
    except CodecError as exc:
        raise ProcessingError(exc.code, exc.message) from None
