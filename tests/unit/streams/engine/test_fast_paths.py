"""The engine's performance shortcuts agree with the straightforward forms they replace."""

from __future__ import annotations

import gc
import random
import uuid

from ivex.settings import RuleSettings
from streams.engine.facts import CORRECT, VOID
from streams.engine.gc_tuning import tune_gc
from streams.engine.history import as_of, live_as_of
from streams.engine.ids import NAMESPACE, request_id, trigger_id, uuid5_text
from streams.engine.params import RuleValues
from streams.engine.watermarks import (
    NO_WATERMARK,
    Watermarks,
    gate_from_text,
    gate_text,
    make_gate,
)
from tests.unit.streams.engine.builders import WW, ZY, at, birth


def test_uuid5_text_is_uuid5() -> None:
    rng = random.Random(5)
    alphabet = "abcXYZ|/;-_0123456789éè中"
    for _ in range(5_000):
        name = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 90)))
        assert uuid5_text(name) == str(uuid.uuid5(NAMESPACE, name))


def test_trigger_id_is_the_single_key_request_id() -> None:
    key = ("births", WW, "b-1")
    for kind in ("BIRTH_NOT_REGISTERED", "OUTCOME_RECORDED_ELSEWHERE"):
        for city in (WW, ZY):
            assert trigger_id(kind, key, city) == request_id(kind, [key], city)


def test_as_of_fast_path_matches_a_scan() -> None:
    versions = [
        birth(recorded_at=at("2024-01-02")),
        birth(recorded_at=at("2024-01-05"), action=CORRECT),
        birth(recorded_at=at("2024-01-09"), action=VOID),
    ]
    for day in range(1, 13):
        instant = at(f"2024-01-{day:02d}", 12 if day % 2 else 6)
        scan = next((v for v in reversed(versions) if v.recorded_at <= instant), None)
        assert as_of(versions, instant) is scan
        live = None if scan is None or scan.action == VOID else scan
        assert live_as_of(versions, instant) is live
    assert as_of([], 0) is None


def test_gate_minimum_is_kept_incrementally() -> None:
    marks = Watermarks()
    a, b, c = (WW, "births"), (ZY, "births"), (WW, "pregnancies")
    gate = make_gate([a, b, c])
    assert marks.effective(gate) == NO_WATERMARK
    rng = random.Random(3)
    values = {a: NO_WATERMARK, b: NO_WATERMARK, c: NO_WATERMARK}
    for _ in range(300):
        pair = rng.choice((a, b, c))
        new = values[pair] + rng.randrange(-5, 10) if values[pair] != NO_WATERMARK else 0
        before = min(values.values())
        risen = marks.advance(*pair, new)
        values[pair] = max(values[pair], new)
        assert marks.effective(gate) == min(values.values())
        assert (gate in risen) == (min(values.values()) > before)


def test_tune_gc_sets_thresholds_and_freezes() -> None:
    saved = gc.get_threshold()
    try:
        tune_gc(12_345, 6, 7)
        assert gc.get_threshold() == (12_345, 6, 7)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*saved)


def test_rule_values_mirror_every_rule_setting() -> None:
    settings = RuleSettings(registration_deadline_days=61, timezone_offset_hours=9)
    values = RuleValues(settings)
    for name in RuleSettings.model_fields:
        assert getattr(values, name) == getattr(settings, name), name


def test_gates_are_values() -> None:
    a, b = (WW, "births"), (ZY, "births")
    gate = make_gate([b, a, a])
    assert gate == make_gate([a, b])
    assert hash(gate) == hash(make_gate([a, b]))
    assert gate.pairs == (a, b)
    assert gate != make_gate([a])
    assert gate != (a, b)
    assert gate_from_text(gate_text(gate)) == gate
