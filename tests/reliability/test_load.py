"""Load: fifty tenants in one run against a sandbox with a tight per-tenant rate limit.

Visma limits requests per tenant. A connector that waits out one tenant's 429s while the others
sit idle needs (tenants x the time one tenant's limit imposes); one that lets every tenant wait
on its own clock needs about the time of one tenant. The bound is computed from the limit and
the calls the run really made (counted by the recording sandbox), not guessed.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.reliability.helpers import settings_for
from tests.reliability.recorder import recording_sandbox
from tests.support.runs import keep_dlt_quiet, run
from tests.support.truth import all_pairs, assert_truth
from visma_hrm.sandbox import FaultConfig, SandboxConfig

TENANTS = 50
DATASETS = ("employees", "contracts", "users")
RATE = 1.0
"""Requests per second per tenant (command, query and file calls)."""
BURST = 2


@pytest.mark.slow
def test_fifty_tenants_under_a_tight_rate_limit_finish_in_the_time_of_one(tmp_path: Path) -> None:
    keep_dlt_quiet()
    limit = FaultConfig(tenant_rate=RATE, tenant_burst=BURST)
    config = SandboxConfig(tenants=TENANTS, employees=2, seed=81, unlinked_tenants=0, faults=limit)
    with recording_sandbox(config) as (sb, recording):
        assert len(sb.tenant_ids) == TENANTS
        cfg = settings_for(sb, tmp_path, DATASETS, concurrency=TENANTS * len(DATASETS))
        started = time.monotonic()
        report = run(cfg)
        wall = time.monotonic() - started

        limited = [c for c in recording.calls if c.path.startswith(("/v1/", "/files/"))]
        refused = sum(1 for c in limited if c.status == 429)
        served = len(limited) - refused
        assert refused > TENANTS, "the limit was hardly hit: the test would prove nothing"
        # the user sees none of it: exit 0, every table ok, every row there
        assert report.exit_code == 0, [t.message for t in report.tables if t.status != "ok"]
        assert len(report.tables) == TENANTS * len(DATASETS)
        assert {t.status for t in report.tables} == {"ok"}
        assert_truth(sb, cfg, all_pairs(sb, DATASETS), deleted_may_linger=False)

    # one tenant's calls take at least (calls - burst) / rate seconds under its limit
    per_tenant = (served / TENANTS - BURST) / RATE
    sequential = TENANTS * per_tenant
    print(
        f"{served} calls served, {refused} refused with 429, {wall:.1f}s; one tenant needs "
        f">= {per_tenant:.1f}s, waiting tenant after tenant >= {sequential:.0f}s"
    )
    assert wall >= per_tenant * 0.9, "faster than the limit allows: was it enforced?"
    assert wall < sequential / 5, f"{wall:.0f}s: the tenants waited for each other"
