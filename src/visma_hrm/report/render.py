"""Turn ``ReportData`` into one self-contained HTML file: plotly.js inline, no network needed.

The charts are plotly figures (built with plotly's Python API, drawn by the plotly.js that the
``plotly`` package ships), so nothing is drawn by hand. The figures and the numbers behind them
travel inside the file as JSON; a short script draws every chart and marks the page
(``data-charts-rendered``, ``data-errors``) so a headless browser can check it.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from decimal import Decimal
from typing import Any

import plotly.io as pio
from plotly.offline import get_plotlyjs

from visma_hrm.cli.progress import short_tenant
from visma_hrm.report.charts import figures
from visma_hrm.report.definitions import ReportData
from visma_hrm.report.page import Page
from visma_hrm.report.sections import (
    actions,
    chart_section,
    glossary,
    header,
    kpis,
    monthly_table,
    units,
)


def render_html(data: ReportData, lang: str = "en") -> str:
    """The whole report as one HTML document."""
    page = Page(lang)
    figs = figures(data, page)
    figure_json = (
        "{"
        + ",".join(f"{json.dumps(k)}:{pio.to_json(f, validate=False)}" for k, f in figs.items())
        + "}"
    )
    title = page.t("title")
    tenants = ", ".join(short_tenant(t) for t in data.tenants)
    body = "\n".join(
        [
            header(data, page, tenants),
            kpis(data, page),
            chart_section(
                page,
                "headcount_chart",
                "persons",
                "chart-headcount",
                extra_defs=("employments", "fte"),
            ),
            chart_section(
                page, "flows_chart", "turnover", "chart-flows", extra_defs=("inflow", "outflow")
            ),
            units(data, page),
            '<div class="row">'
            + chart_section(page, "contract_mix", "contract_mix", "chart-contracts")
            + chart_section(page, "age_gender", "age_gender", "chart-age")
            + "</div>",
            actions(data.ending, page, "ending", "end_date", len(data.tenants) > 1),
            actions(data.starting, page, "starting", "start_date", len(data.tenants) > 1),
            monthly_table(data, page),
            glossary(page),
            f"<footer>{html.escape(page.t('generated'))} {data.generated_at} UTC. "
            f"{html.escape(page.t('footer'))}</footer>",
        ]
    )
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · {html.escape(tenants)} · {data.as_of.isoformat()}</title>
<style>{CSS}</style>
<script>{ERROR_HOOK}</script>
<script>{get_plotlyjs()}</script>
</head>
<body>
<main>
{body}
</main>
<script type="application/json" id="report-data">{_safe_json(data.to_dict())}</script>
<script type="application/json" id="report-figures">{_script_safe(figure_json)}</script>
<script>{DRAW}</script>
</body>
</html>
"""


def _script_safe(text: str) -> str:
    return text.replace("</", "<\\/")


def _safe_json(document: dict[str, Any]) -> str:
    return _script_safe(json.dumps(document, default=_plain, ensure_ascii=False))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


ERROR_HOOK = """window.addEventListener('error', function (e) {
  var list = document.documentElement.getAttribute('data-errors');
  document.documentElement.setAttribute('data-errors',
    (list ? list + ' | ' : '') + (e.message || 'error') + ' @' + (e.lineno || 0));
});"""

DRAW = """(function () {
  var figures = JSON.parse(document.getElementById('report-figures').textContent);
  var config = {displayModeBar: false, responsive: true};
  var jobs = Object.keys(figures).map(function (id) {
    var f = figures[id];
    var own = id.indexOf('spark-') === 0 ? {staticPlot: true} : config;
    return Plotly.newPlot(document.getElementById(id), f.data, f.layout, own);
  });
  // A4 paper is narrower than most screens: draw the big charts at the page's width to print
  var big = Object.keys(figures).filter(function (id) { return id.indexOf('spark-') !== 0; });
  window.addEventListener('beforeprint', function () {
    big.forEach(function (id) { Plotly.relayout(id, {width: 680}); });
  });
  window.addEventListener('afterprint', function () {
    big.forEach(function (id) { Plotly.relayout(id, {width: null, autosize: true}); });
  });
  Promise.all(jobs).then(function () {
    document.body.setAttribute('data-charts-rendered', String(jobs.length));
  }, function (err) {
    document.documentElement.setAttribute('data-errors', String(err));
  });
})();"""

CSS = """
:root { --navy: #1f3a5f; --ink: #243447; --muted: #66768a; --line: #e3e8ef; --bg: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.45 -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px; }
header { display: flex; justify-content: space-between; align-items: flex-end; gap: 24px;
  background: var(--navy); color: #fff; border-radius: 10px; padding: 20px 24px; }
header h1 { margin: 0; font-size: 26px; font-weight: 600; }
header .sub { margin: 4px 0 0; opacity: .85; }
header .period { display: flex; flex-direction: column; align-items: flex-end; gap: 2px; }
header .period strong { font-size: 18px; }
header .period span { opacity: .85; font-size: 13px; }
header details.def summary { background: rgba(255,255,255,.25); color: #fff; }
.kpis { display: grid; grid-template-columns: repeat(6, 1fr); gap: 12px; margin: 16px 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 14px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase;
  letter-spacing: .03em; display: flex; gap: 6px; align-items: flex-start; }
.card .value { font-size: 28px; font-weight: 650; color: var(--navy); margin-top: 4px; }
.card .note { color: var(--muted); font-size: 12px; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 10px;
  padding: 16px 20px; margin: 16px 0; break-inside: avoid; }
.panel h2 { font-size: 16px; margin: 0 0 8px; font-weight: 600; display: flex; gap: 8px;
  align-items: flex-start; }
.row { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.row .panel { margin: 0; }
.chart { width: 100%; min-height: 300px; }
.defs { display: flex; gap: 16px; color: var(--muted); font-size: 12px; }
.legend-def { display: inline-flex; gap: 4px; align-items: flex-start; }
details.def { display: inline-block; position: relative; font-size: 12px; font-weight: 400;
  text-transform: none; letter-spacing: 0; }
details.def summary { list-style: none; cursor: pointer; width: 16px; height: 16px;
  border-radius: 50%; background: #dfe6ef; color: var(--navy); font: italic 600 11px/16px
  Georgia, serif; text-align: center; }
details.def summary::-webkit-details-marker { display: none; }
details.def[open] p { position: absolute; z-index: 10; top: 20px; left: -8px; width: 320px;
  margin: 0; padding: 10px 12px; background: #fff; color: var(--ink); border: 1px solid
  var(--line); border-radius: 8px; box-shadow: 0 6px 20px rgba(0,0,0,.12); line-height: 1.4; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th { text-align: left; color: var(--muted); font-weight: 600; font-size: 12px;
  border-bottom: 2px solid var(--line); padding: 6px 8px; }
td { border-bottom: 1px solid var(--line); padding: 5px 8px; vertical-align: middle; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.level-1 td:first-child { font-weight: 650; }
tr.level-2 td:first-child { font-weight: 550; }
tr.group td { background: var(--bg); font-weight: 650; }
.spark { width: 150px; height: 28px; }
.count { background: #fdebd0; color: #9a5b00; border-radius: 10px; padding: 0 8px;
  font-size: 12px; line-height: 20px; }
.glossary dl { display: grid; grid-template-columns: 220px 1fr; gap: 6px 16px; margin: 0; }
.glossary dt { font-weight: 600; }
.glossary dd { margin: 0; color: var(--muted); }
footer { color: var(--muted); font-size: 12px; margin: 16px 4px 32px; }
@media (max-width: 900px) { .kpis { grid-template-columns: repeat(3, 1fr); }
  .row { grid-template-columns: 1fr; } }
@media print {
  body { background: #fff; font-size: 11px; }
  main { max-width: none; padding: 0; }
  header { background: #fff; color: var(--ink); border: 2px solid var(--navy); }
  .panel, .card { border-color: #ccc; }
  .kpis { grid-template-columns: repeat(6, 1fr); }
  details.def { display: none; }
  .modebar-container { display: none; }
  @page { size: A4; margin: 12mm; }
}
"""
