"""The HR report: one self-contained HTML file with headcount, FTE, flows and action lists.

``collect`` reads the figures from the analytics views, ``render_html`` draws them with
plotly; see ``docs/analytics.md`` for the definitions and ``docs/report.md`` for the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from visma_hrm.report.data import collect
from visma_hrm.report.definitions import ReportData

if TYPE_CHECKING:
    from visma_hrm.report.render import render_html

__all__ = ["ReportData", "collect", "render_html", "write_report"]


def __getattr__(name: str) -> Any:
    """``render_html`` on first use: plotly loads only when a report is drawn, not for
    ``visma-hrm --help`` (which imports the report command's defaults from this package)."""
    if name == "render_html":
        from visma_hrm.report.render import render_html

        return render_html
    raise AttributeError(name)


def write_report(path: Path, data: ReportData, lang: str = "en") -> Path:
    """Write the report next to its final name first, then rename: never a half file."""
    from visma_hrm.report.render import render_html

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text(render_html(data, lang), encoding="utf-8")
    partial.replace(path)
    return path


def report(connection_or_path: Any, path: Path, lang: str = "en", **options: Any) -> ReportData:
    """Collect the figures and write the HTML file; returns the figures."""
    data = collect(connection_or_path, **options)
    write_report(path, data, lang)
    return data
