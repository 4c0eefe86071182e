"""The Avro schemas shipped in ``schemas/avro/v<N>/*.avsc``, parsed once and indexed.

The folder is found, in this order, from ``IVEX_SCHEMA_DIR``, from the source checkout
(``<repo>/schemas/avro``) or from package data (``ivex/schemas/avro``, when installed
with the schemas copied in). Nothing is read until :func:`shipped` is first called.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fastavro import parse_schema

from ivex.codec.fingerprint import fingerprint, parsing_canonical_form
from ivex.errors import SchemaError

#: Environment variable naming the folder that holds ``v1/``, ``v2/``, ...
SCHEMA_DIR_ENV = "IVEX_SCHEMA_DIR"

_VERSION_DIR = re.compile(r"^v(\d+)$")


@dataclass(frozen=True)
class SchemaVersion:
    """One writer or reader schema: its identity, its JSON and its fastavro parse.

    ``version`` is the ``v<N>`` folder it was shipped in, or ``None`` for a schema
    known only from the catalogue topic.
    """

    name: str
    full_name: str
    version: int | None
    fingerprint: bytes
    canonical: str
    raw: dict[str, Any] = field(repr=False, compare=False)
    parsed: dict[str, Any] = field(repr=False, compare=False)

    @property
    def json(self) -> str:
        """The full schema JSON (logical types and defaults included), compact."""
        return json.dumps(self.raw, separators=(",", ":"), ensure_ascii=False)


def schema_version(raw: dict[str, Any] | str, version: int | None = None) -> SchemaVersion:
    """Parse one record schema (JSON text or parsed JSON) into a :class:`SchemaVersion`."""
    try:
        data: Any = json.loads(raw) if isinstance(raw, str) else dict(raw)
        parsed: Any = parse_schema(data)
        canonical = parsing_canonical_form(data)
    except Exception as exc:  # fastavro raises a variety of types for a bad schema
        raise SchemaError(f"invalid Avro schema: {type(exc).__name__}: {exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "record":
        raise SchemaError("a top-level ivex schema must be a record")
    full_name = str(parsed["name"])
    return SchemaVersion(
        name=full_name.rpartition(".")[2],
        full_name=full_name,
        version=version,
        fingerprint=fingerprint(data),
        canonical=canonical,
        raw=data,
        parsed=parsed,
    )


class SchemaSet:
    """Schemas indexed by record name (versions ascending) and by fingerprint."""

    def __init__(self, schemas: list[SchemaVersion]) -> None:
        by_name: dict[str, list[SchemaVersion]] = {}
        by_fp: dict[bytes, SchemaVersion] = {}
        for s in schemas:
            if s.fingerprint in by_fp:
                other = by_fp[s.fingerprint]
                raise SchemaError(
                    f"{s.name} v{s.version} has the same fingerprint as "
                    f"{other.name} v{other.version}: ship a schema once"
                )
            by_fp[s.fingerprint] = s
            by_name.setdefault(s.name, []).append(s)
        self._by_name = {
            n: tuple(sorted(v, key=lambda s: s.version or 0)) for n, v in by_name.items()
        }
        self._by_fp = by_fp

    def names(self) -> tuple[str, ...]:
        """Record names, sorted."""
        return tuple(sorted(self._by_name))

    def versions(self, name: str) -> tuple[SchemaVersion, ...]:
        """Every shipped version of record ``name``, oldest first (empty if unknown)."""
        return self._by_name.get(name, ())

    def latest(self, name: str) -> SchemaVersion:
        """The newest shipped version of record ``name``; :class:`SchemaError` if none."""
        versions = self._by_name.get(name)
        if not versions:
            raise SchemaError(f"no shipped schema for record {name!r}")
        return versions[-1]

    def get(self, name: str, version: int) -> SchemaVersion:
        """Version ``version`` of record ``name``; :class:`SchemaError` if not shipped."""
        for s in self._by_name.get(name, ()):
            if s.version == version:
                return s
        raise SchemaError(f"no shipped schema for record {name!r} version {version}")

    def by_fingerprint(self, fp: bytes) -> SchemaVersion | None:
        """The shipped schema with this fingerprint, or ``None``."""
        return self._by_fp.get(fp)

    def __iter__(self) -> Iterator[SchemaVersion]:
        return iter(self._by_fp.values())

    def __len__(self) -> int:
        return len(self._by_fp)


def schema_dir() -> Path:
    """The folder holding ``v<N>/*.avsc``: ``IVEX_SCHEMA_DIR``, the checkout, or package data."""
    env = os.environ.get(SCHEMA_DIR_ENV)
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parents[2] / "schemas" / "avro"
    if checkout.is_dir():
        return checkout
    packaged = Path(str(resources.files("ivex") / "schemas" / "avro"))
    if packaged.is_dir():
        return packaged
    raise SchemaError(
        f"shipped Avro schemas not found: set {SCHEMA_DIR_ENV} to the folder holding v1/, v2/..."
    )


def load_schema_dir(path: Path) -> SchemaSet:
    """Read and parse every ``v<N>/*.avsc`` below ``path``."""
    schemas: list[SchemaVersion] = []
    if not path.is_dir():
        raise SchemaError(f"schema folder {path} does not exist")
    for sub in sorted(path.iterdir()):
        match = _VERSION_DIR.match(sub.name)
        if not (match and sub.is_dir()):
            continue
        for file in sorted(sub.glob("*.avsc")):
            try:
                entry = schema_version(file.read_text(encoding="utf-8"), int(match.group(1)))
            except SchemaError as exc:
                raise SchemaError(f"{file}: {exc.message}") from exc
            if entry.name != file.stem:
                raise SchemaError(f"{file}: holds record {entry.name}, not {file.stem}")
            schemas.append(entry)
    if not schemas:
        raise SchemaError(f"no v<N>/*.avsc schemas below {path}")
    return SchemaSet(schemas)


@cache
def shipped() -> SchemaSet:
    """The shipped schemas, loaded on first use and then kept."""
    return load_schema_dir(schema_dir())


def latest(name: str) -> SchemaVersion:
    """The newest shipped version of record ``name``."""
    return shipped().latest(name)
