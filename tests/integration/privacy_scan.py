"""The privacy scan: no resident ID number — any string passing the ID check character
with a real date — in a federation's topics or in files a run left behind."""

from __future__ import annotations

from pathlib import Path

from kafka import KafkaAdminClient

from ivex.identity import looks_like_resident_id
from ivex.kafka_config import client_config
from ivex.settings import Settings
from ivex.topic_reader import read_topics


def federation_topics(settings: Settings) -> list[str]:
    """Every topic under the federation's prefix (changelogs and internal topics too)."""
    admin = KafkaAdminClient(**client_config(settings))
    try:
        prefix = settings.federation.topic_prefix
        return sorted(t for t in admin.list_topics() if t.startswith(prefix))
    finally:
        admin.close()


def leaks_in_topics(settings: Settings, topics: list[str]) -> tuple[int, list[str]]:
    """How many records were scanned, and where an ID number was found (topic@offset)."""
    scanned, leaks = 0, []
    for record in read_topics(settings, topics):
        scanned += 1
        parts = [record.key or b"", record.value or b""]
        parts += [k.encode() + b"=" + (v or b"") for k, v in record.headers]
        if any(looks_like_resident_id(p.decode("latin-1")) for p in parts):
            leaks.append(f"{record.topic}@{record.offset}")
    return scanned, leaks


def leaks_in_files(root: Path) -> list[str]:
    """Files under ``root`` holding an ID number."""
    return [
        str(path)
        for path in root.rglob("*")
        if path.is_file() and looks_like_resident_id(path.read_bytes().decode("latin-1"))
    ]
