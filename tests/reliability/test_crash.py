"""Crash safety: ``visma-hrm sync`` killed with SIGKILL at 20 seeded moments, then run again.

Builds on the SIGKILL helpers of ``tests/pipeline/test_cli.py`` (start the CLI, kill it a
given time after a progress line). What this adds: the moments are spread over the four steps
of a run (download, dlt extract, normalize, load) using the durations of an uninterrupted run
on this machine, and the pipeline folder is read after each kill to see where it landed (a
package waiting to be normalized or loaded, or none). Every re-run (in this process, to save
a second start-up) starts from what the destination holds, must end equal to the sandbox's
truth with no duplicate key (``differences`` refuses duplicates), and must remove the killed
run's working folder.
"""

from __future__ import annotations

import random
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.helpers import settings_for
from tests.support.cli import CLI, cli_env, run_and_kill
from tests.support.runs import keep_dlt_quiet, run
from tests.support.truth import all_pairs, assert_truth
from visma_hrm.config import Settings
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox

DATASETS = ("contracts", "users")
PHASES = {
    "download": "downloading",
    "extract": "(dlt extract)",
    "normalize": "(dlt normalize)",
    "load": "(dlt load)",
}
MOMENTS = 20


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with start_sandbox(SandboxConfig(tenants=2, employees=15, seed=71, rows_per_file=30)) as s:
        yield s


def _settings(sb: Sandbox, tmp_path: Path) -> Settings:
    return settings_for(
        sb,
        tmp_path,
        DATASETS,
        duckdb_path=tmp_path / "visma_hrm.duckdb",
        pipelines_dir=tmp_path / "pipelines",
        pipeline_name="visma_hrm",
    )


def _phase_durations(env: dict[str, str], cwd: Path) -> dict[str, float]:
    """Run one sync to the end and time each step from its progress line to the next."""
    out, err = subprocess.DEVNULL, subprocess.PIPE
    args = [CLI, "sync", "-v"]  # the verbose log: a line for every step, downloads included
    proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=err, text=True)
    seen: dict[str, float] = {}

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            for phase, anchor in PHASES.items():
                if anchor in line and phase not in seen:
                    seen[phase] = time.monotonic()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert proc.wait(timeout=120) == 0
    end = time.monotonic()
    reader.join(timeout=10)
    order = list(PHASES)
    assert set(seen) == set(order), f"progress lines missing: {set(order) - set(seen)}"
    bounds = [seen[p] for p in order] + [end]
    return {p: bounds[i + 1] - bounds[i] for i, p in enumerate(order)}


def _run_folders(pipelines: Path) -> list[Path]:
    """Working folders of runs (a finished run removes its own)."""
    return [p for p in pipelines.glob("visma_hrm-*/run-*") if p.is_dir()]


def _pending(pipelines: Path) -> str:
    """Where a killed run left its work: a package to normalize, to load, or nothing."""
    runs = [p / "visma_hrm" for p in _run_folders(pipelines)]
    assert len(runs) <= 1, runs
    if any(any((work / "load" / "normalized").glob("*")) for work in runs):
        return "package to load"
    if any(any((work / "normalize" / "extracted").glob("*")) for work in runs):
        return "package to normalize"
    return "nothing"


@pytest.mark.slow
def test_a_sync_killed_at_20_moments_over_every_step_ends_equal_to_the_truth(
    sb: Sandbox, tmp_path: Path
) -> None:
    keep_dlt_quiet()
    env = cli_env(sb, tmp_path, VISMA_HRM_DATASETS=",".join(DATASETS), VISMA_HRM_CONCURRENCY="2")
    settings = _settings(sb, tmp_path)
    durations = _phase_durations(env, tmp_path)
    assert_truth(sb, settings, all_pairs(sb, DATASETS), deleted_may_linger=False)
    rng = random.Random(20261123)
    landed: Counter[str] = Counter()
    removed = 0
    for n in range(MOMENTS):
        phase = list(PHASES)[n % len(PHASES)]
        delay = round(rng.uniform(0, durations[phase]), 3)
        sb.advance(days=30)  # every moment interrupts an incremental run with new data
        killed = run_and_kill(env, tmp_path, PHASES[phase], delay)
        left = _pending(tmp_path / "pipelines") if killed else "finished"
        landed[left] += 1
        folders = len(_run_folders(tmp_path / "pipelines"))
        # the re-run in this process: same folder and database, without a second start-up
        report = run(settings)
        assert report.exit_code == 0, f"after a kill in {phase}+{delay}s: {report.to_dict()}"
        removed += report.interrupted_runs_removed
        assert report.interrupted_runs_removed == folders <= int(killed), (phase, left)
        assert_truth(sb, settings, all_pairs(sb, DATASETS))
        assert not _run_folders(tmp_path / "pipelines")
    # the kills really hit every kind of moment, not only the harmless ones
    assert landed["nothing"] >= 3, landed
    assert landed["package to normalize"] + landed["package to load"] >= 3, landed
    assert removed >= 6, landed
    print(f"phase durations {durations}; kills left {dict(landed)}")
