"""Helpers of the audit tests: outputs put on their topics directly, and the ``ivex`` CLI
run against a test federation.

The read-only commands read what is on the log, not how it got there, so instead of
running stream workers the pure re-derivation computes the requests and notices and a
plain producer writes them, byte-identical to what the workers would publish.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kafka import KafkaProducer

from ivex.access.clients import process_env
from ivex.kafka_config import producer_config
from ivex.settings import Settings
from streams.driver.emit import Emitter
from streams.engine.outputs import RequestOut
from streams.rederive import rederive

IVEX = Path(sys.executable).parent / "ivex"


def publish_derived_outputs(settings: Settings) -> list[RequestOut]:
    """Derive the requests (every state the engine decided, then the final one) and the
    notices from the city topics, and produce them; returns the final request states."""
    derived = rederive(settings)
    emitter = Emitter(settings)
    records = [emitter.request(r) for r in derived.decisions.values()]
    records += [emitter.request(r) for r in derived.requests.values()]
    records += [emitter.notice(n) for n in derived.notices.values()]
    producer = KafkaProducer(**producer_config(settings))
    try:
        for rec in records:
            producer.send(rec.topic, key=rec.key, value=rec.value, headers=list(rec.headers))
        producer.flush()
    finally:
        producer.close()
    return list(derived.requests.values())


def run_ivex(
    settings: Settings, *args: str, timeout_s: float = 300.0
) -> subprocess.CompletedProcess[str]:
    """Run ``ivex ARGS`` on ``settings``' broker, topic prefix and principal; output captured."""
    env = os.environ | process_env(settings) | {"COLUMNS": "200"}
    env.pop("IVEX_CONFIG", None)
    return subprocess.run(
        [str(IVEX), *args], capture_output=True, text=True, env=env, timeout=timeout_s, check=False
    )
