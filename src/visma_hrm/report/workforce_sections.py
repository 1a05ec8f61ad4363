"""The HTML of the report's HR-number sections: a row of key figures (fixed-term share, length
of service, age, part-time, span of control) and the chart panels around the figures of
``workforce_charts``, each with its definition one hover or click away.
"""

from __future__ import annotations

import html

from visma_hrm.report.definitions import ReportData
from visma_hrm.report.page import Page
from visma_hrm.report.sections import card, chart_section, month_to_date
from visma_hrm.report.workforce import Workforce


def _percent(page: Page, value: float | None) -> str:
    return page.num(value, 1) + "%" if value is not None else "-"


def workforce_kpis(w: Workforce, page: Page) -> str:
    end = w.end
    at_end = page.t("at_end")
    cards = [
        card(
            page,
            "fixed_term_share",
            _percent(page, end.fixed_term_headcount_pct),
            f"{page.t('of_persons')}, {at_end}",
        ),
        card(
            page,
            "fixed_term_share",
            _percent(page, end.fixed_term_fte_pct),
            f"{page.t('of_fte')}, {at_end}",
            label=page.t("fixed_term_fte_share"),
        ),
        card(
            page,
            "service_avg",
            f"{page.num(end.service_years_avg, 1)} {page.t('years')}",
            at_end,
        ),
        card(page, "age_avg", f"{page.num(w.age_avg, 1)} {page.t('years')}", at_end),
        card(page, "part_time_share", _percent(page, w.part_time_pct), page.t("of_persons")),
        card(
            page,
            "span_avg",
            page.num(w.span_avg, 1),
            page.t("managers_n").format(count=page.num(w.span[0])),
        ),
    ]
    title = html.escape(page.t("workforce"))
    return f'<h2 class="section-title">{title}</h2><section class="kpis">{"".join(cards)}</section>'


def workforce_sections(data: ReportData, page: Page) -> str:
    """Key figures, the flexible workforce per month, service and part-time, gender and span
    of control, the organisation chart; nothing when the numbers are not there."""
    w = data.workforce
    if w is None:
        return ""

    def pair(first: str, second: str) -> str:
        return f'<div class="row">{first}{second}</div>'

    return "\n".join(
        [
            workforce_kpis(w, page),
            chart_section(
                page, "flex_chart", "fixed_term_share", "chart-flex", note=month_to_date(data, page)
            ),
            pair(
                chart_section(page, "service_chart", "service_avg", "chart-service"),
                chart_section(page, "part_time_chart", "part_time_share", "chart-parttime"),
            ),
            pair(
                chart_section(page, "gender_chart", "gender_chart", "chart-gender"),
                chart_section(page, "span_chart", "span_avg", "chart-span"),
            ),
            chart_section(page, "org_chart", "org_chart", "chart-org"),
        ]
    )
