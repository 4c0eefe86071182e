"""Lag arithmetic and held-back deadlines of the completeness report (no broker)."""

from __future__ import annotations

from ivex.audit.completeness import Scan, exceeding, held_back, statuses

H = 3_600_000
A, B = "620700", "620900"


def _index(*entries: tuple[str, int]) -> dict[str, list[list[object]]]:
    return {"entries": [[g, i, "m", "K", "births/620700/B-1"] for g, i in entries]}


def test_a_pair_below_an_instant_another_pair_reached_holds_it() -> None:
    gate = f"{A}/births,{B}/births"
    index = _index((gate, 10 * H), (gate, 20 * H), (gate, 99 * H))
    marks = {(A, "births"): 30 * H, (B, "births"): 5 * H}
    # 99h: nobody reached it, so nobody holds it; 10h and 20h are held by B alone.
    assert held_back(index, marks) == {(B, "births"): (2, 10 * H)}


def test_a_pair_without_any_watermark_holds_what_others_reached() -> None:
    index = _index((f"{A}/births,{B}/registrations", 10 * H))
    assert held_back(index, {(A, "births"): 11 * H}) == {(B, "registrations"): (1, 10 * H)}


def test_statuses_lag_behind_leader_and_now_and_count_records_since() -> None:
    scan = Scan(
        marks={(A, "births"): 100 * H, (B, "births"): 40 * H},
        recorded={(B, "births"): [30 * H, 41 * H, 50 * H], (A, "births"): [99 * H]},
        held={(B, "births"): (3, 45 * H)},
    )
    rows = {(r.city, r.stream): r for r in statuses([A, B], scan, 110 * H)}
    a, b = rows[(A, "births")], rows[(B, "births")]
    assert (a.behind_leader, a.behind_now, a.records_since, a.held) == (0, 10 * H, 0, 0)
    assert (b.behind_leader, b.behind_now, b.records_since) == (60 * H, 70 * H, 2)
    assert (b.held, b.oldest_held) == (3, 45 * H)
    never = rows[(A, "pregnancies")]
    assert never.complete_through is None
    assert never.behind_now is None
    assert [(r.city, r.stream) for r in statuses([A, B], scan, 0)][:2] == [
        (A, "births"),
        (A, "registrations"),
    ]


def test_exceeding_by_basis_and_pairs_without_watermark_always_exceed() -> None:
    scan = Scan(marks={(A, "births"): 100 * H, (B, "births"): 40 * H})
    rows = [r for r in statuses([A, B], scan, 110 * H) if r.stream == "births"]
    assert [r.city for r in exceeding(rows, 36 * H, "leader")] == [B]
    assert [r.city for r in exceeding(rows, 5 * H, "now")] == [A, B]
    assert exceeding(rows, 80 * H, "now") == []
    everything = statuses([A, B], scan, 110 * H)
    assert len(exceeding(everything, 80 * H, "now")) == 6  # the streams with no watermark
