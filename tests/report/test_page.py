"""What the page says around the figures: axes titled with their units in English and Dutch,
series that differ in more than colour, the month to date marked, tenants by their company's
name with the id on hover, Dutch numbers, and text from the data escaped for the ``<script>``
elements it travels in."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from tests.report.checks import Synced
from tests.report.conftest import HOSTILE_COMPANY, HOSTILE_UNITS
from visma_hrm.report import ReportData, collect, render_html
from visma_hrm.report.charts import figures
from visma_hrm.report.page import Page
from visma_hrm.report.workforce_charts import workforce_figures

AXES = {
    "en": {
        "chart-headcount": ("Month", "Number (persons, employments) · FTE", None),
        "chart-flows": ("Month", "Persons per month", "Turnover (% of average headcount)"),
        "chart-age": ("Age (years)", "Persons", None),
    },
    "nl": {
        "chart-headcount": ("Maand", "Aantal (personen, dienstverbanden) · FTE", None),
        "chart-flows": ("Maand", "Personen per maand", "Verloop (% van gemiddelde bezetting)"),
        "chart-age": ("Leeftijd (jaren)", "Personen", None),
    },
}


@pytest.fixture(scope="module")
def data(synced: Synced) -> ReportData:
    return collect(synced.path, as_of=synced.as_of)


def _title(axis: Any) -> str | None:
    return axis.title.text if axis is not None and axis.title is not None else None


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_every_axis_says_what_it_counts_in_which_unit(data: ReportData, lang: str) -> None:
    charts = figures(data, Page(lang))
    for chart, (x, y, y2) in AXES[lang].items():
        layout = charts[chart].layout
        assert (_title(layout.xaxis), _title(layout.yaxis)) == (x, y), chart
        assert _title(getattr(layout, "yaxis2", None)) == y2, chart
    # nothing cut off: axes make room for their labels and titles, the legend sits above
    for chart in AXES[lang]:
        layout = charts[chart].layout
        assert layout.xaxis.automargin and layout.yaxis.automargin, chart
        assert layout.legend.y > 1 and layout.legend.yanchor == "bottom", chart
    assert charts["chart-flows"].layout.yaxis2.automargin
    count = Page(lang).num(sum(data.contract_mix.values()))
    word = "employments" if lang == "en" else "dienstverbanden"
    assert charts["chart-contracts"].layout.annotations[0].text == f"<b>{count}</b> {word}"


def test_lines_differ_in_colour_dash_and_marker(data: ReportData) -> None:
    charts = figures(data, Page("en"))
    persons, employments = (t for t in charts["chart-headcount"].data if t.type == "scatter")

    def look(trace: Any) -> tuple[Any, ...]:
        return trace.line.color, trace.line.dash or "solid", trace.marker.symbol

    assert all(a != b for a, b in zip(look(persons), look(employments), strict=True))
    # the employments line is drawn last, on top, with open markers larger than the
    # persons' dots: where both counts are equal, both still show
    assert "open" in employments.marker.symbol
    assert employments.marker.size > persons.marker.size
    inflow, outflow, rate = charts["chart-flows"].data
    assert inflow.marker.color != outflow.marker.color
    assert rate.line.dash not in (None, "solid")


def _hatched(trace: Any) -> list[bool]:
    return [shape == "/" for shape in trace.marker.pattern.shape]


def test_the_month_to_date_is_shaded_hatched_and_named(data: ReportData) -> None:
    assert data.as_of == dt.date(2026, 2, 15) and data.partial_month
    last = len(data.months) - 1
    for lang, note in (
        ("en", "Feb 2026: month to date, up to 15 Feb 2026"),
        ("nl", "feb 2026: maand tot nu toe, tot en met 15 feb 2026"),
    ):
        charts = figures(data, Page(lang))
        for chart in ("chart-headcount", "chart-flows"):
            bars = [t for t in charts[chart].data if t.type == "bar"]
            assert bars and all(_hatched(b) == [n == last for n in range(last + 1)] for b in bars)
            assert all(b.marker.opacity[last] < b.marker.opacity[0] for b in bars)
            (band,) = charts[chart].layout.shapes
            assert (band.x0, band.x1, band.xref) == (last - 0.5, last + 0.5, "x")
        (flex_band,) = workforce_figures(data, Page(lang))["chart-flex"].layout.shapes
        assert (flex_band.x0, flex_band.x1) == (last - 0.5, last + 0.5)
        page = render_html(data, lang)
        assert page.count(note) == 3  # above the three monthly charts (flexible workforce too)
        assert 'class="mtd"' in page  # and on the last row of the monthly table


def test_a_whole_last_month_is_not_marked(synced: Synced) -> None:
    month_end = synced.as_of.replace(day=1) - dt.timedelta(days=1)
    data = collect(synced.path, as_of=month_end)
    assert not data.partial_month
    charts = figures(data, Page("en"))
    assert not charts["chart-flows"].layout.shapes
    assert not any(any(_hatched(t)) for t in charts["chart-flows"].data if t.type == "bar")
    assert "month to date" not in render_html(data, "en")


def _companies_by_staff(rows: list[dict[str, Any]]) -> list[str]:
    staff: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if (row.get("companyname") or "").strip():
            staff[str(row["companyname"]).strip()].add(str(row["employeeid"]))
    return sorted(staff, key=lambda name: (-len(staff[name]), name))


def test_tenants_are_named_by_their_main_company_with_the_id_on_hover(
    synced: Synced, data: ReportData
) -> None:
    page = render_html(data, "en")
    for tenant in synced.tenants:
        companies = _companies_by_staff(synced.truth[tenant]["employees"])
        assert len(companies) > 1 and data.companies[tenant] == companies
        hover = html.escape(f"Tenant id: {tenant} · Companies: {', '.join(companies)}")
        label = f'<span class="tenant" title="{hover}">{html.escape(companies[0])}</span>'
        assert page.count(label) >= 2  # the header and the units table, at least
    title = re.search(r"<title>(.*?)</title>", page)
    assert title and html.escape(data.tenant_name(synced.tenants[0])) in title.group(1)


def test_dutch_pages_write_dutch_numbers(data: ReportData) -> None:
    fte = f"{float(data.end.fte):,.1f}"
    dutch = fte.replace(",", " ").replace(".", ",").replace(" ", ".")
    assert "." in fte and "," in dutch
    assert f'<div class="value">{dutch}</div>' in render_html(data, "nl")
    assert f'<div class="value">{fte}</div>' in render_html(data, "en")
    assert figures(data, Page("nl"))["chart-flows"].layout.separators == ",."


def _script_blocks(page: str) -> dict[str, str]:
    return dict(re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', page))


def test_text_from_the_data_cannot_end_or_bend_a_script_element(
    hostile: Path, synced: Synced
) -> None:
    data = collect(hostile, as_of=synced.as_of)
    page = render_html(data, "en")
    blocks = _script_blocks(page)
    assert set(blocks) == {"report-data", "report-figures"}
    for name, text in blocks.items():
        for raw in ("<", ">", "&", "\u2028", "\u2029"):
            assert raw not in text, (name, raw)
    carried = json.loads(blocks["report-data"])
    assert [u["name"] for u in carried["units"][: len(HOSTILE_UNITS)]] == list(HOSTILE_UNITS)
    assert carried["companies"][data.tenants[0]][0] == HOSTILE_COMPANY
    json.loads(blocks["report-figures"])
    # in the HTML around the scripts the same names are escaped as text
    for unit in HOSTILE_UNITS:
        assert f">{html.escape(unit)}</td>" in page
    assert html.escape(HOSTILE_COMPANY) in page and HOSTILE_COMPANY not in page
