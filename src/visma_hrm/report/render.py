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

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from visma_hrm.progress import short_tenant
from visma_hrm.report.data import BAND_LABELS, ActionItem, ReportData
from visma_hrm.report.texts import DEFINITIONS, LABELS, MONTHS

NAVY, TEAL, SAND, CORAL, GREY = "#1f3a5f", "#2a9d8f", "#e9c46a", "#e76f51", "#8d99ae"
FONT = "-apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


class _Page:
    """Number and date formats and the words of one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.words = LABELS[lang]
        self.defs = DEFINITIONS[lang]

    def t(self, key: str) -> str:
        return self.words.get(key, key)

    def num(self, value: float | Decimal | int | None, digits: int = 0) -> str:
        if value is None:
            return "-"
        text = f"{float(value):,.{digits}f}"
        if self.lang == "nl":
            text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
        return text

    def month(self, day: dt.date) -> str:
        return f"{MONTHS[self.lang][day.month - 1]} {day.year}"

    def date(self, day: dt.date) -> str:
        if self.lang == "nl":
            return f"{day.day} {MONTHS['nl'][day.month - 1]} {day.year}"
        return f"{day.day} {MONTHS['en'][day.month - 1]} {day.year}"

    def info(self, key: str) -> str:
        """The definition one hover (title) or one click (details) away."""
        text = html.escape(self.defs[key])
        label = html.escape(self.t("definition"))
        return (
            f'<details class="def" data-def="{key}"><summary title="{text}" '
            f'aria-label="{label}">i</summary><p>{text}</p></details>'
        )


def _layout(page: _Page, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "font": {"family": FONT, "size": 12, "color": "#243447"},
        "margin": {"l": 48, "r": 48, "t": 16, "b": 40},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "separators": ",." if page.lang == "nl" else ".,",
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
        "hovermode": "x unified",
        "xaxis": {"showgrid": False, "linecolor": "#ccd3dc"},
        "yaxis": {"gridcolor": "#e6eaf0", "zeroline": False, "rangemode": "tozero"},
        "height": 320,
    }
    layout.update(extra)
    return layout


def figures(data: ReportData, page: _Page) -> dict[str, go.Figure]:
    """Every chart of the report by the id of its element."""
    x = [page.month(m.month) for m in data.months]
    out: dict[str, go.Figure] = {}
    out["chart-headcount"] = go.Figure(
        [
            go.Bar(
                x=x,
                y=[float(m.fte) for m in data.months],
                name=page.t("fte"),
                marker_color="#c9d6e8",
                hovertemplate="%{y:.1f}",
            ),
            go.Scatter(
                x=x,
                y=[m.persons for m in data.months],
                name=page.t("persons"),
                mode="lines+markers",
                line={"color": NAVY, "width": 3},
            ),
            go.Scatter(
                x=x,
                y=[m.employments for m in data.months],
                name=page.t("employments"),
                mode="lines+markers",
                line={"color": TEAL, "width": 2, "dash": "dot"},
            ),
        ],
        _layout(page),
    )
    out["chart-flows"] = go.Figure(
        [
            go.Bar(
                x=x, y=[m.inflow for m in data.months], name=page.t("inflow"), marker_color=TEAL
            ),
            go.Bar(
                x=x, y=[m.outflow for m in data.months], name=page.t("outflow"), marker_color=CORAL
            ),
            go.Scatter(
                x=x,
                y=[m.turnover_pct for m in data.months],
                name=page.t("turnover"),
                yaxis="y2",
                mode="lines+markers",
                line={"color": NAVY, "width": 2},
                hovertemplate="%{y:.1f}%",
            ),
        ],
        _layout(
            page,
            barmode="group",
            yaxis2={
                "overlaying": "y",
                "side": "right",
                "ticksuffix": "%",
                "showgrid": False,
                "rangemode": "tozero",
                "tickformat": ".1f",
            },
        ),
    )
    order = {"Indefinite": 0, "Fixed term": 1}
    mix = dict(sorted(data.contract_mix.items(), key=lambda kv: (order.get(kv[0], 2), kv[0])))
    out["chart-contracts"] = go.Figure(
        [
            go.Pie(
                labels=[page.t(k) for k in mix],
                values=list(mix.values()),
                hole=0.55,
                sort=False,
                marker={"colors": [NAVY, SAND, GREY, TEAL]},
                textinfo="value+percent",
            )
        ],
        _layout(
            page,
            hovermode="closest",
            height=300,
            margin={"l": 8, "r": 8, "t": 8, "b": 8},
            legend={"orientation": "h", "y": -0.05},
        ),
    )
    bands = [*BAND_LABELS, "unknown"] if "unknown" in data.age_gender else list(BAND_LABELS)
    colours = {"male": NAVY, "female": CORAL, "unknown": GREY}
    genders = [
        g
        for g in ("female", "male", "unknown")
        if any(g in cell for cell in data.age_gender.values())
    ]
    out["chart-age"] = go.Figure(
        [
            go.Bar(
                x=bands,
                y=[data.age_gender.get(b, {}).get(g, 0) for b in bands],
                name=page.t(g),
                marker_color=colours[g],
            )
            for g in genders
        ],
        _layout(page, barmode="group", height=300, xaxis={"title": {"text": page.t("age")}}),
    )
    for n, unit in enumerate(data.units):
        out[f"spark-{n}"] = go.Figure(
            [
                go.Scatter(
                    x=x,
                    y=unit.persons,
                    mode="lines",
                    line={"color": NAVY, "width": 1.5},
                    fill="tozeroy",
                    fillcolor="rgba(31,58,95,0.08)",
                )
            ],
            {
                "margin": {"l": 0, "r": 0, "t": 2, "b": 2},
                "height": 28,
                "width": 150,
                "xaxis": {"visible": False},
                "showlegend": False,
                "yaxis": {"visible": False, "rangemode": "tozero"},
                "paper_bgcolor": "rgba(0,0,0,0)",
                "plot_bgcolor": "rgba(0,0,0,0)",
            },
        )
    return out


def render_html(data: ReportData, lang: str = "en") -> str:
    """The whole report as one HTML document."""
    page = _Page(lang)
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
            _header(data, page, tenants),
            _kpis(data, page),
            _chart_section(
                page,
                "headcount_chart",
                "persons",
                "chart-headcount",
                extra_defs=("employments", "fte"),
            ),
            _chart_section(
                page, "flows_chart", "turnover", "chart-flows", extra_defs=("inflow", "outflow")
            ),
            _units(data, page),
            '<div class="row">'
            + _chart_section(page, "contract_mix", "contract_mix", "chart-contracts")
            + _chart_section(page, "age_gender", "age_gender", "chart-age")
            + "</div>",
            _actions(data.ending, page, "ending", "end_date", len(data.tenants) > 1),
            _actions(data.starting, page, "starting", "start_date", len(data.tenants) > 1),
            _monthly_table(data, page),
            _glossary(page),
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


def _header(data: ReportData, page: _Page, tenants: str) -> str:
    first = data.months[0].month
    key = "tenants" if len(data.tenants) > 1 else "tenant"
    return f"""<header>
<div><h1>{html.escape(page.t("title"))}</h1>
<p class="sub">{html.escape(page.t(key))}: <strong>{html.escape(tenants)}</strong></p></div>
<div class="period"><span>{html.escape(page.t("period"))} {page.info("period")}</span>
<strong>{page.month(first)} – {page.month(data.as_of)}</strong>
<span>{html.escape(page.t("as_of"))} {page.date(data.as_of)}</span></div>
</header>"""


def _card(page: _Page, key: str, value: str, note: str, label: str | None = None) -> str:
    return f"""<div class="card" data-figure="{key}">
<div class="label">{html.escape(label or page.t(key))} {page.info(key)}</div>
<div class="value">{value}</div><div class="note">{html.escape(note)}</div></div>"""


def _delta(page: _Page, now: float, before: float, digits: int = 0) -> str:
    diff = now - before
    sign = "+" if diff > 0 else ("−" if diff < 0 else "±")
    return f"{sign}{page.num(abs(diff), digits)} {page.t('vs_begin')}"


def _kpis(data: ReportData, page: _Page) -> str:
    end, first = data.end, data.months[0]
    cards = [
        _card(
            page, "persons", page.num(end.persons), _delta(page, end.persons, data.begin_persons)
        ),
        _card(
            page,
            "employments",
            page.num(end.employments),
            _delta(page, end.employments, data.begin_employments),
        ),
        _card(
            page,
            "fte",
            page.num(end.fte, 1),
            f"{page.t('at_end')} ({page.num(first.fte, 1)} → {page.num(end.fte, 1)})",
        ),
        _card(page, "inflow", page.num(data.period_inflow), page.t("in_period")),
        _card(page, "outflow", page.num(data.period_outflow), page.t("in_period")),
        _card(
            page,
            "turnover",
            page.num(data.period_turnover_pct, 1) + "%",
            page.t("in_period"),
            label=page.t("period_turnover"),
        ),
    ]
    return f'<section class="kpis">{"".join(cards)}</section>'


def _chart_section(
    page: _Page, title: str, definition: str, chart: str, extra_defs: tuple[str, ...] = ()
) -> str:
    more = "".join(
        f'<span class="legend-def">{html.escape(page.t(k))} {page.info(k)}</span>'
        for k in extra_defs
    )
    return f"""<section class="panel">
<h2>{html.escape(page.t(title))} {page.info(definition)}</h2>
{f'<div class="defs">{more}</div>' if more else ""}
<div id="{chart}" class="chart" data-chart="{chart}"></div>
</section>"""


def _units(data: ReportData, page: _Page) -> str:
    rows = []
    several = len(data.tenants) > 1
    last_tenant = None
    for n, unit in enumerate(data.units):
        if several and unit.tenant_id != last_tenant:
            rows.append(
                f'<tr class="group"><td colspan="5">{html.escape(page.t("tenant"))} '
                f"{html.escape(short_tenant(unit.tenant_id))}</td></tr>"
            )
            last_tenant = unit.tenant_id
        now, before = unit.persons[-1], unit.persons[0]
        indent = (unit.level - 1) * 1.2 + 0.4
        rows.append(
            f'<tr class="level-{unit.level}"><td style="padding-left:{indent:.1f}em"'
            f' title="{html.escape(unit.name_path)}">{html.escape(unit.name)}</td>'
            f'<td class="n">{page.num(now)}</td><td class="n">{page.num(unit.fte, 1)}</td>'
            f'<td class="n">{_signed(page, now - before)}</td>'
            f'<td><div id="spark-{n}" class="spark" data-chart="spark-{n}"></div></td></tr>'
        )
    head = "".join(
        f"<th>{html.escape(h)}</th>"
        for h in (
            page.t("unit"),
            page.t("persons"),
            page.t("fte"),
            page.t("change"),
            page.t("trend"),
        )
    )
    return f"""<section class="panel" id="units">
<h2>{html.escape(page.t("units"))} {page.info("units")}</h2>
<table class="units"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>
</section>"""


def _signed(page: _Page, value: int) -> str:
    return ("+" if value > 0 else ("−" if value < 0 else "")) + page.num(abs(value))


def _actions(items: list[ActionItem], page: _Page, key: str, date_key: str, tenant: bool) -> str:
    heads = [
        page.t("name"),
        page.t("employeeid"),
        page.t("unit"),
        page.t("function"),
        page.t(date_key),
        page.t("days"),
    ]
    if tenant:
        heads.insert(0, page.t("tenant"))
    rows = []
    for item in items:
        cells = [item.name, item.employeeid, item.unit, item.function]
        if tenant:
            cells.insert(0, short_tenant(item.tenant_id))
        rows.append(
            "<tr>"
            + "".join(f"<td>{html.escape(c)}</td>" for c in cells)
            + f'<td class="n">{page.date(item.date)}</td><td class="n">{item.days}</td></tr>'
        )
    if not rows:
        rows.append(f'<tr><td colspan="{len(heads)}">{html.escape(page.t("none"))}</td></tr>')
    head = "".join(f"<th>{html.escape(h)}</th>" for h in heads)
    return f"""<section class="panel action" id="{key}">
<h2>{html.escape(page.t(key))} <span class="count">{len(items)}</span> {page.info(key)}</h2>
<table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>
</section>"""


def _monthly_table(data: ReportData, page: _Page) -> str:
    keys = (
        "persons",
        "employments",
        "fte",
        "inflow",
        "outflow",
        "employments_started",
        "employments_ended",
        "turnover",
    )
    head = f"<th>{html.escape(page.t('month'))}</th>" + "".join(
        f'<th title="{html.escape(page.defs[k])}">{html.escape(page.t(k))}</th>' for k in keys
    )
    rows = []
    for m in data.months:
        values = [
            page.num(m.persons),
            page.num(m.employments),
            page.num(m.fte, 1),
            page.num(m.inflow),
            page.num(m.outflow),
            page.num(m.employments_started),
            page.num(m.employments_ended),
            page.num(m.turnover_pct, 1) + ("%" if m.turnover_pct is not None else ""),
        ]
        rows.append(
            f"<tr><td>{page.month(m.month)}</td>"
            + "".join(f'<td class="n">{v}</td>' for v in values)
            + "</tr>"
        )
    return f"""<section class="panel" id="monthly">
<h2>{html.escape(page.t("monthly_table"))} {page.info("period")}</h2>
<table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>
</section>"""


def _glossary(page: _Page) -> str:
    items = "".join(
        f"<dt>{html.escape(page.t(k))}</dt><dd>{html.escape(v)}</dd>" for k, v in page.defs.items()
    )
    return f"""<section class="panel glossary" id="definitions">
<h2>{html.escape(page.t("definitions"))}</h2><dl>{items}</dl></section>"""


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
