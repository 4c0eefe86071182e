"""The SRB chart as files: a PNG of the expected size, an HTML page that parses."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from ivex.models import SexRatioReport
from ivex.models.enums import SrbStatus
from ivex.settings import SrbSettings
from ivex.srb_chart import figure_pixels, write_chart


def _reports() -> list[SexRatioReport]:
    out: list[SexRatioReport] = []
    for city, srb, status in (
        ("620600", 130.0, SrbStatus.ALERT),
        ("000000", 105.0, SrbStatus.NORMAL),
    ):
        for month in range(1, 13):
            for bucket in ("1", "2", "3+", "ALL"):
                out.append(SexRatioReport(city=city, period=f"R12:2025-{month:02d}",
                           birth_order=bucket, male=500, female=400, srb=srb,
                           ci_low=srb - 8, ci_high=srb + 8, status=status))  # fmt: skip
    return out


def test_png_has_the_expected_size(tmp_path: Path) -> None:
    out = write_chart(tmp_path / "srb.png", _reports(), SrbSettings())
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == figure_pixels(2)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def test_html_parses_and_holds_the_svg(tmp_path: Path) -> None:
    out = write_chart(tmp_path / "srb.html", _reports(), SrbSettings())
    parser = _Tags()
    parser.feed(out.read_text(encoding="utf-8"))
    parser.close()
    assert parser.tags[:3] == ["html", "head", "meta"]
    assert "svg" in parser.tags
    assert "script" not in parser.tags


def test_an_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"use \.png or \.html"):
        write_chart(tmp_path / "srb.pdf", _reports(), SrbSettings())
