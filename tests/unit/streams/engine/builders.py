"""Builders of facts and watermarks for the engine tests (CST dates, readable defaults)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import uuid
from collections.abc import Sequence
from typing import Any, Final, TypeAlias

from streams.engine.days import MS_PER_HOUR, end_of_day
from streams.engine.engine import CaseEngine, EngineOutput
from streams.engine.facts import (
    RECORD,
    Birth,
    Fact,
    Position,
    Pregnancy,
    Registration,
    Termination,
    Watermark,
)
from streams.engine.outputs import NoticeOut, RequestOut
from streams.engine.params import EngineParams

JYG: Final = "620200"
JC: Final = "620300"
WW: Final = "620600"
ZY: Final = "620700"
JQ: Final = "620900"
CITIES: Final = (JYG, JC, WW, ZY, JQ)
STREAM_NAMES: Final = ("births", "registrations", "terminations", "pregnancies")
PARAMS: Final = EngineParams(cities=CITIES)
MOTHER: Final = "m-1"

_ids = itertools.count()

#: What :meth:`Run.feed` takes: an event, or a list of them.
Item: TypeAlias = Fact | Watermark | Sequence[Fact | Watermark]


def load_schema(name: str) -> dict[str, Any]:
    """A shipped v1 Avro schema, parsed."""
    with open(f"schemas/avro/v1/{name}.avsc", encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def eid() -> str:
    """A fresh, deterministic event id."""
    return str(uuid.UUID(int=next(_ids) + 1))


def d(text: str) -> dt.date:
    """A date from ISO text."""
    return dt.date.fromisoformat(text)


def at(day: str, hour: int = 12) -> int:
    """Epoch ms of ``hour`` o'clock CST on ``day``."""
    return end_of_day(d(day), 8) - (24 - hour) * MS_PER_HOUR


def eod(day: str) -> int:
    """Epoch ms of the end of ``day`` in CST."""
    return end_of_day(d(day), 8)


def pos(city: str, stream: str, offset: int = 0) -> Position:
    """A log position on ``city.<city>.<stream>``."""
    return Position(f"city.{city}.{stream}", 0, offset)


def _common(kw: dict[str, Any], city: str, stream: str) -> dict[str, Any]:
    base = {
        "event_id": eid(),
        "record_id": f"{stream[0]}-1",
        "action": RECORD,
        "source_city": city,
        "recorded_at": at("2024-01-01"),
        "mother_ref": MOTHER,
    }
    base.update(kw)
    base.setdefault("position", pos(str(base["source_city"]), stream, next(_ids)))
    return base


def birth(city: str = ZY, **kw: Any) -> Birth:
    """A birth in ``city`` (hukou Wuwei unless told)."""
    base = _common(kw, city, "births")
    fields: dict[str, Any] = {
        "mother_hukou_city": WW,
        "birth_date": d("2024-01-01"),
        "child_sex": "FEMALE",
        "birth_order": 1,
        "plurality": 1,
        "gestational_weeks": 39,
        "delivery_place": "HOSPITAL",
        "facility_code": "H1",
        "certificate_no": "C-1",
    }
    fields.update({k: v for k, v in base.items() if k not in fields or k in kw})
    return Birth(**fields)


def registration(city: str = WW, **kw: Any) -> Registration:
    """A registration in ``city`` of a child born in Zhangye unless told."""
    base = _common(kw, city, "registrations")
    fields: dict[str, Any] = {
        "child_ref": "c-1",
        "birth_date": d("2024-01-01"),
        "child_sex": "FEMALE",
        "certificate_no": "C-1",
        "birth_place_city": ZY,
        "registered_on": d("2024-01-20"),
    }
    fields.update({k: v for k, v in base.items() if k not in fields or k in kw})
    return Registration(**fields)


def termination(city: str = ZY, **kw: Any) -> Termination:
    """A termination in ``city`` of a woman from Wuwei unless told."""
    base = _common(kw, city, "terminations")
    fields: dict[str, Any] = {
        "mother_hukou_city": WW,
        "procedure_date": d("2024-01-01"),
        "gestational_weeks": 16,
        "method": "SURGICAL",
        "medical_indication": False,
        "approval_ref": None,
        "facility_code": "F1",
    }
    fields.update({k: v for k, v in base.items() if k not in fields or k in kw})
    return Termination(**fields)


def pregnancy(city: str = ZY, **kw: Any) -> Pregnancy:
    """A pregnancy report by ``city`` for a woman living there, hukou Wuwei."""
    base = _common(kw, city, "pregnancies")
    fields: dict[str, Any] = {
        "mother_hukou_city": WW,
        "residence_city": city,
        "reported_on": d("2023-06-01"),
        "expected_delivery_date": d("2024-01-01"),
        "gestational_weeks_at_report": 10,
        "existing_children": 0,
    }
    fields.update({k: v for k, v in base.items() if k not in fields or k in kw})
    return Pregnancy(**fields)


def watermark(city: str, stream: str, through: int) -> Watermark:
    """A watermark of one city stream."""
    return Watermark(eid(), city, stream, through, through)


def all_watermarks(through: int, *, except_: tuple[tuple[str, str], ...] = ()) -> list[Watermark]:
    """Watermarks of every member city and stream, except some pairs."""
    return [watermark(c, s, through) for c in CITIES for s in STREAM_NAMES if (c, s) not in except_]


class Run:
    """An engine plus the latest published version of every request and notice."""

    def __init__(self, params: EngineParams = PARAMS) -> None:
        self.engine = CaseEngine(params)
        self.requests: dict[str, RequestOut] = {}
        self.notices: dict[str, NoticeOut] = {}
        self.outputs: list[EngineOutput] = []

    def feed(self, *items: Item) -> EngineOutput:
        """Apply items (or lists of items) in order; returns the merged output."""
        merged = EngineOutput()
        for item in items:
            for one in item if isinstance(item, Sequence) else [item]:
                out = self.engine.apply(one)
                self.outputs.append(out)
                merged.requests.extend(out.requests)
                merged.notices.extend(out.notices)
                merged.diagnostics.extend(out.diagnostics)
                for r in out.requests:
                    self.requests[r.request_id] = r
                for n in out.notices:
                    assert n.notice_id not in self.notices, "notice emitted twice"
                    self.notices[n.notice_id] = n
        return merged

    def of_kind(self, kind: str) -> list[RequestOut]:
        """Latest version of every request of ``kind``."""
        return [r for r in self.requests.values() if r.kind == kind]
