"""The report's charts as plotly figures, built with plotly's Python API (nothing drawn by hand).

Each figure is keyed by the id of the element the page draws it in; the page's language sets
the month names and the decimal separators of the axes and hovers.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from visma_hrm.report.definitions import BAND_LABELS, ReportData
from visma_hrm.report.page import Page

NAVY, TEAL, SAND, CORAL, GREY = "#1f3a5f", "#2a9d8f", "#e9c46a", "#e76f51", "#8d99ae"
FONT = "-apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def _layout(page: Page, **extra: Any) -> dict[str, Any]:
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


def figures(data: ReportData, page: Page) -> dict[str, go.Figure]:
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
