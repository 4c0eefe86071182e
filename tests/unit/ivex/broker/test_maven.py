"""The generated POM and the jar cache of the local broker."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ivex.broker import maven
from ivex.errors import JarResolutionError

_NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def _deps(pom: str) -> list[tuple[str, str, str]]:
    root = ET.fromstring(pom)
    return [
        (
            dep.findtext("m:groupId", namespaces=_NS) or "",
            dep.findtext("m:artifactId", namespaces=_NS) or "",
            dep.findtext("m:version", namespaces=_NS) or "",
        )
        for dep in root.iterfind("m:dependencies/m:dependency", _NS)
    ]


def test_pom_names_kafka_and_a_logging_binding() -> None:
    deps = _deps(maven.render_pom("4.1.1"))
    assert ("org.apache.kafka", "kafka_2.13", "4.1.1") in deps
    artifacts = {artifact for _, artifact, _ in deps}
    assert {"log4j-slf4j-impl", "log4j-core"} <= artifacts


def test_pom_is_a_pom_project() -> None:
    root = ET.fromstring(maven.render_pom("3.9.1"))
    assert root.findtext("m:packaging", namespaces=_NS) == "pom"
    assert root.findtext("m:version", namespaces=_NS) == "3.9.1"


def test_cache_is_per_version(tmp_path: Path) -> None:
    assert maven.libs_dir(tmp_path, "4.1.1") == tmp_path / "4.1.1" / "libs"
    assert not maven.is_resolved(tmp_path, "4.1.1")


def test_completed_cache_skips_maven(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "4.1.1"
    home.mkdir()
    (home / maven.COMPLETE_MARKER).write_text("4.1.1\n")
    monkeypatch.setattr("shutil.which", lambda _: None)
    assert maven.resolve_jars(tmp_path, "4.1.1") == home / "libs"


def test_missing_maven_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda _: None)
    with pytest.raises(JarResolutionError) as info:
        maven.resolve_jars(tmp_path, "4.1.1")
    assert info.value.kafka_version == "4.1.1"
    assert info.value.cache_dir == str(tmp_path)
    assert "mvn" in info.value.message
