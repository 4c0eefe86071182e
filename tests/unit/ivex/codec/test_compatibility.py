"""FULL compatibility of every pair of shipped versions, and that breaking changes are caught."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest

from ivex.codec import shipped
from ivex.codec.compatibility import check_full, sample_datum
from ivex.errors import SchemaError

PAIRS = [
    (old, new)
    for name in shipped().names()
    for old, new in itertools.combinations(shipped().versions(name), 2)
]


def test_there_is_at_least_one_evolved_schema() -> None:
    assert PAIRS, "schemas/avro/v2 should hold at least one evolved schema"


@pytest.mark.parametrize(
    ("old", "new"), PAIRS, ids=[f"{o.name}-v{o.version}-v{n.version}" for o, n in PAIRS]
)
def test_every_pair_of_versions_is_full_compatible(old: Any, new: Any) -> None:
    check_full(old.raw, new.raw)
    check_full(new.raw, old.raw)


def _birth_v1() -> dict[str, Any]:
    return copy.deepcopy(shipped().get("BirthRecorded", 1).raw)


def _field(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in schema["fields"] if f["name"] == name)


def test_retyped_field_is_caught() -> None:
    new = _birth_v1()
    _field(new, "birth_order")["type"] = "string"
    with pytest.raises(SchemaError, match="not FULL compatible"):
        check_full(_birth_v1(), new)


def test_removed_field_without_default_is_caught() -> None:
    new = _birth_v1()
    new["fields"].remove(_field(new, "facility_code"))
    with pytest.raises(SchemaError, match="forward"):
        check_full(_birth_v1(), new)


def test_added_field_without_default_is_caught() -> None:
    new = _birth_v1()
    new["fields"].append({"name": "weight", "type": "int"})
    with pytest.raises(SchemaError, match="backward"):
        check_full(_birth_v1(), new)


def test_renamed_field_is_caught() -> None:
    new = _birth_v1()
    _field(new, "certificate_no")["name"] = "certificate_number"
    with pytest.raises(SchemaError, match=r"backward.*forward"):
        check_full(_birth_v1(), new)


def test_renamed_record_is_caught() -> None:
    new = _birth_v1()
    new["name"] = "Birth"
    with pytest.raises(SchemaError, match="not FULL compatible"):
        check_full(_birth_v1(), new)


def test_removed_enum_symbol_is_caught_when_no_default() -> None:
    old = _birth_v1()
    new = _birth_v1()
    for schema in (old, new):
        del _field(schema, "delivery_place")["type"]["default"]
    _field(new, "delivery_place")["type"]["symbols"].remove("EN_ROUTE")
    # The new reader cannot read an old EN_ROUTE.
    with pytest.raises(SchemaError, match="backward"):
        check_full(old, new)


def test_sample_datum_covers_every_shipped_schema() -> None:
    for entry in shipped():
        assert set(sample_datum(entry.raw)) == {f["name"] for f in entry.raw["fields"]}
