"""The case engine, fed the simulated files through the connectors, raises the truth.

The truth never imports the engine; this test is where the two independent readings
of docs/rules.md meet. Offline: rows go connector → engine in recorded_at order (each city's
own order kept), then every city declares every stream complete through the end.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from ivex.errors import RecordRejected
from ivex.settings import Settings
from ivex.simulation.model import STREAMS
from ivex.simulation.params import FaultRates, build_params
from ivex.simulation.run import simulate, write


def _engine_requests(settings: Settings, out: Path, end_ms: int) -> dict[str, Any]:
    formats = pytest.importorskip("connectors.formats")
    rows = pytest.importorskip("connectors.rows")
    engine_mod = pytest.importorskip("streams.engine.engine")
    facts = pytest.importorskip("streams.engine.facts")
    items = []
    for city in settings.city_codes:
        preparer = rows.RowPreparer(settings, city, key=b"test-key")
        for stream in STREAMS:
            for offset, row in enumerate(formats.read_file(out / city / f"{stream}.csv", "csv")):
                try:
                    if row.malformed:
                        continue
                    record = preparer.prepare(stream, row.data)
                except RecordRejected:
                    continue
                items.append((record.recorded_at_ms, city, stream, offset, record))
    items.sort(key=lambda item: item[:4])
    engine = engine_mod.CaseEngine(engine_mod.EngineParams.from_settings(settings))
    raised: dict[str, Any] = {}
    for _, city, stream, offset, record in items:
        position = facts.Position(f"city.{city}.{stream}", 0, offset)
        for request in engine.apply(facts.fact_from_avro(stream, record.datum, position)).requests:
            raised[request.request_id] = request
    for city in settings.city_codes:
        for stream in STREAMS:
            mark = facts.Watermark(str(uuid.uuid4()), city, stream, end_ms, end_ms)
            for request in engine.apply(mark).requests:
                raised[request.request_id] = request
    return raised


@pytest.mark.parametrize(
    ("seed", "rates"),
    [(1, {}), (21, {"unregistered": 0.2, "late_registration": 0.2, "unrecorded_birth": 0.2,
                    "late_outcome_record": 0.2, "duplicate_registration": 0.2,
                    "correction": 0.2, "void_rerecord": 0.2})],
)  # fmt: skip
def test_engine_raises_exactly_the_truth(
    settings: Settings, tmp_path: Path, seed: int, rates: dict[str, float]
) -> None:
    params = build_params(settings, seed=seed, scale=0.2, faults=FaultRates().override(rates))
    result = simulate(params)
    write(result, tmp_path)
    raised = _engine_requests(settings, tmp_path, int(result.end_instant.timestamp() * 1000))
    truth = [json.loads(line) for line in (tmp_path / "truth.jsonl").read_text().splitlines()]
    assert sorted(raised) == sorted(t["request_id"] for t in truth)
    for t in truth:
        got = raised[t["request_id"]]
        assert (got.kind, got.addressed_city, got.state) == (
            t["kind"],
            t["addressed_city"],
            t["state"],
        )
        assert sorted(got.copy_to) == t["copy_to"]
        if t["state"] == "WITHDRAWN":
            assert got.reason == t["reason"]
