"""The report's charts as plotly figures, built with plotly's Python API (nothing drawn by hand).

Each figure is keyed by the id of the element the page draws it in; the page's language sets
the month names, the axis titles and the decimal separators of the axes and hovers. Every axis
says what it counts and in which unit; legends sit above the plot (on a phone the rotated month
labels need the room below); series differ in colour, dash and marker, so a line that runs on
top of another still shows; a last month counted only up to the as-of date is shaded and its
bars hatched.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from visma_hrm.analytics.workforce import AGE_BANDS
from visma_hrm.report.definitions import ReportData
from visma_hrm.report.page import Page

NAVY, TEAL, SAND, CORAL, GREY = "#1f3a5f", "#2a9d8f", "#e9c46a", "#e76f51", "#8d99ae"
MUTED = "#66768a"
FONT = "-apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def axis_title(text: str) -> dict[str, Any]:
    return {"text": text, "font": {"size": 11, "color": MUTED}, "standoff": 6}


def base_layout(
    page: Page, y_title: str, x_title: str | None = None, **extra: Any
) -> dict[str, Any]:
    """The common look: axes that grow their margins to fit their labels and titles (nothing
    cut off on a phone), the legend above the plot, the page's decimal separators."""
    layout: dict[str, Any] = {
        "font": {"family": FONT, "size": 12, "color": "#243447"},
        "margin": {"l": 8, "r": 8, "t": 8, "b": 8},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "separators": ",." if page.lang == "nl" else ".,",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "hovermode": "x unified",
        "xaxis": {
            "showgrid": False,
            "linecolor": "#ccd3dc",
            "automargin": True,
            "title": axis_title(x_title or page.t("axis_month")),
        },
        "yaxis": {
            "gridcolor": "#e6eaf0",
            "zeroline": False,
            "rangemode": "tozero",
            "automargin": True,
            "title": axis_title(y_title),
        },
        "height": 340,
    }
    layout.update(extra)
    return layout


def _partial_marks(data: ReportData, colour: str) -> dict[str, Any]:
    """Bar colours per month: the last one lighter and hatched when it is a month to date."""
    last = len(data.months) - 1
    partial = [data.partial_month and n == last for n in range(len(data.months))]
    return {
        "color": colour,
        "opacity": [0.5 if p else 1.0 for p in partial],
        "pattern": {
            "shape": ["/" if p else "" for p in partial],
            "fgcolor": NAVY,
            "size": 6,
            "solidity": 0.25,
        },
    }


def partial_band(data: ReportData) -> list[dict[str, Any]]:
    """A grey band behind the last month when it is a month to date (categories sit at 0..n-1)."""
    if not data.partial_month:
        return []
    last = len(data.months) - 1
    return [
        {
            "type": "rect",
            "xref": "x",
            "yref": "paper",
            "x0": last - 0.5,
            "x1": last + 0.5,
            "y0": 0,
            "y1": 1,
            "fillcolor": "rgba(141,153,174,0.16)",
            "line": {"width": 0},
            "layer": "below",
        }
    ]


def figures(data: ReportData, page: Page) -> dict[str, go.Figure]:
    """Every chart of the report by the id of its element."""
    out = {
        "chart-headcount": _headcount(data, page),
        "chart-flows": _flows(data, page),
        "chart-contracts": _contracts(data, page),
        "chart-age": _age(data, page),
    }
    out.update(_sparks(data, page))
    return out


def monthly_line(x: list[str], y: list[Any], name: str, **style: Any) -> go.Scatter:
    """A monthly line with a marker on each month; ``style`` sets its look."""
    return go.Scatter(
        {"x": x, "y": y, "name": name, "mode": "lines+markers", "hovertemplate": "%{y:,}", **style}
    )


def _headcount(data: ReportData, page: Page) -> go.Figure:
    x = [page.month(m.month) for m in data.months]
    fte = go.Bar(
        x=x,
        y=[float(m.fte) for m in data.months],
        name=page.t("fte"),
        marker=_partial_marks(data, "#c9d6e8"),
        hovertemplate="%{y:,.1f}",
    )
    persons = monthly_line(
        x,
        [m.persons for m in data.months],
        page.t("persons"),
        line={"color": NAVY, "width": 3},
        marker={"symbol": "circle", "size": 7},
    )
    # drawn on top of the persons line, dashed and with open diamonds: equal values still show
    employments = monthly_line(
        x,
        [m.employments for m in data.months],
        page.t("employments"),
        line={"color": CORAL, "width": 2, "dash": "dash"},
        marker={"symbol": "diamond-open", "size": 11, "line": {"width": 2}},
    )
    layout = base_layout(page, page.t("axis_headcount"), shapes=partial_band(data))
    return go.Figure([fte, persons, employments], layout)


def _flows(data: ReportData, page: Page) -> go.Figure:
    x = [page.month(m.month) for m in data.months]
    inflow = go.Bar(
        x=x,
        y=[m.inflow for m in data.months],
        name=page.t("inflow"),
        marker=_partial_marks(data, TEAL),
    )
    outflow = go.Bar(
        x=x,
        y=[m.outflow for m in data.months],
        name=page.t("outflow"),
        marker=_partial_marks(data, CORAL),
    )
    rate = monthly_line(
        x,
        [m.turnover_pct for m in data.months],
        page.t("turnover"),
        line={"color": NAVY, "width": 2, "dash": "dot"},
        marker={"symbol": "square", "size": 7},
        yaxis="y2",
        hovertemplate="%{y:.1f}%",
    )
    turnover_axis = {
        "overlaying": "y",
        "side": "right",
        "tickmode": "auto",  # round percentages, not ticks lined up with the left axis
        "ticksuffix": "%",
        "showgrid": False,
        "rangemode": "tozero",
        "automargin": True,
        "title": axis_title(page.t("axis_turnover")),
    }
    layout = base_layout(
        page,
        page.t("axis_flows"),
        barmode="group",
        yaxis2=turnover_axis,
        shapes=partial_band(data),
    )
    return go.Figure([inflow, outflow, rate], layout)


def _contracts(data: ReportData, page: Page) -> go.Figure:
    order = {"Indefinite": 0, "Fixed term": 1}
    mix = dict(sorted(data.contract_mix.items(), key=lambda kv: (order.get(kv[0], 2), kv[0])))
    total = page.t("pie_total").format(count=f"<b>{page.num(sum(mix.values()))}</b>")
    pie = go.Pie(
        labels=[page.t(k) for k in mix],
        values=list(mix.values()),
        hole=0.55,
        sort=False,
        marker={"colors": [NAVY, SAND, GREY, TEAL]},
        textinfo="value+percent",
    )
    layout = {
        **base_layout(page, ""),
        "hovermode": "closest",
        "height": 300,
        "margin": {"l": 8, "r": 8, "t": 8, "b": 8},
        "legend": {"orientation": "h", "y": -0.05},
        "annotations": [{"text": total, "showarrow": False, "font": {"size": 13}}],
    }
    return go.Figure([pie], layout)


def _age(data: ReportData, page: Page) -> go.Figure:
    labels = [b.label for b in AGE_BANDS]
    bands = [*labels, "unknown"] if "unknown" in data.age_gender else labels
    colours = {"male": NAVY, "female": CORAL, "unknown": GREY}
    genders = [
        g
        for g in ("female", "male", "unknown")
        if any(g in cell for cell in data.age_gender.values())
    ]
    labels = [page.t(b) if b == "unknown" else b for b in bands]
    bars = [
        go.Bar(
            x=labels,
            y=[data.age_gender.get(b, {}).get(g, 0) for b in bands],
            name=page.t(g),
            marker_color=colours[g],
        )
        for g in genders
    ]
    layout = base_layout(
        page, page.t("axis_persons"), page.t("axis_age"), barmode="group", height=320
    )
    return go.Figure(bars, layout)


def _sparks(data: ReportData, page: Page) -> dict[str, go.Figure]:
    """One small static line per unit: its headcount over the period, as wide as its cell."""
    x = [page.month(m.month) for m in data.months]
    return {
        f"spark-{n}": go.Figure(
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
                "xaxis": {"visible": False},
                "showlegend": False,
                "yaxis": {"visible": False, "rangemode": "tozero"},
                "paper_bgcolor": "rgba(0,0,0,0)",
                "plot_bgcolor": "rgba(0,0,0,0)",
            },
        )
        for n, unit in enumerate(data.units)
    }
