"""``visma-hrm report`` through the real typer app: the file, the message, the exit codes."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from tests.report.checks import Synced
from visma_hrm.cli import app
from visma_hrm.report import collect


def test_report_command_writes_the_file_and_says_where(synced: Synced, tmp_path: Path) -> None:
    out = tmp_path / "out" / "hr.html"
    args = ["report", "--duckdb-path", str(synced.path), "-o", str(out), "--lang", "nl"]
    result = CliRunner().invoke(
        app, [*args, "--tenant", synced.tenants[0], "--as-of", synced.as_of.isoformat()]
    )
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert "Rapportage geschreven" in said and str(out.name) in result.stdout.replace("\n", "")
    assert "Report written" not in said and " to " not in said and "headcount" not in said
    data = collect(synced.path, tenants=[synced.tenants[0]], as_of=synced.as_of)
    fte = f"{float(data.end.fte):.1f}".replace(".", ",")
    assert f"bezetting {data.end.persons}, fte {fte})" in said  # a Dutch decimal comma
    page = out.read_text(encoding="utf-8")
    assert "HR-rapportage" in page and synced.tenants[0][:8] in page
    assert synced.tenants[1][:8] not in page
    assert not [p.name for p in out.parent.iterdir() if p.name != out.name]
    english = CliRunner().invoke(app, [*args[:-2], "--as-of", synced.as_of.isoformat()])
    assert english.exit_code == 0, english.output
    said = " ".join(english.stdout.split())
    both = collect(synced.path, as_of=synced.as_of)
    assert f"Report written: {out.resolve()} (" in said
    assert f"2 tenant(s), headcount {both.end.persons}, FTE {float(both.end.fte):,.1f})" in said


def test_report_to_a_directory_is_refused_before_any_work_and_leaves_nothing(
    synced: Synced, tmp_path: Path
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    for lang, line in (("en", "error (file): -o "), ("nl", "fout (file): -o ")):
        args = ["report", "--duckdb-path", str(synced.path), "-o", str(folder), "--lang", lang]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output  # the command line is wrong: fix it
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(line), result.output
        assert ("is a directory" if lang == "en" else "is een map") in lines[0]
        assert "Traceback" not in result.output
    assert list(folder.iterdir()) == []
    # a file where a directory should be: the file error, exit 1, nothing left either
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    args = ["report", "--duckdb-path", str(synced.path), "-o", str(blocker / "hr.html")]
    result = CliRunner().invoke(app, [*args, "--as-of", synced.as_of.isoformat()])
    assert result.exit_code == 1 and result.output.startswith("error (file): "), result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "reports"]


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
    # the Dutch demo writes its own file, next to the English one, and leaves that as it was
    dutch = CliRunner().invoke(app, ["demo", "--employees", "30", "--lang", "nl"])
    assert dutch.exit_code == 0, dutch.output
    rapport = tmp_path / "visma_hrm_demo_report.nl.html"
    assert str(rapport) in "".join(dutch.stdout.split())
    assert '<html lang="nl">' in rapport.read_text(encoding="utf-8")
    assert report.read_text(encoding="utf-8") == page


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
