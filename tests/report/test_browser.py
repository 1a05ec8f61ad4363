"""The report in a real headless Chromium (Debian's ``chromium``): every chart drawn, no script
error, and a screenshot saved as a test artefact for a person to look at.

Chromium runs with the network cut off (every host name resolves to nothing), so a chart that
needed a CDN or any download would be missing here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.report.checks import Synced
from visma_hrm.report import collect, write_report

ARTIFACTS = Path(os.environ.get("VISMA_HRM_TEST_ARTIFACTS", "test-artifacts"))
CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed "
        "(bash scripts/test.sh installs Debian's chromium as root)",
    ),
    pytest.mark.slow,  # a headless browser per language
]

# chart id -> plotly layer that must hold its traces, and how many traces
EXPECTED = {
    "chart-headcount": {"barlayer": 1, "scatterlayer": 2},
    "chart-flows": {"barlayer": 2, "scatterlayer": 1},
    "chart-contracts": {"pielayer": 1},
    "chart-age": {"barlayer": 2},
}


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=20000",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


class _Charts(HTMLParser):
    """Per chart element (``data-chart``): the plotly layers inside and their trace groups."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None, str | None]] = []  # tag, chart, layer
        self.layers: dict[str, dict[str, int]] = {}
        self.svg: set[str] = set()
        self.root: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.root = a
        chart = a.get("data-chart") or (self.stack[-1][1] if self.stack else None)
        layer = self.stack[-1][2] if self.stack else None
        classes = (a.get("class") or "").split()
        if chart and "main-svg" in classes:
            self.svg.add(chart)
        for name in ("barlayer", "scatterlayer", "pielayer"):
            if name in classes:
                layer = name
        if chart and layer and "trace" in classes:
            counts = self.layers.setdefault(chart, {})
            counts[layer] = counts.get(layer, 0) + 1
        if tag not in ("br", "img", "meta", "input", "link", "hr"):
            self.stack.append((tag, chart, layer))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_every_chart_renders_in_headless_chromium(
    synced: Synced, tmp_path: Path, lang: str
) -> None:
    data = collect(synced.path, as_of=synced.as_of)
    page = write_report(tmp_path / f"report-{lang}.html", data, lang)
    dom = chromium("--dump-dom", page.resolve().as_uri(), profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    charts = _Charts()
    charts.feed(dom.stdout)
    assert charts.root.get("data-errors") is None, charts.root.get("data-errors")
    sparks = {f"spark-{n}" for n in range(len(data.units))}
    assert f'data-charts-rendered="{len(EXPECTED) + len(sparks)}"' in dom.stdout
    assert charts.svg == set(EXPECTED) | sparks
    for chart, layers in EXPECTED.items():
        assert charts.layers.get(chart) == layers, chart
    assert all(charts.layers.get(s) == {"scatterlayer": 1} for s in sparks)
    assert data.units and len(data.units) > 5

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"report-{lang}.png"
    shot.unlink(missing_ok=True)
    result = chromium(
        "--window-size=1280,2400",
        f"--screenshot={shot.resolve()}",
        page.resolve().as_uri(),
        profile=tmp_path / "profile",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
