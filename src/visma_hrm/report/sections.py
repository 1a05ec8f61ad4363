"""The report's HTML sections: header, key figures, chart panels, units, action lists, the
monthly table and the glossary, each a function from the figures to HTML text.

The charts themselves are drawn in the browser from ``charts``; here is the text around them.
Tenants are named by their main company, with the id on hover; tables sit in a box of their own
that scrolls sideways on a narrow screen, so the page itself never does.
"""

from __future__ import annotations

import html

from visma_hrm.report.definitions import ActionItem, ReportData
from visma_hrm.report.page import Page


def tenant_label(data: ReportData, page: Page, tenant_id: str) -> str:
    """The tenant by its main company's name; its id and all its companies on hover."""
    hover = f"{page.t('tenant_id')}: {tenant_id}"
    companies = data.companies.get(tenant_id)
    if companies:
        hover += f" · {page.t('companies')}: {', '.join(companies)}"
    name = html.escape(data.tenant_name(tenant_id))
    return f'<span class="tenant" title="{html.escape(hover)}">{name}</span>'


def _table(head: str, rows: list[str], css_class: str = "") -> str:
    """A table in a box of its own that scrolls sideways when the screen is narrower."""
    attribute = f' class="{css_class}"' if css_class else ""
    body = "".join(rows)
    return (
        f'<div class="table-scroll" tabindex="0"><table{attribute}><thead><tr>{head}</tr>'
        f"</thead><tbody>{body}</tbody></table></div>"
    )


def header(data: ReportData, page: Page) -> str:
    first = data.months[0].month
    key = "tenants" if len(data.tenants) > 1 else "tenant"
    tenants = ", ".join(tenant_label(data, page, t) for t in data.tenants)
    return f"""<header>
<div><h1>{html.escape(page.t("title"))}</h1>
<p class="sub">{html.escape(page.t(key))}: <strong>{tenants}</strong></p></div>
<div class="period"><span>{html.escape(page.t("period"))} {page.info("period")}</span>
<strong>{page.month(first)} – {page.month(data.as_of)}</strong>
<span>{html.escape(page.t("as_of"))} {page.date(data.as_of)}</span></div>
</header>"""


def card(page: Page, key: str, value: str, note: str, label: str | None = None) -> str:
    return f"""<div class="card" data-figure="{key}">
<div class="label">{html.escape(label or page.t(key))} {page.info(key)}</div>
<div class="value">{value}</div><div class="note">{html.escape(note)}</div></div>"""


def _delta(page: Page, now: float, before: float, digits: int = 0) -> str:
    diff = now - before
    sign = "+" if diff > 0 else ("−" if diff < 0 else "±")
    return f"{sign}{page.num(abs(diff), digits)} {page.t('vs_begin')}"


def kpis(data: ReportData, page: Page) -> str:
    end, first = data.end, data.months[0]
    cards = [
        card(page, "persons", page.num(end.persons), _delta(page, end.persons, data.begin_persons)),
        card(
            page,
            "employments",
            page.num(end.employments),
            _delta(page, end.employments, data.begin_employments),
        ),
        card(
            page,
            "fte",
            page.num(end.fte, 1),
            f"{page.t('at_end')} ({page.num(first.fte, 1)} → {page.num(end.fte, 1)})",
        ),
        card(page, "inflow", page.num(data.period_inflow), page.t("in_period")),
        card(page, "outflow", page.num(data.period_outflow), page.t("in_period")),
        card(
            page,
            "turnover",
            page.num(data.period_turnover_pct, 1) + "%",
            page.t("in_period"),
            label=page.t("period_turnover"),
        ),
    ]
    return f'<section class="kpis">{"".join(cards)}</section>'


def chart_section(
    page: Page,
    title: str,
    definition: str,
    chart: str,
    extra_defs: tuple[str, ...] = (),
    note: str = "",
) -> str:
    more = "".join(
        f'<span class="legend-def">{html.escape(page.t(k))} {page.info(k)}</span>'
        for k in extra_defs
    )
    return f"""<section class="panel">
<h2>{html.escape(page.t(title))} {page.info(definition)}</h2>
{f'<div class="defs">{more}</div>' if more else ""}{note}
<div id="{chart}" class="chart" data-chart="{chart}"></div>
</section>"""


def month_to_date(data: ReportData, page: Page) -> str:
    """The note above a monthly chart when its last month is counted only up to the as-of
    date: what the shaded, hatched month is."""
    if not data.partial_month:
        return ""
    words = page.t("mtd_note").format(month=page.month(data.as_of), date=page.date(data.as_of))
    return f'<p class="mtd-note"><span class="hatch"></span>{html.escape(words)}</p>'


def units(data: ReportData, page: Page) -> str:
    rows = []
    several = len(data.tenants) > 1
    last_tenant = None
    for n, unit in enumerate(data.units):
        if several and unit.tenant_id != last_tenant:
            rows.append(
                f'<tr class="group"><td colspan="6">{html.escape(page.t("tenant"))} '
                f"{tenant_label(data, page, unit.tenant_id)}</td></tr>"
            )
            last_tenant = unit.tenant_id
        now, before = unit.persons[-1], unit.persons[0]
        indent = (unit.level - 1) * 1.2 + 0.4
        rows.append(
            f'<tr class="level-{unit.level}"><td style="padding-left:{indent:.1f}em"'
            f' title="{html.escape(unit.name_path)}">{html.escape(unit.name)}</td>'
            f'<td class="n">{page.num(now)}</td><td class="n">{page.num(unit.fte, 1)}</td>'
            f'<td class="n">{_fixed_term(data, page, unit.tenant_id, unit.orgunitid)}</td>'
            f'<td class="n">{_signed(page, now - before)}</td>'
            f'<td><div id="spark-{n}" class="spark" data-chart="spark-{n}"></div></td></tr>'
        )
    head = "".join(
        f"<th>{html.escape(h)}</th>"
        for h in (
            page.t("unit"),
            page.t("persons"),
            page.t("fte"),
            page.t("fixed_term_col"),
            page.t("change"),
            page.t("trend"),
        )
    )
    return f"""<section class="panel" id="units">
<h2>{html.escape(page.t("units"))} {page.info("units")}</h2>
{_table(head, rows, "units")}
</section>"""


def _fixed_term(data: ReportData, page: Page, tenant: str, unit: str) -> str:
    """The unit's fixed-term share with everything below it, at the end of the period."""
    nodes = data.workforce.org if data.workforce else []
    found = next((n for n in nodes if (n.tenant_id, n.orgunitid) == (tenant, unit)), None)
    pct = found.fixed_term_pct if found else None
    return page.num(pct, 1) + "%" if pct is not None else "-"


def _signed(page: Page, value: int) -> str:
    return ("+" if value > 0 else ("−" if value < 0 else "")) + page.num(abs(value))


def actions(data: ReportData, page: Page, key: str, date_key: str) -> str:
    items: list[ActionItem] = getattr(data, key)
    tenant = len(data.tenants) > 1
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
        cells = [html.escape(c) for c in (item.name, item.employeeid, item.unit, item.function)]
        if tenant:
            cells.insert(0, tenant_label(data, page, item.tenant_id))
        rows.append(
            "<tr>"
            + "".join(f"<td>{c}</td>" for c in cells)
            + f'<td class="n">{page.date(item.date)}</td>'
            + f'<td class="n">{page.num(item.days)}</td></tr>'
        )
    if not rows:
        rows.append(f'<tr><td colspan="{len(heads)}">{html.escape(page.t("none"))}</td></tr>')
    head = "".join(f"<th>{html.escape(h)}</th>" for h in heads)
    return f"""<section class="panel action" id="{key}">
<h2>{html.escape(page.t(key))} <span class="count">{len(items)}</span> {page.info(key)}</h2>
{_table(head, rows)}
</section>"""


def monthly_table(data: ReportData, page: Page) -> str:
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
        partial = data.partial_month and m is data.end
        flag = f'<br><span class="mtd">{html.escape(page.t("mtd"))}</span>' if partial else ""
        rows.append(
            f"<tr><td>{page.month(m.month)}{flag}</td>"
            + "".join(f'<td class="n">{v}</td>' for v in values)
            + "</tr>"
        )
    return f"""<section class="panel" id="monthly">
<h2>{html.escape(page.t("monthly_table"))} {page.info("period")}</h2>
{_table(head, rows)}
</section>"""


def glossary(page: Page) -> str:
    items = "".join(
        f"<dt>{html.escape(page.t(k))}</dt><dd>{html.escape(v)}</dd>" for k, v in page.defs.items()
    )
    return f"""<section class="panel glossary" id="definitions">
<h2>{html.escape(page.t("definitions"))}</h2><dl>{items}</dl></section>"""
