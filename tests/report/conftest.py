"""One sandbox, synced twice (a full load, then 45 days later again in full, so that rows
deleted meanwhile are marked), for the report
tests: its truth is kept to compute every figure independently."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.analytics import helpers as h
from visma_hrm.sandbox import SandboxConfig, start_sandbox

DATASETS = ("employees", "contracts", "organization_units")


@dataclass
class Synced:
    path: Path
    as_of: dt.date
    tenants: list[str]
    truth: dict[str, dict[str, list[dict[str, Any]]]]


@pytest.fixture(scope="session")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    tmp = tmp_path_factory.mktemp("report")
    with start_sandbox(SandboxConfig(tenants=2, employees=120, seed=15)) as sb:
        settings = h.settings_for(sb, tmp)
        h.run_sync(settings)
        sb.advance(days=45)
        h.run_sync(settings, full_refresh=True)  # deletions marked: the tables equal the truth
        truth = {t: {d: list(sb.truth(t, d)) for d in DATASETS} for t in sb.tenant_ids}
        yield Synced(settings.duckdb_path, h.clock_date(sb), list(sb.tenant_ids), truth)
