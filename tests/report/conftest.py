"""One sandbox, synced twice (a full load, then 45 days later again in full, so that rows
deleted meanwhile are marked), for the report
tests: its truth is kept to compute every figure independently."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.report.checks import DATASETS, Synced
from tests.support.runs import run_sync
from tests.support.settings import clock_date, loaded_sandbox_settings
from visma_hrm.sandbox import SandboxConfig, start_sandbox


@pytest.fixture(scope="session")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    tmp = tmp_path_factory.mktemp("report")
    with start_sandbox(SandboxConfig(tenants=2, employees=120, seed=15)) as sb:
        settings = loaded_sandbox_settings(sb, tmp)
        run_sync(settings)
        sb.advance(days=45)
        run_sync(settings, full_refresh=True)  # deletions marked: the tables equal the truth
        truth = {t: {d: list(sb.truth(t, d)) for d in DATASETS} for t in sb.tenant_ids}
        yield Synced(settings.duckdb_path, clock_date(sb), list(sb.tenant_ids), truth)
