"""One simulation run: facts, their record ids, the truth, and the files on disk."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from ivex.simulation.faults import correct_and_void, fact_subject
from ivex.simulation.lives import World
from ivex.simulation.model import RECORD_PREFIX, Fact, cst
from ivex.simulation.params import SimParams
from ivex.simulation.sexes import balance_sexes
from ivex.simulation.truth import ExpectedRequest, compute_truth
from ivex.simulation.writer import FORMATS, FileStats, write_streams


@dataclass
class SimResult:
    """Everything one run produced, before it is written."""

    params: SimParams
    facts: list[Fact]
    start_instant: datetime
    end_instant: datetime
    truth: list[ExpectedRequest]

    def faults_injected(self) -> dict[str, int]:
        """How many facts in the log carry each fault tag."""
        return dict(sorted(Counter(t for f in self.facts for t in f.tags).items()))


def simulate(params: SimParams, *, truth: bool = True) -> SimResult:
    """Run the simulation in memory: same params, same result.

    ``truth=False`` leaves the truth empty (the facts are the same): for loaders that only
    publish the log, as computing it is ≈ 12 % of a run."""
    world = World(params)
    facts = world.build()
    correct_and_void(facts, params)
    tz = cst(params.rules.timezone_offset_hours)
    start = datetime.combine(params.start, time(0), tzinfo=tz)
    end = world.end_instant
    logged = _cut(facts, start, end)
    balance_sexes(logged, params, world.used_ids)
    _assign_record_ids(logged)
    expected = compute_truth(logged, params.rules, end) if truth else []
    return SimResult(params, logged, start, end, expected)


def _cut(facts: list[Fact], start: datetime, end: datetime) -> list[Fact]:
    """Keep what was recorded in [start, end); a fact first recorded before start is history."""
    kept = []
    for fact in facts:
        if fact.first.recorded_at < start:
            continue
        fact.versions = [v for v in fact.versions if v.recorded_at < end]
        if fact.versions:
            kept.append(fact)
    return kept


def _assign_record_ids(facts: list[Fact]) -> None:
    groups: dict[tuple[str, str], list[Fact]] = {}
    for fact in facts:
        groups.setdefault((fact.stream, fact.source_city), []).append(fact)
    for (stream, city), group in groups.items():
        group.sort(key=lambda f: (f.first.recorded_at, fact_subject(f)))
        for n, fact in enumerate(group, start=1):
            fact.record_id = f"{RECORD_PREFIX[stream]}-{city}-{n:06d}"


def publish_plan(result: SimResult) -> dict[str, Any]:
    """Per city, the recorded_at batch boundaries the demo publishes by (and declares as
    watermarks): daily for every city but the lagging one, which publishes weekly."""
    plan: dict[str, Any] = {}
    for city in result.params.cities:
        step = 7 if city == result.params.lagging_city else 1
        bounds = []
        edge = result.start_instant + timedelta(days=step)
        while edge < result.end_instant:
            bounds.append(edge.isoformat())
            edge += timedelta(days=step)
        bounds.append(result.end_instant.isoformat())
        plan[city] = {
            "schedule": "weekly" if step == 7 else "daily",
            "interval_days": step,
            "boundaries": bounds,
        }
    return plan


def write(result: SimResult, out_dir: Path, fmt: str = "csv") -> dict[str, Any]:
    """Write the stream files, ``truth.jsonl`` and ``manifest.json``; return the manifest."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    out_dir.mkdir(parents=True, exist_ok=True)
    stats = write_streams(result.facts, result.params, out_dir, fmt)
    truth_text = "".join(
        json.dumps(r.to_json(), ensure_ascii=False, sort_keys=True) + "\n" for r in result.truth
    )
    (out_dir / "truth.jsonl").write_bytes(truth_text.encode("utf-8"))
    manifest = build_manifest(result, stats, out_dir, fmt)
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    (out_dir / "manifest.json").write_bytes(text.encode("utf-8"))
    return manifest


def build_manifest(
    result: SimResult, stats: dict[str, dict[str, FileStats]], out_dir: Path, fmt: str
) -> dict[str, Any]:
    """The run's manifest: inputs, counts, faults injected, truth summary, publish plan."""
    malformed: Counter[str] = Counter()
    counts: dict[str, dict[str, Any]] = {}
    for city, streams in stats.items():
        counts[city] = {}
        for stream, s in streams.items():
            malformed.update(s.malformed)
            counts[city][stream] = {
                "rows": s.rows,
                "records": s.records,
                "malformed_rows": sum(s.malformed.values()),
                "duplicate_rows": s.duplicate_rows,
                "lowercase_x": s.lowercase_x,
            }
    injected: dict[str, int] = result.faults_injected()
    injected["malformed_rows"] = sum(malformed.values())
    injected["duplicate_rows"] = sum(s.duplicate_rows for c in stats.values() for s in c.values())
    summary: dict[str, Counter[str]] = {}
    for r in result.truth:
        summary.setdefault(r.kind, Counter())[r.state] += 1
    files = sorted(p for p in out_dir.glob(f"*/*.{fmt}"))
    return {
        "seed": result.params.seed,
        "format": fmt,
        "options": result.params.to_json(),
        "period": {
            "start": result.start_instant.isoformat(),
            "end": result.end_instant.isoformat(),
        },
        "simulation_end": result.end_instant.isoformat(),
        "counts": counts,
        "faults_injected": injected,
        "malformed_by_kind": dict(sorted(malformed.items())),
        "truth": {k: dict(sorted(v.items())) for k, v in sorted(summary.items())},
        "publish_plan": publish_plan(result),
        "files": {
            str(p.relative_to(out_dir)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files
        },
    }
