"""The ``sync`` and ``demo`` commands as a user runs them: subprocesses, real HTTP, real DuckDB.

Includes the crash test: a sync killed with SIGKILL at a seeded random moment, then run again,
must end equal to the sandbox's truth with no duplicate key.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.support.cli import cli_env, cli_process, run_and_kill
from tests.support.settings import cli_settings
from tests.support.truth import assert_equal_to_truth
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox

SECRET = "cli-test-secret-do-not-print"


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    config = SandboxConfig(tenants=2, employees=40, seed=5, client_secret=SECRET)
    with start_sandbox(config) as sandbox:
        yield sandbox


def test_sync_json_parses_and_reports_every_tenant_and_dataset(sb: Sandbox, tmp_path: Path) -> None:
    done = cli_process(
        ["sync", "--json", "--dataset", "users", "--dataset", "contracts"],
        cli_env(sb, tmp_path),
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is True and report["exit_code"] == 0
    pairs = {(t["tenant_id"], t["dataset"]) for t in report["tables"]}
    assert pairs == {(t, d) for t in sb.tenant_ids for d in ("users", "contracts")}
    for table in report["tables"]:
        assert table["mode"] == "full" and table["status"] == "ok"
        assert table["rows_inserted"] == len(sb.truth(table["tenant_id"], table["dataset"]))
    assert SECRET not in done.stdout + done.stderr
    # the default names: `visma_hrm.contracts` works in ./visma_hrm.duckdb as in PostgreSQL
    with duckdb.connect(str(tmp_path / "visma_hrm.duckdb"), read_only=True) as db:
        (count,) = db.execute("SELECT count(*) FROM visma_hrm.contracts").fetchone() or (0,)
    assert count == sum(len(sb.truth(t, "contracts")) for t in sb.tenant_ids)


@pytest.mark.slow
def test_expected_errors_print_a_message_not_a_traceback_nor_the_secret(
    sb: Sandbox, tmp_path: Path
) -> None:
    wrong = cli_env(sb, tmp_path, VISMA_HRM_CLIENT_SECRET="wrong-" + SECRET)
    done = cli_process(["sync"], wrong, tmp_path)
    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert "Traceback" not in output
    assert "invalid_client" in output
    assert SECRET not in output
    missing = cli_env(sb, tmp_path)
    del missing["VISMA_HRM_CLIENT_SECRET"]
    done = cli_process(["sync", "--dataset", "salaries", "--json"], missing, tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "VISMA_HRM_CLIENT_SECRET" in done.stderr
    assert json.loads(done.stdout)["error_code"] == "configuration"


@pytest.mark.slow
def test_demo_runs_and_prints_its_summary(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VISMA_HRM_")}
    env["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    (tmp_path / "visma_hrm_demo.duckdb").write_text("somebody's own file")
    refused = cli_process(["demo", "--employees", "30"], env, tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.startswith("error (configuration): ") and "--force" in refused.stderr
    assert (tmp_path / "visma_hrm_demo.duckdb").read_text() == "somebody's own file"
    started = time.monotonic()
    done = cli_process(["demo", "--employees", "30", "--force"], env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert time.monotonic() - started < 120
    out = done.stdout
    for expected in (
        "1. Full sync",
        "2. Incremental sync",
        "incremental",
        "HR analytics",
        "Change feed",
        "new event(s)",
        "headcount_monthly_total",
        "duckdb.connect('visma_hrm_demo.duckdb', read_only=True)",
        "visma_hrm.contracts",
        "the last date the data covers",
    ):
        assert expected in out, expected
    flat = " ".join(out.split())  # sentences the terminal's width wraps
    for expected in (
        "fixed-term",  # the HR numbers per tenant
        "persons per manager",
        "Custom fields as columns",  # and a custom field as a column
        "employee_custom_fields has",
        "Locatie (locatie)",
    ):
        assert expected in flat, expected
    assert "tenant " in out and "…" not in out  # whole names and ids at 80 columns
    assert (tmp_path / "visma_hrm_demo.duckdb").stat().st_size > 100_000


# --------------------------------------------------------------------------- SIGKILL
def _kill_moments(count: int, seed: int) -> list[tuple[str, float]]:
    """Seeded moments: some during the downloads, most during dlt's extract/normalize/load."""
    rng = random.Random(seed)
    anchors = [("downloading", 0.3), ("(dlt extract)", 0.4), ("(dlt load)", 0.5)]
    return [
        (anchor, round(rng.uniform(0, spread), 3))
        for anchor, spread in (anchors[i % len(anchors)] for i in range(count))
    ]


def _sigkill_matrix(sb: Sandbox, tmp_path: Path, moments: list[tuple[str, float]]) -> None:
    env = cli_env(sb, tmp_path, VISMA_HRM_CONCURRENCY="2")
    settings = cli_settings(sb, tmp_path)
    kills = 0
    for n, (anchor, delay) in enumerate(moments):
        if n:
            sb.advance(days=30)  # later moments interrupt incremental runs
        killed = run_and_kill(env, tmp_path, anchor, delay)
        kills += killed
        rerun = cli_process(["sync", "--json"], env, tmp_path)
        assert rerun.returncode == 0, f"after kill at {anchor}+{delay}: {rerun.stderr[-2000:]}"
        report = json.loads(rerun.stdout)
        assert report["ok"]
        assert_equal_to_truth(sb, settings, deleted_may_linger=True)
        # the killed run's folder (downloads, parsed rows) was removed by the re-run
        assert not [p for p in (tmp_path / "pipelines").glob("visma_hrm-*/run-*") if p.is_dir()]
        assert report["interrupted_runs_removed"] == int(killed)
        print(f"moment {anchor}+{delay}s killed={killed}")
    assert kills >= 2, "the kills came too late to interrupt anything: the test proved nothing"


@pytest.mark.slow
def test_a_sync_killed_at_random_moments_ends_equal_to_the_truth(
    sb: Sandbox, tmp_path: Path
) -> None:
    _sigkill_matrix(sb, tmp_path, _kill_moments(3, seed=20261123))


# The 20-moment matrix over every step of a sync is tests/reliability/test_crash.py.
