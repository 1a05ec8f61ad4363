"""Turn ``ReportData`` into one self-contained HTML file: plotly.js inline, no network needed.

The charts are plotly figures (built with plotly's Python API, drawn by the plotly.js that the
``plotly`` package ships), so nothing is drawn by hand. The figures and the numbers behind them
travel inside the file as JSON; a short script draws every chart and marks the page
(``data-charts-rendered``, ``data-errors``) so a headless browser can check it.

The JSON sits inside ``<script>`` elements, where the HTML parser looks for ``</script>`` and
``<!--`` (which turns the rest of the page into script data) before any JSON parser runs: every
``<``, ``>`` and ``&`` in it is written as a JSON escape (``\u003c``...), as are U+2028 and
U+2029 (line ends to older JavaScript), so no name in the data can end or bend the element.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from decimal import Decimal
from typing import Any

import plotly.io as pio
from plotly.offline import get_plotlyjs

from visma_hrm.report.charts import figures
from visma_hrm.report.definitions import ReportData
from visma_hrm.report.page import Page
from visma_hrm.report.sections import (
    actions,
    chart_section,
    glossary,
    header,
    kpis,
    month_to_date,
    monthly_table,
    units,
)
from visma_hrm.report.style import CSS
from visma_hrm.report.workforce_charts import workforce_figures
from visma_hrm.report.workforce_sections import workforce_sections


def render_html(data: ReportData, lang: str = "en") -> str:
    """The whole report as one HTML document."""
    page = Page(lang)
    figs = figures(data, page)
    figs.update(workforce_figures(data, page))
    figure_json = (
        "{"
        + ",".join(f"{json.dumps(k)}:{pio.to_json(f, validate=False)}" for k, f in figs.items())
        + "}"
    )
    title = page.t("title")
    tenants = ", ".join(data.tenant_name(t) for t in data.tenants)
    note = month_to_date(data, page)
    body = "\n".join(
        [
            header(data, page),
            kpis(data, page),
            chart_section(
                page,
                "headcount_chart",
                "persons",
                "chart-headcount",
                extra_defs=("employments", "fte"),
                note=note,
            ),
            chart_section(
                page,
                "flows_chart",
                "turnover",
                "chart-flows",
                extra_defs=("inflow", "outflow"),
                note=note,
            ),
            units(data, page),
            '<div class="row">'
            + chart_section(page, "contract_mix", "contract_mix", "chart-contracts")
            + chart_section(page, "age_gender", "age_gender", "chart-age")
            + "</div>",
            workforce_sections(data, page),
            actions(data, page, "ending", "end_date"),
            actions(data, page, "starting", "start_date"),
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


_SCRIPT_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def _script_safe(json_text: str) -> str:
    """JSON text that can sit inside ``<script>``: the characters HTML or older JavaScript
    read in it become JSON escapes (valid only because JSON has them in strings alone)."""
    return json_text.translate(_SCRIPT_ESCAPES)


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
