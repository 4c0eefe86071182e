"""Helpers of the audit integration tests: the ``ivex`` CLI run against a test federation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ivex.settings import Settings

IVEX = Path(sys.executable).parent / "ivex"


def run_ivex(
    settings: Settings, *args: str, timeout_s: float = 300.0
) -> subprocess.CompletedProcess[str]:
    """Run ``ivex ARGS`` on ``settings``' broker and topic prefix; output captured."""
    env = os.environ | {
        "IVEX_KAFKA__BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "IVEX_FEDERATION__TOPIC_PREFIX": settings.federation.topic_prefix,
        "COLUMNS": "200",
    }
    env.pop("IVEX_CONFIG", None)
    return subprocess.run(
        [str(IVEX), *args], capture_output=True, text=True, env=env, timeout=timeout_s, check=False
    )
