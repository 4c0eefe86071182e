"""The pure judgement: desired requests and notices of one woman, given the watermarks.

``judge`` is a function of the woman's history, the watermarks and the parameters only;
the engine diffs its result against what it published before.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Final

from streams.engine.facts import RecordKey
from streams.engine.history import WomanState
from streams.engine.outputs import (
    BIRTH_NOT_REGISTERED,
    DUPLICATE_REGISTRATION,
    LATE_TERMINATION_UNAPPROVED,
    PREGNANCY_OUTCOME_UNKNOWN,
    REGISTRATION_WITHOUT_BIRTH,
    REQUEST_KINDS,
    NoticeOut,
    RequestOut,
)
from streams.engine.params import EngineParams
from streams.engine.rules import (
    birth_not_registered,
    duplicate_registration,
    late_termination_unapproved,
    notices,
    pregnancy_outcome_unknown,
    registration_without_birth,
)
from streams.engine.rules.common import Context, Pending
from streams.engine.watermarks import Watermarks

NOTICES: Final = notices.NOTICES

#: Rule kind → trigger keys to judge.
Scope = Mapping[str, Collection[RecordKey]]

ALL_KINDS: Final = frozenset((*REQUEST_KINDS, NOTICES))


@dataclass(slots=True, init=False)
class Judgement:
    """Desired requests and notices, and the judgements still waiting for watermarks."""

    requests: dict[str, RequestOut]
    notices: dict[str, NoticeOut]
    pending: set[Pending]

    # Written out: mypyc compiles an explicit __init__, not the generated one.
    def __init__(self, pending: set[Pending] | None = None) -> None:
        self.requests = {}
        self.notices = {}
        self.pending = set() if pending is None else pending


def judge(
    state: WomanState,
    watermarks: Watermarks,
    params: EngineParams,
    scope: Scope | None = None,
) -> Judgement:
    """Desired outputs of every rule, or only of the triggers in ``scope``.

    ``scope`` maps a rule kind (a request kind or ``NOTICES``) to the trigger keys to
    judge; a pair rule judges the pairs with one of them. Kinds not in it are skipped.
    """
    ctx = Context(state, watermarks, params)
    result = Judgement(pending=ctx.pending)
    if scope is None:
        for kind in REQUEST_KINDS:
            result.requests.update(desired_requests(kind, ctx))
        result.notices = notices.desired(ctx)
        return result
    for kind, keys in scope.items():
        if not keys:
            continue
        ctx.scope = keys
        if kind == NOTICES:
            result.notices = notices.desired(ctx)
        else:
            result.requests.update(desired_requests(kind, ctx))
    return result


def desired_requests(kind: str, ctx: Context) -> dict[str, RequestOut]:
    """The desired requests of the rule of ``kind``.

    A chain of direct calls rather than a table of functions: compiled, a call through a
    table is a generic Python call.
    """
    if kind == PREGNANCY_OUTCOME_UNKNOWN:
        return pregnancy_outcome_unknown.desired(ctx)
    if kind == BIRTH_NOT_REGISTERED:
        return birth_not_registered.desired(ctx)
    if kind == REGISTRATION_WITHOUT_BIRTH:
        return registration_without_birth.desired(ctx)
    if kind == LATE_TERMINATION_UNAPPROVED:
        return late_termination_unapproved.desired(ctx)
    if kind == DUPLICATE_REGISTRATION:
        return duplicate_registration.desired(ctx)
    raise KeyError(kind)
