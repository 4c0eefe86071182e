"""Base class of the record models and the conversions to and from Avro data and errors."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from ivex.errors import RecordRejected


class AvroRecord(BaseModel):
    """A frozen model of one Avro record; field names exactly as in its schema."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    #: The Avro record name (without namespace).
    record_name: ClassVar[str]


# Built-in pydantic messages rewritten into ivex's short, value-free reasons.
_REASONS: dict[str, str] = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field",
    "string_type": "must be text",
    "string_too_short": "must not be empty",
    "int_type": "must be an integer",
    "int_from_float": "must be an integer",
    "bool_type": "must be true or false",
    "float_type": "must be a number",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "model_type": "must be an object",
    "dict_type": "must be an object",
    "model_attributes_type": "must be an object",
}


def _reason(err: Any) -> str:
    if err["type"] == "enum":
        return "must be one of: " + str(err.get("ctx", {}).get("expected", "")).replace("'", "")
    return _REASONS.get(err["type"], str(err["msg"]))


def reject_from(exc: ValidationError) -> list[RecordRejected]:
    """One :class:`RecordRejected` per validation error: dotted field path and reason.

    Reasons never contain the rejected value (it may be an ID number).
    """
    rejected = []
    for err in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(p) for p in err["loc"]) or "record"
        rejected.append(RecordRejected(field, _reason(err)))
    return rejected
