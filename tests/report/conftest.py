"""One sandbox, synced twice (a full load, then 45 days later again in full, so that rows
deleted meanwhile are marked), for the report
tests: its truth is kept to compute every figure independently. A copy of it with hostile
unit and company names checks that no text from the data can break the page."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.report.checks import DATASETS, Synced
from tests.support.runs import run_sync
from tests.support.settings import clock_date, loaded_sandbox_settings
from visma_hrm.report import collect
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


HOSTILE_UNITS = (
    "<!--<script> Zorg",
    "</script><script>document.documentElement.setAttribute('data-errors', 'pwned')</script>",
    "Zorg\u2028Noord\u2029Zuid & <b>Oost</b>",
)
"""Unit names that end or bend a ``<script>`` element, or an older JavaScript string, when
written into one as they are."""
HOSTILE_COMPANY = "Bakker & Zn </script><!-- B.V."


@pytest.fixture(scope="session")
def hostile(synced: Synced, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the synced warehouse whose first report units carry ``HOSTILE_UNITS`` as
    names, and whose first tenant's main company is called ``HOSTILE_COMPANY``."""
    path = tmp_path_factory.mktemp("hostile") / synced.path.name
    shutil.copy(synced.path, path)
    data = collect(path, as_of=synced.as_of)
    tenant = data.tenants[0]
    with duckdb.connect(str(path)) as db:
        for unit, name in zip(data.units, HOSTILE_UNITS, strict=False):
            db.execute(
                "UPDATE visma_hrm.organization_units SET orgname = ? "
                "WHERE tenant_id = ? AND orgunitid = ?",
                [name, unit.tenant_id, unit.orgunitid],
            )
        db.execute(
            "UPDATE visma_hrm.employees SET companyname = ? "
            "WHERE tenant_id = ? AND companyname = ?",
            [HOSTILE_COMPANY, tenant, data.companies[tenant][0]],
        )
    return path
