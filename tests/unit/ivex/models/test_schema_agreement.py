"""Models and the latest shipped schemas agree field by field."""

from __future__ import annotations

import types
import typing
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

import pytest
from pydantic import BaseModel

from ivex.codec import shipped
from ivex.models import RECORD_MODELS

_PRIMITIVE = {"string": str, "int": int, "long": int, "boolean": bool, "double": float}
_LOGICAL = {"uuid": UUID, "date": date, "timestamp-millis": datetime}


def _strip(annotation: Any) -> Any:
    """The bare type under Annotated[...]."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _check(avro: Any, annotation: Any, where: str) -> None:
    annotation = _strip(annotation)
    if isinstance(avro, list):
        assert avro[0] == "null", f"{where}: only [null, T] unions"
        assert len(avro) == 2, f"{where}: only [null, T] unions"
        origin = typing.get_origin(annotation)
        assert origin in (typing.Union, types.UnionType), f"{where}: must be Optional"
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        assert len(args) == 1, where
        assert len(typing.get_args(annotation)) == 2, where
        _check(avro[1], args[0], where)
        return
    if isinstance(avro, str):
        assert annotation is _PRIMITIVE[avro], f"{where}: {avro} vs {annotation}"
        return
    if "logicalType" in avro:
        assert annotation is _LOGICAL[avro["logicalType"]], where
    elif avro["type"] == "enum":
        assert isinstance(annotation, type), where
        assert issubclass(annotation, Enum), where
        assert annotation.__name__ == avro["name"].rpartition(".")[2], where
        assert [m.value for m in annotation] == avro["symbols"], where
    elif avro["type"] == "array":
        assert typing.get_origin(annotation) is tuple, where
        item, ellipsis = typing.get_args(annotation)
        assert ellipsis is Ellipsis, where
        _check(avro["items"], item, f"{where}[]")
    elif avro["type"] == "record":
        assert isinstance(annotation, type), where
        assert issubclass(annotation, BaseModel), where
        _check_record(avro, annotation)
    else:
        _check(avro["type"], annotation, where)


def _check_record(schema: dict[str, Any], model: type[BaseModel]) -> None:
    fields = {f["name"]: f for f in schema["fields"]}
    assert set(model.model_fields) == set(fields), schema["name"]
    for name, field in fields.items():
        info = model.model_fields[name]
        where = f"{schema['name']}.{name}"
        annotation = typing.get_type_hints(model, include_extras=True)[name]
        _check(field["type"], annotation, where)
        if "default" in field:
            assert not info.is_required(), where
            assert info.default == field["default"], where
        else:
            assert info.is_required(), where


def test_every_shipped_record_has_a_model() -> None:
    assert set(RECORD_MODELS) == set(shipped().names())


@pytest.mark.parametrize("name", sorted(RECORD_MODELS))
def test_model_matches_latest_schema(name: str) -> None:
    _check_record(shipped().latest(name).raw, RECORD_MODELS[name])
