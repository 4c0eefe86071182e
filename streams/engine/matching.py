"""One-to-one matching of births to registrations, as a function of the set (docs/rules.md).

First by equal certificate_no; then, among births and certificate-less registrations
still unmatched, a maximum bipartite matching on (same child_sex, birth dates within the
tolerance), found by augmenting paths in a fixed order so that the same set always
yields the same pairs — e.g. same-sex twins with one certificate-less registration
always leave the same twin unmatched. mother_ref equality is implicit (state is per woman).
"""

from __future__ import annotations

from collections.abc import Iterable

from streams.engine.facts import Birth, RecordKey, Registration


class Matching:
    """Pairs of a matching, both ways."""

    __slots__ = ("birth_to_reg", "reg_to_birth")

    def __init__(self) -> None:
        self.birth_to_reg: dict[RecordKey, Registration] = {}
        self.reg_to_birth: dict[RecordKey, Birth] = {}

    def pair(self, birth: Birth, reg: Registration) -> None:
        """Record ``birth`` ↔ ``reg``."""
        self.birth_to_reg[birth.key] = reg
        self.reg_to_birth[reg.key] = birth


def _sort_key(fact: Birth | Registration) -> tuple[int, str, str]:
    return (fact.birth_day, fact.source_city, fact.record_id)


def match(
    births: Iterable[Birth], registrations: Iterable[Registration], tolerance_days: int
) -> Matching:
    """The deterministic one-to-one matching of live ``births`` and ``registrations``."""
    result = Matching()
    b_sorted = sorted(births, key=_sort_key)
    r_sorted = sorted(registrations, key=_sort_key)
    if not b_sorted or not r_sorted:
        return result
    _match_certificates(b_sorted, r_sorted, result)
    left = [b for b in b_sorted if b.key not in result.birth_to_reg]
    right = [r for r in r_sorted if not r.certificate_no and r.key not in result.reg_to_birth]
    if left and right:
        _match_by_sex_and_date(left, right, tolerance_days, result)
    return result


def _match_certificates(births: list[Birth], regs: list[Registration], result: Matching) -> None:
    by_cert: dict[str, list[Registration]] = {}
    for r in regs:  # already sorted, so each list is in sort-key order
        if r.certificate_no:
            by_cert.setdefault(r.certificate_no, []).append(r)
    for b in births:
        candidates = by_cert.get(b.certificate_no) if b.certificate_no else None
        if candidates:
            result.pair(b, candidates.pop(0))


def _match_by_sex_and_date(
    births: list[Birth], regs: list[Registration], tolerance: int, result: Matching
) -> None:
    ordinals = [r.birth_day for r in regs]
    adjacency = [
        [
            j
            for j, r in enumerate(regs)
            if r.child_sex == b.child_sex and abs(ordinals[j] - b.birth_day) <= tolerance
        ]
        for b in births
    ]
    owner: list[int] = [-1] * len(regs)  # owner[j] = index of the birth holding regs[j]
    for i in range(len(births)):
        if adjacency[i]:
            _augment(i, adjacency, owner, set())
    for j, i in enumerate(owner):
        if i >= 0:
            result.pair(births[i], regs[j])


def _augment(i: int, adjacency: list[list[int]], owner: list[int], visited: set[int]) -> bool:
    """Kuhn's augmenting path from birth ``i``, trying registrations in sort order."""
    for j in adjacency[i]:
        if j in visited:
            continue
        visited.add(j)
        if owner[j] < 0 or _augment(owner[j], adjacency, owner, visited):
            owner[j] = i
            return True
    return False
