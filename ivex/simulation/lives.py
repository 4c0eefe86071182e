"""Pregnancies, their outcomes and the records the cities keep of them.

One woman has one pregnancy in the simulation, so her records never mix two
pregnancies (that keeps the truth unambiguous). The outcome is a birth (singleton or
twins), a termination or an unrecorded loss; births lead to registrations in the
mother's hukou city. Faults that change *which facts exist or when* (unregistered, late,
unrecorded, duplicate, unapproved) are decided here; corrections and voids of existing
facts in :mod:`ivex.simulation.faults`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from ivex.simulation.dice import Dice, days, rng_for, work_time
from ivex.simulation.idnumbers import counties_of, make_id, random_sequence
from ivex.simulation.model import RECORD, Fact, cst
from ivex.simulation.params import BIRTHS_PER_YEAR, Demography, SimParams
from ivex.simulation.population import Woman, new_woman, pick_city

#: Pregnancies start up to this long before the period so that births fill it from day one.
LEAD_IN_DAYS = 300


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later (the period end is exclusive)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


@dataclass
class Pregnancy:
    """One pregnancy: its woman, dates and how it ends."""

    index: int
    woman: Woman
    lmp: date
    outcome: str  # "birth", "termination" or "loss"
    outcome_date: date
    weeks: int
    twins: bool

    @property
    def edd(self) -> date:
        """Expected delivery date: 280 days after the last menstrual period."""
        return self.lmp + days(280)


@dataclass
class Child:
    """A live-born child and what the birth city knows of it."""

    sex: str
    order: int
    certificate_no: str | None
    facility_code: str
    delivery_place: str
    #: Its facts' :attr:`Fact.sex_group` (shared by identical twins).
    sex_group: str


@dataclass
class World:
    """Builds every fact of a run; :meth:`build` is the entry point."""

    params: SimParams
    facts: list[Fact] = field(default_factory=list)
    used_ids: set[str] = field(default_factory=set)
    used_certs: set[str] = field(default_factory=set)
    approvals: int = 0

    @property
    def seed(self) -> int:
        """The run's seed."""
        return self.params.seed

    @property
    def period_end(self) -> date:
        """First day after the simulated period."""
        return add_months(self.params.start, self.params.months)

    @property
    def end_instant(self) -> datetime:
        """The simulation end: midnight starting the first day after the period, in CST."""
        tz = cst(self.params.rules.timezone_offset_hours)
        return datetime.combine(self.period_end, time(0), tzinfo=tz)

    def at(self, rng: random.Random, day: date) -> datetime:
        """An office-hours instant on ``day`` in the rule zone."""
        return work_time(rng, day, cst(self.params.rules.timezone_offset_hours))

    def new_fact(self, stream: str, city: str, when: datetime, fields: dict[str, object]) -> Fact:
        """Create a fact with its first RECORD version."""
        fact = Fact(stream, city)
        fact.add(RECORD, when, fields)
        self.facts.append(fact)
        return fact

    def pregnancy_count(self) -> int:
        """Pregnancies to simulate so that births per year match the scale."""
        span = (self.period_end - self.params.start).days + LEAD_IN_DAYS
        rate = BIRTHS_PER_YEAR * self.params.scale / 365.0
        return round(rate * span / (1.0 - self.params.demography.termination_rate))

    def build(self) -> list[Fact]:
        """Simulate every pregnancy; return every fact (before the log-window cut)."""
        for index in range(self.pregnancy_count()):
            pregnancy = self._conceive(index)
            if pregnancy is not None:
                self._live(pregnancy)
        return self.facts

    def _conceive(self, index: int) -> Pregnancy | None:
        rng = rng_for(self.seed, "life", index)
        first_lmp = self.params.start - days(LEAD_IN_DAYS)
        lmp = first_lmp + days(rng.randrange((self.period_end - first_lmp).days))
        woman = new_woman(rng, self.params, self.used_ids, lmp)
        dice = Dice(self.seed, f"pregnancy{index}")
        demo = self.params.demography
        # Every draw is made whatever the outcome, so a fault knob never shifts the others.
        terminated, late, twins = (rng.random() < r for r in _outcome_rates(demo))
        loss_weeks, term_weeks = (
            rng.randint(7, 20),
            rng.randint(14, 27) if late else rng.randint(5, 13),
        )
        birth_weeks = _birth_weeks(rng, twins)
        if dice.hit("pregnancy_loss", self.params.faults.pregnancy_loss):
            outcome, weeks, twins = "loss", loss_weeks, False
        elif terminated:
            outcome, weeks, twins = "termination", term_weeks, False
        else:
            outcome, weeks = "birth", birth_weeks
        outcome_date = lmp + days(7 * weeks + rng.randint(0, 6))
        if outcome_date < self.params.start:
            return None  # ended before the period: not part of this simulation
        return Pregnancy(index, woman, lmp, outcome, outcome_date, weeks, twins)

    def _live(self, p: Pregnancy) -> None:
        rng = rng_for(self.seed, "outcome", p.index)
        fx = rng_for(self.seed, "fault", p.index)
        dice = Dice(self.seed, f"pregnancy{p.index}")
        report = self._report(p, rng)
        if p.outcome_date >= self.period_end:
            return  # every outcome record would fall after the end of the log
        if p.outcome == "birth":
            self._birth(p, rng, fx, dice)
        elif p.outcome == "termination":
            self._termination(p, rng, fx, dice)
        elif report is not None:
            report.tags.add("pregnancy_loss")

    def _report(self, p: Pregnancy, rng: random.Random) -> Fact | None:
        w, demo = p.woman, self.params.demography
        rate = demo.report_rate_migrant if w.migrant else demo.report_rate_local
        at_weeks = rng.randint(8, 20)
        reported_on = p.lmp + days(7 * at_weeks + rng.randint(0, 6))
        if rng.random() >= rate or reported_on >= p.outcome_date:
            return None
        fields: dict[str, object] = {
            "mother_id_number": w.id_number,
            "mother_hukou_city": w.hukou_city,
            "residence_city": w.residence_city,
            "reported_on": reported_on,
            "expected_delivery_date": p.edd,
            "gestational_weeks_at_report": at_weeks,
            "existing_children": w.existing_children,
        }
        return self.new_fact("pregnancies", w.residence_city, self.at(rng, reported_on), fields)

    # -- births and registrations -------------------------------------------------------

    def _birth(self, p: Pregnancy, rng: random.Random, fx: random.Random, dice: Dice) -> None:
        w, faults = p.woman, self.params.faults
        city = w.residence_city
        if w.migrant and rng.random() < self.params.demography.deliver_in_hukou_city:
            city = w.hukou_city
        children = self._children(p, rng, city)
        # A twin without a birth record could be "found" by its sibling's: never for twins.
        unrecorded = not p.twins and dice.hit("unrecorded_birth", faults.unrecorded_birth)
        home = unrecorded and fx.random() < 0.6
        if home:
            children[0].certificate_no = None
            children[0].delivery_place = "HOME"
        regs = [
            self._registration(p, rng, fx, dice, k, child, city, unrecorded=unrecorded)
            for k, child in enumerate(children)
        ]
        if unrecorded:
            for reg in regs:
                if reg is not None:
                    reg.tags.add("home_birth_unrecorded" if home else "unrecorded_birth")
            return
        record_day = self._birth_record_day(p, rng, fx, dice, city, regs)
        when = self.at(rng, record_day)
        for k, child in enumerate(children):
            fact = self.new_fact("births", city, when, self._birth_fields(p, rng, child))
            fact.sex_group = child.sex_group
            if record_day - p.outcome_date > timedelta(days=2):
                fact.tags.add("late_outcome_record")
            if regs[k] is None:
                fact.tags.add("unregistered")
            if p.twins:
                # Twins are never voided and re-recorded: for a second, one twin's
                # registration would find only its same-sex sibling's birth.
                fact.tags.add("twin")
            when += timedelta(minutes=rng.randint(1, 5) + k)

    def _children(self, p: Pregnancy, rng: random.Random, city: str) -> list[Child]:
        order = p.woman.existing_children + 1
        first = self._sex(rng, city, order)
        sexes, same = [first], False
        if p.twins:
            same = rng.random() < self.params.demography.monozygotic_share
            sexes.append(first if same else self._sex(rng, city, order + 1))
        place = rng.choices(("HOSPITAL", "OTHER_FACILITY", "HOME", "EN_ROUTE"), (93, 5, 1, 1))[0]
        county = rng.choice(counties_of(city))
        kind = "C" if place == "OTHER_FACILITY" else "H"
        facility = f"{county}{kind}{rng.randint(1, 3):02d}"
        # Identical twins form one sex group: their sexes are set together later.
        groups = [f"{p.index:07d}" if same else f"{p.index:07d}/{k}" for k in range(len(sexes))]
        return [
            Child(sex, order + k, self._certificate(rng), facility, place, groups[k])
            for k, sex in enumerate(sexes)
        ]

    def _sex(self, rng: random.Random, city: str, order: int) -> str:
        """An independent draw at the city's SRB for the birth order.

        Kept only by children whose birth never reaches the log (no SRB counts them):
        :func:`ivex.simulation.sexes.balance_sexes` replaces the others' sexes.
        """
        table = self.params.srb_higher_order if order >= 2 else self.params.srb
        srb = table[city]
        return "MALE" if rng.random() < srb / (100.0 + srb) else "FEMALE"

    def _certificate(self, rng: random.Random) -> str:
        while True:
            number = f"Q{rng.randrange(10**9):09d}"
            if number not in self.used_certs:
                self.used_certs.add(number)
                return number

    def _birth_fields(self, p: Pregnancy, rng: random.Random, child: Child) -> dict[str, object]:
        weeks: int | None = p.weeks if rng.random() > 0.02 else None
        return {
            "mother_id_number": p.woman.id_number,
            "mother_hukou_city": p.woman.hukou_city,
            "birth_date": p.outcome_date,
            "child_sex": child.sex,
            "birth_order": child.order,
            "plurality": 2 if p.twins else 1,
            "gestational_weeks": weeks,
            "delivery_place": child.delivery_place,
            "facility_code": child.facility_code,
            "certificate_no": child.certificate_no,
        }

    def _birth_record_day(
        self,
        p: Pregnancy,
        rng: random.Random,
        fx: random.Random,
        dice: Dice,
        city: str,
        regs: list[Fact | None],
    ) -> date:
        usual = p.outcome_date + days(rng.randint(0, 2))
        if not dice.hit("late_outcome_record", self.params.faults.late_outcome_record):
            return usual
        if p.twins or any(r is not None and "duplicated" in r.tags for r in regs):
            # A late birth would find two registrations with its certificate at once, or
            # a twin's registration would briefly find only the other twin's birth.
            return usual
        if city == p.woman.hukou_city:
            # No rule waits on a local birth except the outcome of her pregnancy report.
            return p.outcome_date + days(fx.randint(43, 120))
        # A migrant's birth is the trigger of BIRTH_NOT_REGISTERED: it must arrive before
        # its own deadline (birth + 60 d), yet after registrations' grace (+30 d) to be late.
        registered: list[date] = [r.first.fields["registered_on"] for r in regs if r is not None]
        grace = self.params.rules.birth_grace_after_registration_days
        earliest = max([p.outcome_date, *registered]) + days(grace + 1)
        latest = p.outcome_date + days(self.params.rules.registration_deadline_days - 1)
        if earliest > latest:
            return usual
        return earliest + days(fx.randint(0, (latest - earliest).days))

    def _registration(
        self,
        p: Pregnancy,
        rng: random.Random,
        fx: random.Random,
        dice: Dice,
        k: int,
        child: Child,
        birth_city: str,
        *,
        unrecorded: bool,
    ) -> Fact | None:
        w, faults, demo = p.woman, self.params.faults, self.params.demography
        # Draw everything first: whether a fault strikes must not shift later draws.
        delay = round(rng.triangular(7, 42, 18))
        certless_u, off_by_one_u, shift = rng.random(), rng.random(), rng.choice((-1, 1))
        blank_u, home_blank_u = rng.random(), fx.random()
        late_delay = fx.randint(61, 200)
        if dice.hit("unregistered", faults.unregistered, k):
            return None
        late = dice.hit("late_registration", faults.late_registration, k)
        registered_on = p.outcome_date + days(late_delay if late else delay)
        birth_date = p.outcome_date
        # Certificate-less registrations are matched by mother, sex and date: only where
        # no same-sex sibling born within a day exists (never for twins).
        certless = not p.twins and not unrecorded and certless_u < demo.certless_registration
        if certless and off_by_one_u < demo.certless_date_off_by_one:
            birth_date += days(shift)
        blank_place = blank_u < demo.blank_birth_place or (
            child.certificate_no is None and home_blank_u < 0.5
        )
        fields: dict[str, object] = {
            "child_id_number": self._child_id(rng, w.hukou_county, birth_date, child.sex),
            "mother_id_number": w.id_number,
            "birth_date": birth_date,
            "child_sex": child.sex,
            "certificate_no": None if certless else child.certificate_no,
            "birth_place_city": None if blank_place else birth_city,
            "registered_on": registered_on,
        }
        fact = self.new_fact("registrations", w.hukou_city, self.at(rng, registered_on), fields)
        fact.sex_group = child.sex_group
        if late:
            fact.tags.add("late_registration")
        if p.twins:
            fact.tags.add("twin")
        if certless:
            fact.tags.add("certless")
        elif (
            not late
            and not blank_place
            and child.certificate_no is not None
            and dice.hit("duplicate_registration", faults.duplicate_registration, k)
        ):
            self._duplicate(fact, fx, dice, k, birth_city)
        return fact

    def _child_id(self, rng: random.Random, county: str, born: date, sex: str) -> str:
        while True:
            number = make_id(county, born, random_sequence(rng, female=sex == "FEMALE"))
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def _duplicate(
        self, first: Fact, fx: random.Random, dice: Dice, k: int, birth_city: str
    ) -> None:
        """Register the same child again: twice in one city, or again in the birth city.

        Both registrations share the certificate, so which one a birth matches is
        arbitrary. That is harmless only if neither needs the match for its own
        REGISTRATION_WITHOUT_BIRTH rule at an instant when both are live: a same-city
        duplicate only where the birth city is the registering city (neither triggers);
        a birth-city copy (which does not trigger) only after the first one's deadline.
        """
        fields = dict(first.first.fields)
        registered_on: date = fields["registered_on"]
        if birth_city == first.source_city:
            city = first.source_city
            registered_on += days(fx.randint(1, 30))
        else:
            city = birth_city
            grace = self.params.rules.birth_grace_after_registration_days
            registered_on += days(grace + fx.randint(1, 60))
            county = fx.choice(counties_of(city))
            born: date = fields["birth_date"]
            fields["child_id_number"] = self._child_id(fx, county, born, str(fields["child_sex"]))
        fields["registered_on"] = registered_on
        copy = self.new_fact("registrations", city, self.at(fx, registered_on), fields)
        copy.sex_group = first.sex_group
        first.tags.add("duplicated")
        copy.tags.add("duplicate_registration")
        if dice.hit("duplicate_void", self.params.faults.duplicate_void, k):
            void_day = registered_on + days(fx.randint(5, 60))
            copy.add("VOID", self.at(fx, void_day), fields)
            copy.tags.add("duplicate_void")

    # -- terminations -------------------------------------------------------------------

    def _termination(self, p: Pregnancy, rng: random.Random, fx: random.Random, dice: Dice) -> None:
        w, demo, faults = p.woman, self.params.demography, self.params.faults
        city = w.residence_city
        late = p.weeks >= self.params.rules.late_termination_min_weeks
        elsewhere = demo.late_termination_elsewhere if late else demo.termination_elsewhere
        if len(self.params.cities) > 1 and rng.random() < elsewhere:
            city = pick_city(rng, self.params, exclude=w.residence_city)
        indication = rng.random() < (demo.medical_indication_share if late else 0.05)
        # With an indication an approval is optional; without one a late termination
        # needs one, unless the fault strikes.
        approved = late and (rng.random() < 0.5 or not indication)
        unapproved = (
            late
            and not indication
            and dice.hit("unapproved_late_termination", faults.unapproved_late_termination)
        )
        if unapproved:
            approved = False
        fields: dict[str, object] = {
            "mother_id_number": w.id_number,
            "mother_hukou_city": w.hukou_city,
            "procedure_date": p.outcome_date,
            "gestational_weeks": p.weeks,
            "method": _method(rng, p.weeks),
            "medical_indication": indication,
            "approval_ref": self._approval(city) if approved else None,
            "facility_code": f"{rng.choice(counties_of(city))}H{rng.randint(1, 3):02d}",
        }
        record_day = p.outcome_date + days(rng.randint(0, 1))
        is_late_record = dice.hit("late_outcome_record", faults.late_outcome_record)
        if is_late_record:
            record_day = p.outcome_date + days(fx.randint(43, 120))
        fact = self.new_fact("terminations", city, self.at(rng, record_day), fields)
        if is_late_record:
            fact.tags.add("late_outcome_record")
        if not unapproved:
            return
        fact.tags.add("unapproved_late_termination")
        if city != w.hukou_city and dice.hit("approval_correction", faults.approval_correction):
            corrected = dict(fields, approval_ref=self._approval(city))
            fact.add("CORRECT", self.at(fx, record_day + days(fx.randint(1, 30))), corrected)
            fact.tags.add("approval_correction")

    def _approval(self, city: str) -> str:
        self.approvals += 1
        return f"SP-{city}-{self.approvals:05d}"


def _outcome_rates(demo: Demography) -> tuple[float, float, float]:
    return demo.termination_rate, demo.late_termination_share, demo.twin_rate


def _birth_weeks(rng: random.Random, twins: bool) -> int:
    if twins:
        return rng.randint(33, 38)
    return rng.choices((rng.randint(37, 41), rng.randint(32, 36), rng.randint(28, 31)), (90, 8, 2))[
        0
    ]


def _method(rng: random.Random, weeks: int) -> str:
    if weeks <= 7:
        return "MEDICATION" if rng.random() < 0.8 else "SURGICAL"
    if weeks < 14:
        return "SURGICAL" if rng.random() < 0.9 else "MEDICATION"
    return rng.choice(("SURGICAL", "OTHER"))
