"""The truth of whole runs: ids, fault knobs, and no ambiguity across seeds."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from ivex.settings import Settings
from ivex.simulation.params import FaultRates, build_params
from ivex.simulation.run import SimResult, simulate
from ivex.simulation.truth import BNR, DUP, LTU, OPEN, POU, RWB, WITHDRAWN
from tests.unit.ivex.simulation.conftest import params_with, small_params

#: The knobs whose faults are the only cause of each kind of request.
CAUSES: dict[str, tuple[str, ...]] = {
    BNR: ("unregistered", "late_registration"),
    RWB: ("unrecorded_birth", "late_outcome_record"),
    POU: ("pregnancy_loss", "unrecorded_birth", "late_outcome_record"),
    LTU: ("unapproved_late_termination",),
    DUP: ("duplicate_registration",),
}


def _kinds(result: SimResult) -> Counter[str]:
    return Counter(r.kind for r in result.truth)


def test_request_ids_follow_the_shared_formula(small_run: SimResult) -> None:
    ns = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ivex:case")
    assert small_run.truth
    for r in small_run.truth:
        line = r.to_json()
        name = f"{line['kind']}|{';'.join(sorted(line['trigger']))}|{line['addressed_city']}"
        assert line["request_id"] == str(uuid.uuid5(ns, name))
        assert line["addressed_city"] not in line["copy_to"]
        assert line["state"] in (OPEN, WITHDRAWN)


def test_a_default_run_raises_every_kind_in_both_states(settings: Settings) -> None:
    result = simulate(build_params(settings, seed=2, scale=0.5))
    states = Counter((r.kind, r.state) for r in result.truth)
    for kind in (BNR, RWB, POU, LTU, DUP):
        assert states[(kind, OPEN)] > 0, kind
    for kind in (BNR, POU, DUP):
        assert states[(kind, WITHDRAWN)] > 0, kind


def test_no_faults_no_requests(settings: Settings) -> None:
    params = build_params(settings, seed=4, scale=0.2, faults=FaultRates.none())
    assert simulate(params).truth == []


@pytest.mark.parametrize("kind", sorted(CAUSES))
def test_each_fault_knob_drives_its_kind(settings: Settings, kind: str) -> None:
    off = simulate(params_with(settings, dict.fromkeys(CAUSES[kind], 0.0)))
    assert _kinds(off)[kind] == 0
    high = {k: 0.5 for k in CAUSES[kind]}
    if kind == LTU:
        high["unapproved_late_termination"] = 1.0
    on = simulate(params_with(settings, high))
    # Late terminations of women from another city are rare even when all are unapproved.
    assert _kinds(on)[kind] >= (3 if kind == LTU else 10)


def test_late_registrations_withdraw_with_their_date(settings: Settings) -> None:
    result = simulate(small_params(settings, late_registration=0.3, unregistered=0.0))
    late_days = {
        f.first.recorded_at.date().isoformat()
        for f in result.facts
        if "late_registration" in f.tags
    }
    withdrawn = [r for r in result.truth if r.kind == BNR and r.state == WITHDRAWN]
    assert withdrawn
    for r in withdrawn:
        assert r.reason.startswith("recorded late on ")
        assert r.reason.removeprefix("recorded late on ") in late_days


def test_unapproved_late_terminations_of_migrants_and_their_corrections(
    settings: Settings,
) -> None:
    faults = FaultRates().override({"unapproved_late_termination": 1.0, "approval_correction": 0.5})
    result = simulate(build_params(settings, seed=6, scale=0.6, faults=faults))
    expected = {
        f.key
        for f in result.facts
        if "unapproved_late_termination" in f.tags
        and f.first.fields["mother_hukou_city"] != f.source_city
    }
    requests = [r for r in result.truth if r.kind == LTU]
    assert {r.trigger[0] for r in requests} == expected
    corrected = [r for r in requests if r.state == WITHDRAWN]
    assert corrected
    assert all(r.reason.startswith("record corrected on ") for r in corrected)


def test_duplicates_raise_one_request_per_registering_city(settings: Settings) -> None:
    result = simulate(small_params(settings, duplicate_registration=0.3, duplicate_void=0.5))
    by_pair: dict[tuple[str, ...], list[str]] = {}
    for r in result.truth:
        if r.kind == DUP:
            by_pair.setdefault(r.trigger, []).append(r.addressed_city)
            assert len(r.trigger) == 2
    cities = {len({k.split("/")[1] for k in pair}) for pair in by_pair}
    assert cities == {1, 2}
    for pair, addressed in by_pair.items():
        assert sorted(addressed) == sorted({k.split("/")[1] for k in pair})
    voided = [r for r in result.truth if r.kind == DUP and r.state == WITHDRAWN]
    assert voided
    assert all(r.reason.startswith("record voided on ") for r in voided)


@pytest.mark.parametrize("seed", range(20, 28))
def test_truth_is_unambiguous_at_high_fault_rates(settings: Settings, seed: int) -> None:
    faults = {
        name: 0.3
        for name in (
            "unregistered",
            "late_registration",
            "unrecorded_birth",
            "late_outcome_record",
            "duplicate_registration",
            "correction",
            "void_rerecord",
        )
    }
    # AmbiguousTruthError would be raised by simulate() itself.
    result = simulate(
        build_params(settings, seed=seed, scale=0.1, faults=FaultRates().override(faults))
    )
    assert result.truth
