"""Pydantic models of every ivex record, their validation rules, and Avro conversions.

Validate with the federation in the context::

    BirthRecorded.model_validate(row, context={"cities": settings.city_codes,
                                               "publishing_city": "620700"})
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import BaseModel

from ivex.errors import SchemaError
from ivex.models.base import AvroRecord, reject_from
from ivex.models.events import (
    BirthRecorded,
    CityEvent,
    PregnancyReported,
    RegistrationRecorded,
    SourceWatermark,
    TerminationRecorded,
)
from ivex.models.exchange import AssistanceRequest, AssistanceResponse, CaseNotice, Evidence
from ivex.models.monitoring import SexRatioReport

#: Model class of each top-level record, by Avro record name.
RECORD_MODELS: Final[dict[str, type[BaseModel]]] = {
    m.record_name: m
    for m in (
        BirthRecorded,
        RegistrationRecorded,
        TerminationRecorded,
        PregnancyReported,
        SourceWatermark,
        AssistanceRequest,
        AssistanceResponse,
        CaseNotice,
        SexRatioReport,
    )
}


def to_avro(model: BaseModel) -> dict[str, Any]:
    """The model as a datum :class:`~ivex.codec.Codec` can encode."""
    return model.model_dump()


def from_avro(name: str, datum: dict[str, Any], context: dict[str, Any] | None = None) -> BaseModel:
    """Validate a decoded datum of record ``name`` into its model (context as for validation)."""
    model = RECORD_MODELS.get(name)
    if model is None:
        raise SchemaError(f"no model for record {name!r}")
    return model.model_validate(datum, context=context)


__all__ = [
    "RECORD_MODELS",
    "AssistanceRequest",
    "AssistanceResponse",
    "AvroRecord",
    "BirthRecorded",
    "CaseNotice",
    "CityEvent",
    "Evidence",
    "PregnancyReported",
    "RegistrationRecorded",
    "SexRatioReport",
    "SourceWatermark",
    "TerminationRecorded",
    "from_avro",
    "reject_from",
    "to_avro",
]
