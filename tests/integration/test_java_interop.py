"""Interoperability with Apache Avro Java, the reference implementation (NOTES "Avro").

Fetches ``org.apache.avro:avro`` with Maven into a cache outside the repository
(``IVEX_AVRO_JAVA_CACHE``, default ``~/.cache/ivex/avro-java``), compiles a tiny program
and checks that fingerprints agree and that single-object values cross both ways.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

import pytest

from ivex.codec import Codec, shipped

pytestmark = pytest.mark.integration

AVRO_VERSION = "1.12.0"
SOURCE = Path(__file__).parent / "java" / "AvroInterop.java"
POM = f"""<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.ivex</groupId><artifactId>avro-interop</artifactId><version>0</version>
  <dependencies><dependency><groupId>org.apache.avro</groupId><artifactId>avro</artifactId>
  <version>{AVRO_VERSION}</version></dependency></dependencies>
</project>
"""


@pytest.fixture(scope="module")
def java(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The ``java`` command line that runs AvroInterop (jars cached, class compiled fresh)."""
    if not (shutil.which("mvn") and shutil.which("javac")):
        pytest.skip("needs Maven and a JDK")
    cache = Path(
        os.environ.get("IVEX_AVRO_JAVA_CACHE", Path.home() / ".cache" / "ivex" / "avro-java")
    )
    lib = cache / "lib"
    if not (lib / f"avro-{AVRO_VERSION}.jar").is_file():
        cache.mkdir(parents=True, exist_ok=True)
        (cache / "pom.xml").write_text(POM)
        subprocess.run(
            ["mvn", "-q", "-B", "dependency:copy-dependencies", f"-DoutputDirectory={lib}"],
            cwd=cache,
            check=True,
            timeout=600,
        )
    classes = tmp_path_factory.mktemp("avro-interop")
    classpath = f"{lib}/*"
    subprocess.run(
        ["javac", "-cp", classpath, "-d", str(classes), str(SOURCE)], check=True, timeout=300
    )
    return ["java", "-cp", f"{classes}{os.pathsep}{classpath}", "AvroInterop"]


def _run(java: list[str], *args: str) -> str:
    done = subprocess.run([*java, *args], check=True, capture_output=True, text=True, timeout=120)
    return done.stdout


def _path(entry: object) -> Path:
    from ivex.codec.schemas import schema_dir

    return schema_dir() / f"v{entry.version}" / f"{entry.name}.avsc"  # type: ignore[attr-defined]


def test_fingerprints_match_schema_normalization(java: list[str]) -> None:
    entries = list(shipped())
    lines = _run(java, "fingerprint", *(str(_path(e)) for e in entries)).splitlines()
    theirs = dict(line.rsplit(" ", 1) for line in lines)
    for entry in entries:
        assert theirs[str(_path(entry))] == entry.fingerprint.hex(), entry.name


def test_java_value_decodes_here(java: list[str]) -> None:
    value = bytes.fromhex(
        _run(java, "encode-watermark", str(_path(shipped().latest("SourceWatermark")))).strip()
    )
    decoded = Codec().decode(value)
    assert decoded.record_name == "SourceWatermark"
    assert decoded.datum == {
        "event_id": UUID("6f1c1e4e-4b1b-4f39-9d44-8d1d6a3f2a05"),
        "source_city": "620700",
        "recorded_at": datetime.fromtimestamp(1741054500.123, UTC),
        "stream": "terminations",
        "complete_through": datetime.fromtimestamp(1741054400, UTC),
    }


def test_our_value_decodes_in_java(java: list[str]) -> None:
    codec = Codec()
    datum = {
        "event_id": UUID("6f1c1e4e-4b1b-4f39-9d44-8d1d6a3f2a05"),
        "source_city": "620700",
        "recorded_at": datetime.fromtimestamp(1741054500.123, UTC),
        "stream": "terminations",
        "complete_through": datetime.fromtimestamp(1741054400, UTC),
    }
    value = codec.encode("SourceWatermark", datum)
    schema = str(_path(shipped().latest("SourceWatermark")))
    record = json.loads(_run(java, "decode", schema, value.hex()))
    assert record == {
        "event_id": "6f1c1e4e-4b1b-4f39-9d44-8d1d6a3f2a05",
        "source_city": "620700",
        "recorded_at": 1741054500123,
        "stream": "terminations",
        "complete_through": 1741054400000,
    }
    # And Java's own encoding of the same record is byte-identical to ours.
    assert _run(java, "encode-watermark", schema).strip() == value.hex()


def test_newer_writer_resolves_in_java(java: list[str]) -> None:
    from ivex.samples import sample_records

    v1, v2 = shipped().versions("BirthRecorded")
    datum = sample_records()["BirthRecorded"] | {"source_system": "HIS 4.2"}
    value = Codec().encode("BirthRecorded", datum)
    assert value[2:10] == v2.fingerprint
    record = json.loads(_run(java, "decode", str(_path(v1)), value.hex(), str(_path(v2))))
    assert "source_system" not in record
    assert record["certificate_no"] == datum["certificate_no"]
    assert record["birth_date"] == (datum["birth_date"] - date(1970, 1, 1)).days
