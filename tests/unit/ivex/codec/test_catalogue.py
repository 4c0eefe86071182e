"""SchemaCatalogue resolution order and caching, with the topic read stubbed out."""

from __future__ import annotations

import copy
from io import BytesIO
from typing import Any

import pytest
from fastavro import schemaless_writer

from ivex.codec import Codec, SchemaCatalogue, ShippedResolver, shipped
from ivex.codec.catalogue import _entry
from ivex.codec.schemas import SchemaVersion, schema_version
from ivex.errors import UnknownFingerprintError
from ivex.samples import sample_records
from ivex.settings import Settings, load_settings


@pytest.fixture
def settings() -> Settings:
    return load_settings()


def _unshipped() -> SchemaVersion:
    raw: dict[str, Any] = copy.deepcopy(shipped().latest("BirthRecorded").raw)
    raw["fields"].append({"name": "ward", "type": ["null", "string"], "default": None})
    return schema_version(raw)


class _Stubbed(SchemaCatalogue):
    def __init__(self, settings: Settings, topic: dict[bytes, SchemaVersion]) -> None:
        super().__init__(settings, miss_ttl_s=60)
        self.topic_entries = topic
        self.reads = 0

    def _read_topic(self) -> dict[bytes, SchemaVersion]:
        self.reads += 1
        return dict(self.topic_entries)


def test_shipped_first_without_reading_the_topic(settings: Settings) -> None:
    catalogue = _Stubbed(settings, {})
    entry = shipped().latest("CaseNotice")
    assert catalogue.resolve(entry.fingerprint) is entry
    assert catalogue.reads == 0


def test_topic_on_a_miss_then_cached(settings: Settings) -> None:
    extra = _unshipped()
    catalogue = _Stubbed(settings, {extra.fingerprint: extra})
    assert catalogue.resolve(extra.fingerprint) is extra
    assert catalogue.resolve(extra.fingerprint) is extra
    assert catalogue.reads == 1


def test_unknown_after_both_and_not_rescanned_within_the_ttl(settings: Settings) -> None:
    catalogue = _Stubbed(settings, {})
    fp = bytes(range(8))
    for _ in range(3):
        with pytest.raises(UnknownFingerprintError, match=fp.hex()):
            catalogue.resolve(fp)
    assert catalogue.reads == 1


def test_codec_decodes_with_a_catalogue_writer(settings: Settings) -> None:
    extra = _unshipped()
    body = BytesIO()
    schemaless_writer(body, extra.parsed, sample_records()["BirthRecorded"] | {"ward": "3B"})
    value = b"\xc3\x01" + extra.fingerprint + body.getvalue()
    with pytest.raises(UnknownFingerprintError):
        Codec(ShippedResolver()).decode(value)
    decoded = Codec(_Stubbed(settings, {extra.fingerprint: extra})).decode(value)
    assert decoded.writer_version is None
    assert "ward" not in decoded.datum


def test_catalogue_entries_must_match_their_key() -> None:
    extra = _unshipped()
    good = _entry(extra.fingerprint.hex().encode(), extra.json.encode())
    assert good is not None
    assert good.fingerprint == extra.fingerprint
    assert _entry(b"00" * 8, extra.json.encode()) is None
    assert _entry(extra.fingerprint.hex().encode(), None) is None
    assert _entry(extra.fingerprint.hex().encode(), b"not json") is None
