"""One warehouse, one headcount: ``analytics``, ``report`` and ``model`` count on the same date.

Without ``--as-of`` every command counts on the one reference date (the last date the data
covers, from its newest export: ``visma_hrm.analytics.as_of``), says it, and so gives the same
headcount per tenant. The sandbox's clock is not today's date, so a command that counted on
today, or on the newest change in the rows, would differ here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.analytics import helpers as h
from tests.support import hr_reference as ref
from tests.support.runs import run_sync
from tests.support.settings import clock_date, loaded_sandbox_settings
from visma_hrm.cli import app
from visma_hrm.sandbox import SandboxConfig, start_sandbox

pytestmark = pytest.mark.slow  # a sync of a sandbox, then three commands on its file


def _json(args: list[str]) -> tuple[dict[str, object], str]:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    start = result.stdout.index("{")
    return json.loads(result.stdout[start:]), result.stderr


def test_analytics_report_and_model_count_the_same_headcount_on_the_same_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with start_sandbox(SandboxConfig(tenants=2, employees=60, seed=23)) as sb:
        settings = loaded_sandbox_settings(sb, tmp_path)
        run_sync(settings)
        sb.advance(days=20)  # a second export: the reference date is the newest one's
        run_sync(settings, full_refresh=True)  # deletions marked: the tables equal the truth
        day = clock_date(sb)
        truth = {t: ref.headcount(h.truth(sb, t), day)[1][0] for t in sb.tenant_ids}
    path = str(settings.duckdb_path)
    said = f"As of {day.isoformat()}: the last date the data covers"

    analytics, stderr = _json(["analytics", "--duckdb-path", path, "--json"])
    assert said in stderr and analytics["as_of"] == day.isoformat()
    by_analytics = {t["tenant_id"]: t["headcount"] for t in analytics["tenants"]}  # type: ignore[attr-defined]

    model, stderr = _json(["model", "--duckdb-path", path, "--json"])
    assert said in stderr and model["as_of"] == day.isoformat()
    by_model = {t["tenant_id"]: t["headcount"] for t in model["tenants"]}  # type: ignore[attr-defined]

    by_report = {}
    for tenant in sb.tenant_ids:
        out = tmp_path / f"report-{tenant}.html"
        report, stderr = _json(
            ["report", "--duckdb-path", path, "--tenant", tenant, "-o", str(out), "--json"]
        )
        assert said in stderr and report["as_of"] == day.isoformat()
        by_report[tenant] = report["headcount"]

    assert by_analytics == by_model == by_report == truth, (by_analytics, by_model, by_report)
    everyone, _ = _json(
        ["report", "--duckdb-path", path, "-o", str(tmp_path / "all.html"), "--json"]
    )
    assert everyone["headcount"] == sum(truth.values())
