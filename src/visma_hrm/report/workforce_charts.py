"""The charts of the report's HR-number sections as plotly figures: the flexible workforce per
month, length of service, part-time factor, gender, direct reports per manager, and the
organisation as a treemap sized by headcount and coloured by fixed-term share.

They share the look of ``charts`` (axes that make room for their titles, legends above, the
page's decimal separators). The treemap needs no width of its own: plotly fits the boxes to the
screen, hides a label that does not fit, and a click zooms into a branch.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import plotly.graph_objects as go

from visma_hrm.analytics.workforce import PART_TIME_BANDS, SERVICE_BANDS
from visma_hrm.report.charts import (
    CORAL,
    GREY,
    NAVY,
    SAND,
    TEAL,
    axis_title,
    base_layout,
    monthly_line,
    partial_band,
)
from visma_hrm.report.definitions import ReportData
from visma_hrm.report.page import Page
from visma_hrm.report.workforce import Workforce

FLEX_SCALE = [[0.0, "#e8f1f8"], [0.5, "#e9c46a"], [1.0, "#e76f51"]]
"""Fixed-term share from none (pale blue) through sand to coral."""


def workforce_figures(data: ReportData, page: Page) -> dict[str, go.Figure]:
    """The HR-number charts by the id of their element (none without the numbers)."""
    w = data.workforce
    if w is None:
        return {}
    return {
        "chart-flex": _flex(data, w, page),
        "chart-service": _bands(w, page, "service", [b.label for b in SERVICE_BANDS], TEAL),
        "chart-parttime": _bands(w, page, "part_time", [b.label for b in PART_TIME_BANDS], SAND),
        "chart-gender": _gender(w, page),
        "chart-span": _span(w, page),
        "chart-org": _org(data, w, page),
    }


def _flex(data: ReportData, w: Workforce, page: Page) -> go.Figure:
    x = [page.month(m.month) for m in w.months]
    persons = monthly_line(
        x,
        [m.fixed_term_headcount_pct for m in w.months],
        page.t("fixed_term_headcount_series"),
        line={"color": CORAL, "width": 3},
        marker={"symbol": "circle", "size": 7},
        hovertemplate="%{y:.1f}%",
    )
    fte = monthly_line(
        x,
        [m.fixed_term_fte_pct for m in w.months],
        page.t("fixed_term_fte_series"),
        line={"color": NAVY, "width": 2, "dash": "dash"},
        marker={"symbol": "diamond-open", "size": 10, "line": {"width": 2}},
        hovertemplate="%{y:.1f}%",
    )
    layout = base_layout(page, page.t("axis_share"), shapes=partial_band(data))
    layout["yaxis"]["ticksuffix"] = "%"
    return go.Figure([persons, fte], layout)


def _bands(w: Workforce, page: Page, dimension: str, order: list[str], colour: str) -> go.Figure:
    found = w.bands.get(dimension, {})
    bands = order + [b for b in found if b not in order]
    bar = go.Bar(
        x=[page.t(b) if b == "unknown" else b for b in bands],
        y=[found.get(b, (0, 0))[0] for b in bands],
        name=page.t("axis_persons"),
        marker_color=colour,
        hovertemplate="%{y:,}",
    )
    x_title = page.t("axis_service" if dimension == "service" else "axis_part_time")
    layout = base_layout(page, page.t("axis_persons"), x_title, height=300, showlegend=False)
    return go.Figure([bar], layout)


def _gender(w: Workforce, page: Page) -> go.Figure:
    found = w.bands.get("gender", {})
    genders = [g for g in ("female", "male", "unknown") if found.get(g, (0, 0))[0]]
    colours = {"female": CORAL, "male": NAVY, "unknown": GREY}
    total = sum(n for n, _ in found.values())
    pie = go.Pie(
        labels=[page.t(g) for g in genders],
        values=[found[g][0] for g in genders],
        hole=0.55,
        sort=False,
        marker={"colors": [colours[g] for g in genders]},
        textinfo="percent",
    )
    count = page.t("persons_n").format(count=f"<b>{page.num(total)}</b>")
    layout = {
        **base_layout(page, ""),
        "hovermode": "closest",
        "height": 300,
        "legend": {"orientation": "h", "y": -0.05},
        "annotations": [{"text": count, "showarrow": False, "font": {"size": 13}}],
    }
    return go.Figure([pie], layout)


def _span(w: Workforce, page: Page) -> go.Figure:
    """How many managers have 1, 2, 3, ... direct reports at the end of the period."""
    sizes = Counter(n for _t, _name, n in w.managers)
    x = list(range(1, max(sizes, default=1) + 1))
    bar = go.Bar(
        x=x,
        y=[sizes.get(n, 0) for n in x],
        marker_color=NAVY,
        hovertemplate="%{y:,}",
        name=page.t("axis_managers"),
    )
    layout = base_layout(
        page, page.t("axis_managers"), page.t("axis_reports"), height=300, showlegend=False
    )
    layout["xaxis"]["dtick"] = 1 if len(x) <= 15 else 5
    return go.Figure([bar], layout)


def _org(data: ReportData, w: Workforce, page: Page) -> go.Figure:
    """Units by headcount (a unit's own persons; a parent adds its children's), coloured by the
    fixed-term share of the unit with everything below. Several tenants: a root per tenant."""
    several = len(data.tenants) > 1
    ids: list[str] = []
    parents: list[str] = []
    labels: list[str] = []
    values: list[int] = []
    colours: list[float] = []
    hover: list[str] = []
    counts: list[str] = []
    if several:  # one root above the tenants: plotly draws a tree from a single root
        ids += ["all", *data.tenants]
        parents += ["", *(["all"] * len(data.tenants))]
        labels += [page.t("tenants"), *(data.tenant_name(t) for t in data.tenants)]
        values += [0] * (len(data.tenants) + 1)
        colours += [_fixed_share(w, t) for t in (None, *data.tenants)]
        hover += [""] * (len(data.tenants) + 1)
        counts += [""] * (len(data.tenants) + 1)
    for node in w.org:
        ids.append(f"{node.tenant_id}|{node.orgunitid}")
        parent = f"{node.tenant_id}|{node.parent}" if node.parent and node.level > 1 else ""
        parents.append(parent or (node.tenant_id if several else ""))
        labels.append(node.name)
        values.append(node.headcount)
        colours.append(node.fixed_term_pct or 0.0)
        counts.append(page.num(node.subtree_headcount))
        pct = page.num(node.fixed_term_pct, 1) + "%" if node.fixed_term_pct is not None else "-"
        hover.append(
            f"{page.t('persons_n').format(count=page.num(node.subtree_headcount))}"
            f"<br>{page.t('fixed_term_col')}: {pct}"
        )
    tree = go.Treemap(
        ids=ids,
        parents=parents,
        labels=labels,
        values=values,
        branchvalues="remainder",
        maxdepth=4 if several else 3,  # down to the departments; a click shows more
        customdata=hover,
        hovertemplate="<b>%{label}</b><br>%{customdata}<extra></extra>",
        text=counts,  # persons in the unit with everything below it, as the hover says
        textinfo="label+text",
        marker={
            "colors": colours,
            "colorscale": FLEX_SCALE,
            "cmin": 0,
            "cmax": max(10, math.ceil(max(colours, default=0) / 10) * 10),
            "colorbar": _colourbar(page),
            "line": {"color": "#ffffff", "width": 1},
        },
        pathbar={"thickness": 20, "textfont": {"size": 12}},
        tiling={"pad": 2},
    )
    layout: dict[str, Any] = {
        **base_layout(page, ""),
        "hovermode": "closest",
        "height": 460,
        "margin": {"l": 4, "r": 4, "t": 8, "b": 8},
        "uniformtext": {"minsize": 10, "mode": "hide"},
    }
    return go.Figure([tree], layout)


def _colourbar(page: Page) -> dict[str, Any]:
    """Below the boxes, across: on a phone a bar beside them would take a fifth of the width."""
    return {
        "orientation": "h",
        "y": -0.02,
        "yanchor": "top",
        "thickness": 10,
        "len": 0.9,
        "ticksuffix": "%",
        "title": {
            "text": page.t("colour_fixed_term"),
            "font": axis_title("")["font"],
            "side": "top",
        },
    }


def _fixed_share(w: Workforce, tenant: str | None) -> float:
    """A tenant's (None: all tenants') fixed-term share of its persons in the tree."""
    roots = [n for n in w.org if tenant in (None, n.tenant_id) and n.level == 1]
    persons = sum(n.subtree_headcount for n in roots)
    fixed = sum(n.subtree_fixed_term for n in roots)
    return fixed * 100 / persons if persons else 0.0
