"""Resolve Apache Kafka's jars from Maven Central into a per-version cache folder.

Kafka has no pip package and no tarball on Maven Central, but its broker is the artifact
``org.apache.kafka:kafka_2.13``. A tiny generated POM plus ``mvn
dependency:copy-dependencies`` puts it and every runtime dependency in one folder, which
is all ``java -cp '<folder>/*'`` needs.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from ivex.errors import JarResolutionError

#: Logging binding shipped with the broker so it writes to a file instead of stderr.
#: Kafka 4.x logs through log4j2 (3.x through reload4j); the SLF4J 2 bridge covers both.
LOG4J_VERSION = "2.24.3"

#: Marker written once every jar is in place; a folder without it is re-resolved.
COMPLETE_MARKER = ".complete"


@dataclass(frozen=True)
class Artifact:
    """One Maven coordinate of the generated POM."""

    group_id: str
    artifact_id: str
    version: str


def broker_artifacts(kafka_version: str) -> list[Artifact]:
    """The artifacts the local broker needs: Kafka itself plus a log4j2 binding."""
    return [
        Artifact("org.apache.kafka", "kafka_2.13", kafka_version),
        Artifact("org.apache.logging.log4j", "log4j-slf4j-impl", LOG4J_VERSION),
        Artifact("org.apache.logging.log4j", "log4j-core", LOG4J_VERSION),
        Artifact("org.apache.logging.log4j", "log4j-api", LOG4J_VERSION),
    ]


def render_pom(kafka_version: str) -> str:
    """A minimal POM whose only purpose is to list the broker's dependencies."""
    deps = "\n".join(
        "    <dependency>\n"
        f"      <groupId>{escape(a.group_id)}</groupId>\n"
        f"      <artifactId>{escape(a.artifact_id)}</artifactId>\n"
        f"      <version>{escape(a.version)}</version>\n"
        "    </dependency>"
        for a in broker_artifacts(kafka_version)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>ivex.local</groupId>
  <artifactId>kafka-broker-jars</artifactId>
  <version>{escape(kafka_version)}</version>
  <packaging>pom</packaging>
  <dependencies>
{deps}
  </dependencies>
</project>
"""


def version_dir(cache_dir: Path, kafka_version: str) -> Path:
    """The cache folder of one Kafka version."""
    return cache_dir / kafka_version


def libs_dir(cache_dir: Path, kafka_version: str) -> Path:
    """The folder holding every jar of one Kafka version."""
    return version_dir(cache_dir, kafka_version) / "libs"


def is_resolved(cache_dir: Path, kafka_version: str) -> bool:
    """True when a previous resolution of this version completed."""
    return (version_dir(cache_dir, kafka_version) / COMPLETE_MARKER).is_file()


def resolve_jars(cache_dir: Path, kafka_version: str) -> Path:
    """Download Kafka ``kafka_version`` and its dependencies once; return the libs folder.

    Raises :class:`JarResolutionError` when Maven is missing or the resolution fails (with
    Maven's output, which names the artifact it could not find).
    """
    libs = libs_dir(cache_dir, kafka_version)
    if is_resolved(cache_dir, kafka_version):
        return libs
    mvn = shutil.which("mvn")
    if mvn is None:
        raise JarResolutionError(
            "Maven (mvn) is not on PATH; it is needed to fetch Kafka's jars",
            kafka_version=kafka_version,
            cache_dir=str(cache_dir),
        )
    home = version_dir(cache_dir, kafka_version)
    home.mkdir(parents=True, exist_ok=True)
    (home / "pom.xml").write_text(render_pom(kafka_version), encoding="utf-8")
    # A half-copied folder from an interrupted run would mix versions on the classpath.
    shutil.rmtree(libs, ignore_errors=True)
    proc = subprocess.run(
        [
            mvn,
            "-q",
            "-B",
            "dependency:copy-dependencies",
            "-DoutputDirectory=libs",
            "-DincludeScope=runtime",
        ],
        cwd=home,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-20:])
        raise JarResolutionError(
            f"Maven could not resolve org.apache.kafka:kafka_2.13:{kafka_version} "
            f"(exit {proc.returncode}) in {home}:\n{tail}",
            kafka_version=kafka_version,
            cache_dir=str(cache_dir),
        )
    if not any(libs.glob("kafka_2.13-*.jar")):
        raise JarResolutionError(
            f"Maven finished but {libs} holds no kafka_2.13 jar",
            kafka_version=kafka_version,
            cache_dir=str(cache_dir),
        )
    (home / COMPLETE_MARKER).write_text(kafka_version + "\n", encoding="utf-8")
    return libs
