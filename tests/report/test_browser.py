"""The report in a real headless Chromium (Debian's ``chromium``), at a phone's width (420 px)
and a desktop's (1280 px): every chart drawn, no script error, no sideways scrolling of the
page, also when unit and company names in the data are made to break a ``<script>`` element;
and a screenshot saved as a test artefact for a person to look at.

Chromium runs with the network cut off (every host name resolves to nothing), so a chart that
needed a CDN or any download would be missing here. It is driven over the DevTools protocol
(``tests/report/browser.py``): headless windows cannot be narrower than 500 px.
"""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.report.browser import CHROMIUM, Rendered, render
from tests.report.checks import Synced
from tests.report.conftest import HOSTILE_COMPANY, HOSTILE_UNITS
from visma_hrm.report import ReportData, collect, write_report

ARTIFACTS = Path(os.environ.get("VISMA_HRM_TEST_ARTIFACTS", "test-artifacts"))
pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed "
        "(bash scripts/test.sh installs Debian's chromium as root)",
    ),
    pytest.mark.slow,  # a headless browser per language and width
]

PHONE, DESKTOP = 420, 1280
# chart id -> plotly layer that must hold its traces, and how many traces
EXPECTED = {
    "chart-headcount": {"barlayer": 1, "scatterlayer": 2},
    "chart-flows": {"barlayer": 2, "scatterlayer": 1},
    "chart-contracts": {"pielayer": 1},
    "chart-age": {"barlayer": 2},
    "chart-flex": {"scatterlayer": 2},
    "chart-service": {"barlayer": 1},
    "chart-parttime": {"barlayer": 1},
    "chart-gender": {"pielayer": 1},
    "chart-span": {"barlayer": 1},
    "chart-org": {"treemaplayer": 1},
}


class _Charts(HTMLParser):
    """Per chart element (``data-chart``): the plotly layers inside and their trace groups;
    and the text of the units table's first column."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None, str | None]] = []  # tag, chart, layer
        self.layers: dict[str, dict[str, int]] = {}
        self.svg: set[str] = set()
        self.root: dict[str, str | None] = {}
        self.body: dict[str, str | None] = {}
        self.unit_names: list[str] = []
        self._in_unit: list[str] | None = None
        self._units_table = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.root = a
        if tag == "body":
            self.body = a
        chart = a.get("data-chart") or (self.stack[-1][1] if self.stack else None)
        layer = self.stack[-1][2] if self.stack else None
        classes = (a.get("class") or "").split()
        if chart and "main-svg" in classes:
            self.svg.add(chart)
        for name in ("barlayer", "scatterlayer", "pielayer", "treemaplayer"):
            if name in classes:
                layer = name
        if chart and layer and "trace" in classes:
            counts = self.layers.setdefault(chart, {})
            counts[layer] = counts.get(layer, 0) + 1
        self._units_table = self._units_table or (tag == "table" and "units" in classes)
        if self._units_table and tag == "td" and a.get("title") is not None:
            self._in_unit = []
        if tag not in ("br", "img", "meta", "input", "link", "hr"):
            self.stack.append((tag, chart, layer))

    def handle_data(self, data: str) -> None:
        if self._in_unit is not None:
            self._in_unit.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._in_unit is not None:
            self.unit_names.append("".join(self._in_unit))
            self._in_unit = None
        if tag == "table":
            self._units_table = False
        while self.stack:
            if self.stack.pop()[0] == tag:
                break


def _assert_drawn_and_fitting(shown: Rendered, data: ReportData, width: int) -> _Charts:
    """No script error, every chart drawn with its traces, and the page no wider than the
    screen (tables may scroll inside their own box, the page may not)."""
    charts = _Charts()
    charts.feed(shown.dom)
    assert charts.root.get("data-errors") is None, charts.root.get("data-errors")
    sparks = {f"spark-{n}" for n in range(len(data.units))}
    assert shown.done == str(len(EXPECTED) + len(sparks))
    assert charts.body.get("data-charts-rendered") == str(len(EXPECTED) + len(sparks))
    assert charts.svg == set(EXPECTED) | sparks
    for chart, layers in EXPECTED.items():
        assert charts.layers.get(chart) == layers, chart
    assert all(charts.layers.get(s) == {"scatterlayer": 1} for s in sparks)
    assert data.units and len(data.units) > 5
    # a phone zooms out to show a page wider than itself: innerWidth would grow with it
    assert shown.inner_width == shown.client_width == width
    assert shown.scroll_width <= shown.inner_width, shown.wider
    assert shown.wider == []
    return charts


def _keep(shown: Rendered, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / name
    shot.write_bytes(shown.png)
    assert shown.png[:8] == b"\x89PNG\r\n\x1a\n" and len(shown.png) > 50_000


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
@pytest.mark.parametrize("lang", ["en", "nl"])
def test_every_chart_renders_and_fits_the_screen(
    synced: Synced, tmp_path: Path, lang: str, width: int
) -> None:
    data = collect(synced.path, as_of=synced.as_of)
    assert data.partial_month  # the shaded, hatched month is on the screenshots too
    page = write_report(tmp_path / f"report-{lang}.html", data, lang)
    shown = render(page, width, tmp_path / "profile")
    _assert_drawn_and_fitting(shown, data, width)
    _keep(shown, f"report-{lang}-{width}.png")


def test_hostile_names_cannot_stop_the_charts(
    hostile: Path, synced: Synced, tmp_path: Path
) -> None:
    data = collect(hostile, as_of=synced.as_of)
    assert [u.name for u in data.units[: len(HOSTILE_UNITS)]] == list(HOSTILE_UNITS)
    assert HOSTILE_COMPANY in data.companies[data.tenants[0]]
    page = write_report(tmp_path / "hostile.html", data, "nl")
    shown = render(page, PHONE, tmp_path / "profile")
    charts = _assert_drawn_and_fitting(shown, data, PHONE)
    # the names are shown as the text they are, not run or swallowed
    assert charts.unit_names[: len(HOSTILE_UNITS)] == list(HOSTILE_UNITS)
    # and the data the page carries reads back the same
    carried = re.search(r'id="report-data">(.*?)</script>', page.read_text(encoding="utf-8"))
    assert carried
    units = json.loads(carried.group(1))["units"]
    assert [u["name"] for u in units[: len(HOSTILE_UNITS)]] == list(HOSTILE_UNITS)
    _keep(shown, "report-hostile-420.png")
