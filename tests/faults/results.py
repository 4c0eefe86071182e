"""The numbers of a fault run: one JSON line per test into ``IVEX_FAULTS_RESULTS`` (if set),
and the docs/reliability.md table made from them (``python -m tests.faults.results FILE``)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.faults.profile import Profile


def record(
    test: str,
    profile: Profile,
    seed: int,
    injected: Mapping[str, int],
    acknowledged: int,
    *,
    lost: int,
    doubled: int,
    stalls: int,
    seconds: float,
    diverged: int = 0,
    detail: str = "",
) -> None:
    """Append one test's figures to the results file named by ``IVEX_FAULTS_RESULTS``."""
    line = {
        "test": test, "profile": profile.name, "seed": seed, "injected": dict(injected),
        "acknowledged": acknowledged, "lost": lost, "doubled": doubled, "stalls": stalls,
        "diverged": diverged, "seconds": round(seconds, 1), "detail": detail,
    }  # fmt: skip
    print(f"faults result: {json.dumps(line)}")
    target = os.environ.get("IVEX_FAULTS_RESULTS")
    if target:
        with Path(target).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")


def table(lines: list[dict[str, object]]) -> str:
    """The Markdown table: one row per fault kind of each test."""
    out = [
        "| fault | injected | events acknowledged | lost | duplicated at the sink "
        "| stalls | re-derivation differences | seed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for line in lines:
        injected = line["injected"]
        assert isinstance(injected, dict)
        for fault, count in sorted(injected.items()):
            out.append(
                f"| {fault} ({line['test']}) | {count} | {line['acknowledged']} | {line['lost']} "
                f"| {line['doubled']} | {line['stalls']} | {line.get('diverged', 0)} "
                f"| {line['seed']} |"
            )
    return "\n".join(out)


if __name__ == "__main__":
    rows = [json.loads(x) for x in Path(sys.argv[1]).read_text().splitlines() if x.strip()]
    print(table(rows))
