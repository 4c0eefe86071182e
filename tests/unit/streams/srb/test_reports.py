"""Reports of a tally: months, rolling 12 months, buckets, the federation pooled."""

from __future__ import annotations

import datetime as dt

from ivex.models import SexRatioReport
from ivex.models.enums import SrbStatus
from ivex.settings import SrbSettings
from streams.srb.reports import FEDERATION, ReportBuilder, month_index, month_text, report_key
from streams.srb.tally import BirthVersion, Tally, record_key
from tests.unit.streams.engine.builders import birth

ZY, WW = "620700", "620600"


def _add(tally: Tally, city: str, n: int, sex: str, month: int, order: int = 1) -> None:
    for i in range(n):
        rid = f"{sex}-{month}-{order}-{i}"
        fact = birth(
            city,
            record_id=rid,
            event_id=f"e-{rid}",
            child_sex=sex,
            birth_order=order,
            birth_date=dt.date(2024, month, 3),
            **({} if city == ZY else {"mother_hukou_city": ZY}),
        )
        version = BirthVersion.of(fact)
        tally.apply(record_key(version, rid), version)


def _by_key(reports: list[SexRatioReport]) -> dict[str, SexRatioReport]:
    return {report_key(r.city, r.period, r.birth_order): r for r in reports}


def test_months() -> None:
    assert month_text(month_index("2024-12") + 1) == "2025-01"
    assert month_text(month_index("2024-01") - 1) == "2023-12"


def test_reports_per_month_rolling_bucket_and_federation() -> None:
    tally = Tally()
    _add(tally, ZY, 3, "MALE", 1)
    _add(tally, ZY, 2, "FEMALE", 1, order=3)
    _add(tally, WW, 4, "MALE", 3, order=2)
    reports = _by_key(ReportBuilder(tally, SrbSettings()).all_reports())
    assert (reports[f"{ZY}|2024-01|ALL"].male, reports[f"{ZY}|2024-01|ALL"].female) == (3, 2)
    assert reports[f"{ZY}|2024-01|2"].male == 0
    assert reports[f"{ZY}|2024-01|3+"].female == 2
    assert f"{ZY}|2024-03|ALL" not in reports  # Zhangye has no March records
    fed = reports[f"{FEDERATION}|R12:2024-03|ALL"]
    assert (fed.male, fed.female) == (7, 2)
    assert reports[f"{FEDERATION}|2024-03|ALL"].male == 4
    assert all(r.status is SrbStatus.INSUFFICIENT_DATA for r in reports.values())
    # 2 city months + 2 federation months, each 4 buckets x (month, rolling 12)
    assert len(reports) == 4 * 4 * 2


def test_affected_reports_cover_the_month_and_the_next_eleven_rolling_periods() -> None:
    tally = Tally()
    _add(tally, ZY, 1, "MALE", 1)
    _add(tally, ZY, 1, "MALE", 12)
    builder = ReportBuilder(tally, SrbSettings())
    keys = builder.affected([(ZY, "2024-01")])
    periods = {(scope, period) for scope, period, _ in keys}
    assert periods == {
        (ZY, "2024-01"),
        (ZY, "R12:2024-01"),
        (ZY, "R12:2024-12"),
        (FEDERATION, "2024-01"),
        (FEDERATION, "R12:2024-01"),
        (FEDERATION, "R12:2024-12"),
    }
    assert set(keys) <= set(builder.keys())


def test_status_of_a_skewed_city() -> None:
    tally = Tally()
    _add(tally, ZY, 650, "MALE", 2, order=3)
    _add(tally, ZY, 550, "FEMALE", 2, order=3)
    report = ReportBuilder(tally, SrbSettings()).report(ZY, "R12:2024-06", "3+")
    assert report.male == 650
    assert report.status is SrbStatus.WATCH
