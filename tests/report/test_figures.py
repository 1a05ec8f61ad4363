"""Every figure of the report against the independent Python computation from the truth."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.report import reference
from tests.report.checks import Synced, assert_figures, assert_workforce
from visma_hrm.report import ReportData, collect, render_html


def _starting(data: ReportData, synced: Synced) -> set[tuple[str, str, dt.date]]:
    """The report names the employeeid of the first contract; map it to the person key."""
    from tests.support import hr_reference as ref

    keys = {t: ref.person_keys(d["employees"], d["contracts"]) for t, d in synced.truth.items()}
    return {(i.tenant_id, keys[i.tenant_id][i.employeeid], i.date) for i in data.starting}


def test_all_tenants_together_equal_the_python_computation(synced: Synced) -> None:
    data = collect(synced.path, as_of=synced.as_of)
    exp = reference.expected(synced.truth, synced.as_of)
    assert data.tenants == sorted(synced.tenants)
    assert len(data.months) == 12 and data.months[-1].reference_date == synced.as_of
    assert_figures(data, exp)
    assert_workforce(data, synced.truth)
    assert _starting(data, synced) == exp.starting
    # the data must exercise every figure, or the comparisons above prove little
    assert data.ending, "no contract ending: the list would be untested"
    assert sum(m.outflow for m in data.months) and sum(m.inflow for m in data.months)
    assert len(data.contract_mix) == 2 and len(data.age_gender) >= 5
    assert data.period_turnover_pct == round(
        data.period_outflow * 200 / (exp.begin_persons + exp.months[-1][1]), 2
    )


@pytest.mark.slow
def test_another_period_sees_the_hires_registered_after_it(synced: Synced) -> None:
    as_of = synced.as_of - dt.timedelta(days=40)
    data = collect(synced.path, as_of=as_of, months=6)
    exp = reference.expected(synced.truth, as_of, months=6)
    assert len(data.months) == 6
    assert_figures(data, exp)
    assert_workforce(data, synced.truth)
    assert _starting(data, synced) == exp.starting
    assert data.starting, "no hire starting after the as-of date: the list would be untested"


@pytest.mark.slow
def test_one_tenant(synced: Synced) -> None:
    tenant = synced.tenants[1]
    data = collect(synced.path, tenants=[tenant], as_of=synced.as_of)
    assert data.tenants == [tenant]
    assert_figures(data, reference.expected({tenant: synced.truth[tenant]}, synced.as_of))
    assert_workforce(data, synced.truth)
    assert {i.tenant_id for i in data.ending + data.starting} <= {tenant}


def test_default_period_ends_on_the_last_day_the_data_covers(synced: Synced) -> None:
    """The one reference date (``visma_hrm.analytics.as_of``): the newest export's moment, the
    sandbox's clock here, later than the newest change in the rows."""
    latest_change = max(
        dt.date.fromisoformat(str(r["existencestartutc"])[:10])
        for d in synced.truth.values()
        for name in ("employees", "contracts")
        for r in d[name]
    )
    data = collect(synced.path)
    assert data.as_of == synced.as_of >= latest_change
    with duckdb.connect(str(synced.path)) as db:  # the user's own views were left alone
        schemas = {r[0] for r in db.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()}
    assert "visma_hrm_report" in schemas


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "nl"])
def test_html_is_self_contained_and_carries_the_figures(
    synced: Synced, lang: str, tmp_path: Path
) -> None:
    data = collect(synced.path, as_of=synced.as_of)
    page = render_html(data, lang)
    # no network: no external script, style, image or font; plotly.js is inline
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page)
    assert "@import" not in page and "url(http" not in page
    assert "Plotly.newPlot" in page and len(page) > 3_000_000
    embedded = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page)
    assert embedded
    document = json.loads(embedded.group(1))
    assert document["months"][-1]["persons"] == data.end.persons
    assert Decimal(str(document["months"][-1]["fte"])) == data.end.fte
    assert document["period_turnover_pct"] == data.period_turnover_pct
    # every figure carries its definition, hover (title) and click (details)
    for key in (
        "persons",
        "employments",
        "fte",
        "inflow",
        "outflow",
        "turnover",
        "units",
        "contract_mix",
        "age_gender",
        "ending",
        "starting",
        "period",
    ):
        assert f'data-def="{key}"' in page, key
    words = (
        ("Bezetting", "Verloop", "Dienstverbanden")
        if lang == "nl"
        else ("Headcount", "Turnover", "Employments")
    )
    assert all(w in page for w in words)
    assert f'<html lang="{lang}">' in page
    for item in data.ending:
        assert item.employeeid in page
