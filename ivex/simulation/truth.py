"""The requests a correct case engine must raise from the simulated log (docs/rules.md).

Computed from the simulator's own facts, independently of the case engine, as a plain
function of every record's version history and one instant: the simulation end, which
the demo declares as every city's final watermark. A deadline day ``D`` is due iff
``end_of_day(D) <= end``; a rule is judged on the records as they stood at
``end_of_day(D)``; what changed later decides the final state (OPEN or WITHDRAWN and why).

Where the rules leave room for interpretation (which of two registrations sharing a
certificate a birth matches; whether a registration whose certificate matches no birth
may fall back to the mother/sex/date rule), the truth refuses to guess: it evaluates
every reading and raises :class:`AmbiguousTruthError` if they disagree on a rule that fires.
The simulator is built so that this never happens; tests run many seeds to prove it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import combinations
from typing import Any

from ivex.errors import IvexError
from ivex.settings import RuleSettings
from ivex.simulation.model import Fact, end_of_day

NS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ivex:case")

POU = "PREGNANCY_OUTCOME_UNKNOWN"
BNR = "BIRTH_NOT_REGISTERED"
RWB = "REGISTRATION_WITHOUT_BIRTH"
LTU = "LATE_TERMINATION_UNAPPROVED"
DUP = "DUPLICATE_REGISTRATION"
KINDS = (POU, BNR, RWB, LTU, DUP)

OPEN = "OPEN"
WITHDRAWN = "WITHDRAWN"


class AmbiguousTruthError(IvexError):
    """The simulated log admits two readings of a rule: a simulator bug, never data."""

    code = "ambiguous_truth"


def request_id(kind: str, keys: Iterable[str], addressed_city: str) -> str:
    """The deterministic request id shared with the case engine (UUIDv5)."""
    return str(uuid.uuid5(NS, f"{kind}|{';'.join(sorted(keys))}|{addressed_city}"))


@dataclass(frozen=True)
class ExpectedRequest:
    """One request the engine must have raised, in its final state."""

    kind: str
    addressed_city: str
    copy_to: tuple[str, ...]
    trigger: tuple[str, ...]
    state: str
    reason: str
    #: The deadline day (None for rules that fire at once).
    due: date | None
    #: The woman concerned, as a raw ID number (test data only; never on the wire).
    mother_id_number: str

    @property
    def request_id(self) -> str:
        """The request's id, by the shared formula."""
        return request_id(self.kind, self.trigger, self.addressed_city)

    def to_json(self) -> dict[str, Any]:
        """One line of ``truth.jsonl``."""
        return {
            "request_id": self.request_id,
            "kind": self.kind,
            "addressed_city": self.addressed_city,
            "copy_to": list(self.copy_to),
            "trigger": sorted(self.trigger),
            "state": self.state,
            "reason": self.reason,
            "due": self.due.isoformat() if self.due else None,
            "mother_id_number": self.mother_id_number,
        }


def _copy(addressed: str, *cities: str | None) -> tuple[str, ...]:
    return tuple(sorted({c for c in cities if c and c != addressed}))


def _cst_date(instant: datetime, rules: RuleSettings) -> str:
    zone = end_of_day(date(2000, 1, 1), rules.timezone_offset_hours).tzinfo
    return instant.astimezone(zone).date().isoformat()


# -- matching births and registrations ---------------------------------------------------

Live = list[tuple[Fact, Mapping[str, Any]]]


def _edges(births: Live, regs: Live, tolerance: int, reading: str) -> list[tuple[int, int, bool]]:
    """(registration, birth, by_certificate) pairs that may match under ``reading``."""
    certs = {b["certificate_no"] for _, b in births}
    edges = []
    for i, (_, r) in enumerate(regs):
        may_fall_back = r["certificate_no"] is None or (
            reading == "fallback_for_unknown_cert" and r["certificate_no"] not in certs
        )
        for j, (_, b) in enumerate(births):
            if r["certificate_no"] is not None and r["certificate_no"] == b["certificate_no"]:
                edges.append((i, j, True))
            elif (
                may_fall_back
                and r["child_sex"] == b["child_sex"]
                and abs((r["birth_date"] - b["birth_date"]).days) <= tolerance
            ):
                edges.append((i, j, False))
    return edges


def _matchings(
    edges: list[tuple[int, int, bool]], n_regs: int
) -> Iterator[list[tuple[int, int, bool]]]:
    """Every matching of a (tiny) bipartite graph."""

    def extend(
        i: int, used: frozenset[int], chosen: list[tuple[int, int, bool]]
    ) -> Iterator[list[tuple[int, int, bool]]]:
        if i == n_regs:
            yield chosen
            return
        yield from extend(i + 1, used, chosen)
        for e in edges:
            if e[0] == i and e[1] not in used:
                yield from extend(i + 1, used | {e[1]}, [*chosen, e])

    yield from extend(0, frozenset(), [])


def _score(matching: list[tuple[int, int, bool]], by_certificate_first: bool) -> tuple[int, int]:
    """What a reading maximises: certificate matches then all, or just all."""
    if by_certificate_first:
        return sum(1 for e in matching if e[2]), len(matching)
    return len(matching), 0


def is_matched(subject: Fact, births: Live, regs: Live, rules: RuleSettings) -> bool:
    """Whether ``subject`` (a birth or a registration) is matched, under every reading.

    Readings: certificate matches first then the mother/sex/date rule for
    certificate-less registrations (docs/rules.md); a plain maximum matching of both kinds of edge;
    and one where a registration whose certificate matches no birth may fall back too.
    """
    outcomes = set()
    tolerance = rules.registration_match_tolerance_days
    for reading in ("certificate_first", "maximum", "fallback_for_unknown_cert"):
        edges = _edges(births, regs, tolerance, reading)
        all_m = list(_matchings(edges, len(regs)))
        by_certificate_first = reading == "certificate_first"
        best = max(_score(m, by_certificate_first) for m in all_m)
        for m in all_m:
            if _score(m, by_certificate_first) == best:
                matched = {id(regs[i][0]) for i, _, _ in m} | {id(births[j][0]) for _, j, _ in m}
                outcomes.add(id(subject) in matched)
    if len(outcomes) > 1:
        raise AmbiguousTruthError(f"whether {subject.key} is matched depends on the reading")
    return outcomes.pop()


# -- the rules -----------------------------------------------------------------------------


@dataclass
class Woman:
    """Every fact about one woman."""

    pregnancies: list[Fact]
    births: list[Fact]
    registrations: list[Fact]
    terminations: list[Fact]

    def live(self, facts: list[Fact], instant: datetime) -> Live:
        """The facts live at ``instant`` with their fields then."""
        out: Live = []
        for fact in facts:
            fields = fact.live_at(instant)
            if fields is not None:
                out.append((fact, fields))
        return out

    def instants(self) -> list[datetime]:
        """Every instant at which one of her records changed."""
        facts = self.pregnancies + self.births + self.registrations + self.terminations
        return sorted({v.recorded_at for f in facts for v in f.versions})


def _latest_fields(fact: Fact) -> Mapping[str, Any]:
    for v in reversed(fact.versions):
        if v.action != "VOID":
            return v.fields
    return fact.first.fields


@dataclass(frozen=True)
class _Deadline:
    """A rule that waits for evidence until the end of day ``due``."""

    kind: str
    trigger: Fact
    due: date
    #: For PREGNANCY_OUTCOME_UNKNOWN: the window an outcome date must fall in.
    window: tuple[date, date] | None = None


class TruthBuilder:
    """Evaluates every rule over a set of facts at one end instant."""

    def __init__(self, facts: Iterable[Fact], rules: RuleSettings, end: datetime) -> None:
        self.rules = rules
        self.end = end
        self.women: dict[str, Woman] = defaultdict(lambda: Woman([], [], [], []))
        self.registrations: list[Fact] = []
        self.terminations: list[Fact] = []
        for fact in facts:
            if not fact.versions:
                continue
            woman = self.women[fact.first.fields["mother_id_number"]]
            getattr(woman, fact.stream).append(fact)

    def build(self) -> list[ExpectedRequest]:
        """Every expected request, sorted by kind then request id."""
        out: list[ExpectedRequest] = []
        for mother, woman in sorted(self.women.items()):
            for deadline in self._deadlines(woman):
                request = self._judge(deadline, woman, mother)
                if request is not None:
                    out.append(request)
            out.extend(self._late_terminations(woman, mother))
            out.extend(self._duplicates(woman, mother))
        return sorted(out, key=lambda r: (KINDS.index(r.kind), r.request_id))

    # deadline rules ---------------------------------------------------------------------

    def _deadlines(self, w: Woman) -> Iterator[_Deadline]:
        r = self.rules
        for p in w.pregnancies:
            edd: date = _latest_fields(p)["expected_delivery_date"]
            low = edd - timedelta(days=r.outcome_window_before_edd_days)
            high = edd + timedelta(days=r.outcome_window_after_edd_days)
            yield _Deadline(POU, p, high, (low, high))
        for b in w.births:
            born: date = _latest_fields(b)["birth_date"]
            yield _Deadline(BNR, b, born + timedelta(days=r.registration_deadline_days))
        for g in w.registrations:
            on: date = _latest_fields(g)["registered_on"]
            yield _Deadline(RWB, g, on + timedelta(days=r.birth_grace_after_registration_days))

    @staticmethod
    def _applies(d: _Deadline, f: Mapping[str, Any]) -> bool:
        """Whether the trigger's fields make it a trigger of its rule."""
        if d.kind == BNR:
            return bool(f["mother_hukou_city"] != d.trigger.source_city)
        if d.kind == RWB:
            return bool(f["birth_place_city"] != d.trigger.source_city)
        return True

    def _satisfied(self, d: _Deadline, w: Woman, instant: datetime) -> bool:
        """Whether the evidence live at ``instant`` satisfies the rule."""
        if d.window is not None:
            return self._outcome_in(w, instant, *d.window)
        births, regs = w.live(w.births, instant), w.live(w.registrations, instant)
        return is_matched(d.trigger, births, regs, self.rules)

    @staticmethod
    def _address(d: _Deadline, f: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
        """Addressee and copies of the request, from the trigger's fields."""
        if d.kind == POU:
            return f["residence_city"], _copy(f["residence_city"], f["mother_hukou_city"])
        if d.kind == BNR:
            hukou: str = f["mother_hukou_city"]
            return hukou, _copy(hukou, d.trigger.source_city)
        addressed: str = f["birth_place_city"] or d.trigger.source_city
        return addressed, _copy(addressed, d.trigger.source_city)

    def _outcome_in(self, w: Woman, instant: datetime, low: date, high: date) -> bool:
        for _, f in w.live(w.births, instant):
            if low <= f["birth_date"] <= high:
                return True
        return any(low <= f["procedure_date"] <= high for _, f in w.live(w.terminations, instant))

    def _judge(self, d: _Deadline, w: Woman, mother: str) -> ExpectedRequest | None:
        cutoff = end_of_day(d.due, self.rules.timezone_offset_hours)
        if cutoff > self.end:
            return None  # not due by the simulation end
        if d.trigger.first.recorded_at > cutoff:
            # The rules do not say how a trigger arriving after its own deadline is judged.
            if self._applies(d, _latest_fields(d.trigger)):
                raise AmbiguousTruthError(f"{d.trigger.key} was recorded after its own deadline")
            return None
        fields = d.trigger.live_at(cutoff)
        if fields is None or not self._applies(d, fields) or self._satisfied(d, w, cutoff):
            return None
        addressed, copy_to = self._address(d, fields)
        state, reason = self._final(d, w, cutoff)
        return ExpectedRequest(
            d.kind, addressed, copy_to, (d.trigger.key,), state, reason, d.due, mother
        )

    def _final(self, d: _Deadline, w: Woman, cutoff: datetime) -> tuple[str, str]:
        trigger_now = d.trigger.at(self.end)
        assert trigger_now is not None
        if trigger_now.action == "VOID":
            return WITHDRAWN, f"record voided on {_cst_date(trigger_now.recorded_at, self.rules)}"
        if not self._applies(d, trigger_now.fields):
            return (
                WITHDRAWN,
                f"record corrected on {_cst_date(trigger_now.recorded_at, self.rules)}",
            )
        since: datetime | None = None
        for instant in (t for t in w.instants() if cutoff < t <= self.end):
            # The evidence that counts is what made the rule satisfied for good.
            since = (since or instant) if self._satisfied(d, w, instant) else None
        if since is None:
            return OPEN, f"nothing recorded by {d.due.isoformat()}"
        return WITHDRAWN, f"recorded late on {_cst_date(since, self.rules)}"

    # at-once rules ------------------------------------------------------------------------

    def _late_terminations(self, w: Woman, mother: str) -> Iterator[ExpectedRequest]:
        r = self.rules

        def unapproved(f: Mapping[str, Any], city: str) -> bool:
            return (
                f["gestational_weeks"] >= r.late_termination_min_weeks
                and f["approval_ref"] is None
                and not f["medical_indication"]
                and f["mother_hukou_city"] != city
            )

        for t in w.terminations:
            fired = [
                v for v in t.versions if v.action != "VOID" and unapproved(v.fields, t.source_city)
            ]
            if not fired:
                continue
            first = fired[0]
            last = t.last
            if last.action == "VOID":
                state, reason = WITHDRAWN, f"record voided on {_cst_date(last.recorded_at, r)}"
            elif not unapproved(last.fields, t.source_city):
                state, reason = WITHDRAWN, f"record corrected on {_cst_date(last.recorded_at, r)}"
            else:
                state, reason = OPEN, "late termination without approval or medical indication"
            city = t.source_city
            copy_to = _copy(city, first.fields["mother_hukou_city"])
            yield ExpectedRequest(LTU, city, copy_to, (t.key,), state, reason, None, mother)

    def _duplicates(self, w: Woman, mother: str) -> Iterator[ExpectedRequest]:
        for a, b in combinations(w.registrations, 2):
            if a.key == b.key:
                continue
            instants = sorted({v.recorded_at for v in a.versions + b.versions})
            if not any(_same_child(a.live_at(t), b.live_at(t)) for t in instants):
                continue
            if _same_child(a.live_at(self.end), b.live_at(self.end)):
                state, reason = OPEN, "one child registered twice"
            else:
                last = max((a.last, b.last), key=lambda v: v.recorded_at)
                verb = "voided" if last.action == "VOID" else "corrected"
                state, reason = (
                    WITHDRAWN,
                    f"record {verb} on {_cst_date(last.recorded_at, self.rules)}",
                )
            cities = sorted({a.source_city, b.source_city})
            for city in cities:
                yield ExpectedRequest(
                    DUP, city, _copy(city, *cities), (a.key, b.key), state, reason, None, mother
                )


def _same_child(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    if a is None or b is None:
        return False
    if a["child_id_number"] == b["child_id_number"]:
        return True
    return a["certificate_no"] is not None and a["certificate_no"] == b["certificate_no"]


def compute_truth(
    facts: Iterable[Fact], rules: RuleSettings, end: datetime
) -> list[ExpectedRequest]:
    """Every request the case engine must raise from ``facts`` by the instant ``end``."""
    return TruthBuilder(facts, rules, end).build()
