"""The HR report: one self-contained HTML file with headcount, FTE, flows and action lists.

``collect`` reads the figures from the analytics views, ``render_html`` draws them with
plotly; see ``docs/analytics.md`` for the definitions and ``docs/report.md`` for the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from visma_hrm.report.data import collect
from visma_hrm.report.definitions import ReportData
from visma_hrm.report.output import check_output, write_atomically

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
    """Draw the report and write it whole or not at all (``output.write_atomically``): never a
    half file, nothing left behind on failure; a directory as ``path`` is refused first."""
    from visma_hrm.report.render import render_html

    return write_atomically(path, render_html(data, lang), lang)


def report(connection_or_path: Any, path: Path, lang: str = "en", **options: Any) -> ReportData:
    """Collect the figures and write the HTML file; returns the figures."""
    check_output(path, lang)  # before the work, not after it
    data = collect(connection_or_path, lang=lang, **options)
    write_report(path, data, lang)
    return data
