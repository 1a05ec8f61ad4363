"""``visma-hrm report`` through the real typer app: the file, the message, the exit codes."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from tests.report.checks import Synced
from visma_hrm.cli import app


def test_report_command_writes_the_file_and_says_where(synced: Synced, tmp_path: Path) -> None:
    out = tmp_path / "out" / "hr.html"
    args = ["report", "--duckdb-path", str(synced.path), "-o", str(out), "--lang", "nl"]
    result = CliRunner().invoke(
        app, [*args, "--tenant", synced.tenants[0], "--as-of", synced.as_of.isoformat()]
    )
    assert result.exit_code == 0, result.output
    assert "Rapportage geschreven" in result.stdout  # --lang nl: the line too
    assert str(out.name) in result.stdout.replace("\n", "")
    page = out.read_text(encoding="utf-8")
    assert "HR-rapportage" in page and synced.tenants[0][:8] in page
    assert synced.tenants[1][:8] not in page
    assert not list(out.parent.glob("*.part"))


def test_report_command_refuses_bad_input_with_one_message(synced: Synced, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["report", "--duckdb-path", str(synced.path), "-o", str(tmp_path / "r.html")]
    cases = [
        (["--lang", "fr"], "en, nl"),
        (["--as-of", "15-02-2026"], "YYYY-MM-DD"),
        (["--tenant", "11111111-2222-3333-4444-555555555555"], "tenants found"),
        (["--tenant", "no-such-tenant"], "is not a tenant id"),
        (["--destination", "bigquery"], "duckdb or postgres"),
    ]
    for extra, message in cases:
        result = runner.invoke(app, [*base, *extra])
        assert result.exit_code == 2, (extra, result.output)
        assert message in " ".join(result.output.split()) and "Traceback" not in result.output
    missing = runner.invoke(app, ["report", "--duckdb-path", str(tmp_path / "none.duckdb")])
    assert missing.exit_code == 2 and "visma-hrm sync" in missing.output
    assert not (tmp_path / "r.html").exists()


@pytest.mark.slow
def test_demo_writes_the_report_and_prints_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["demo", "--employees", "30"])
    assert result.exit_code == 0, result.output
    report = tmp_path / "visma_hrm_demo_report.html"
    assert str(report) in "".join(result.stdout.split())  # the path, however the line wraps
    page = report.read_text(encoding="utf-8")
    assert "Plotly.newPlot" in page and 'id="ending"' in page


def test_model_command_builds_the_star_views(synced: Synced) -> None:
    args = ["model", "--duckdb-path", str(synced.path), "--as-of", synced.as_of.isoformat()]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "fact_headcount_monthly" in result.stdout
    with duckdb.connect(str(synced.path)) as db:
        month = db.execute(
            "SELECT max(month) FROM visma_hrm_model.fact_headcount_monthly"
        ).fetchall()
    assert month == [(synced.as_of.replace(day=1),)]
    bad = CliRunner().invoke(app, ["model", "--duckdb-path", str(synced.path) + ".none"])
    assert bad.exit_code == 2 and "visma-hrm sync" in bad.output
