"""`visma-hrm datasets`: the catalog, and with credentials what each tenant approved."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.onboarding.conftest import run_cli, sandbox_env
from visma_hrm.catalog import DATASETS
from visma_hrm.sandbox import SandboxConfig, start_sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    """Tenant 0 approves everything; tenant 1 refused contracts (and their histories)."""
    approvals = {1: [n for n, d in DATASETS.items() if d.scope != DATASETS["contracts"].scope]}
    config = SandboxConfig(tenants=2, employees=2, seed=13, approvals=approvals)
    with start_sandbox(config) as sb:
        yield sb


def test_catalog_without_credentials_lists_every_dataset_compactly() -> None:
    narrow = run_cli(["datasets"], {"COLUMNS": "80"})
    assert narrow.exit_code == 0 and "…" not in narrow.output  # folded, never cut off
    outcome = run_cli(["datasets"], {"COLUMNS": "160"})
    for name, dataset in DATASETS.items():
        assert name in outcome.output
        assert f"{len(dataset.columns)} columns" in outcome.output
    assert "No credentials configured" in outcome.output
    assert "homeemailaddress" not in outcome.output


def test_one_dataset_shows_its_columns_with_types() -> None:
    outcome = run_cli(["datasets", "contracts"])
    assert outcome.exit_code == 0, outcome.output
    rows = [" ".join(line.replace("│", " ").split()) for line in outcome.output.splitlines()]
    for row in ("ptfactor decimal", "startdate date", "existencestartutc timestamp"):
        assert row in rows
    assert "organization_units" not in outcome.output
    everything = run_cli(["datasets", "--columns", "--lang", "nl"], {"COLUMNS": "120"})
    rows = [" ".join(line.replace("│", " ").split()) for line in everything.output.splitlines()]
    assert "homeemailaddress text ja" in rows and "userid text" in rows
    assert "Primaire sleutel" in everything.output


def test_json_catalog_has_keys_scopes_and_typed_columns() -> None:
    data = run_cli(["datasets", "--json"]).json
    assert [d["name"] for d in data["datasets"]] == list(DATASETS)
    contracts = next(d for d in data["datasets"] if d["name"] == "contracts")
    assert contracts["primary_key"] == ["tenant_id", "employeeid", "contractid", "subcontractid"]
    assert contracts["scope"] == DATASETS["contracts"].scope
    assert {"name": "ptfactor", "type": "decimal", "personal": False} in contracts["columns"]
    assert data["approvals"] is None


def test_with_credentials_each_tenants_approvals_are_shown(sandbox: Any) -> None:
    env = sandbox_env(sandbox)
    data = run_cli(["datasets", "--json"], env).json
    full, partial = sandbox.tenant_ids
    assert data["approvals"][full] == dict.fromkeys(DATASETS, "approved")
    assert data["approvals"][partial]["contracts"] == "refused"
    assert data["approvals"][partial]["contract_udf_histories"] == "refused"
    assert data["approvals"][partial]["employees"] == "approved"
    human = run_cli(["datasets"], env)
    assert human.exit_code == 0, human.output
    assert "Dataset contracts is not approved for tenant" in human.output
    assert sandbox.client_secret not in human.output


def test_unknown_dataset_is_a_usage_error_listing_the_valid_names() -> None:
    outcome = run_cli(["datasets", "contrcts"])
    assert outcome.exit_code == 2
    assert "Unknown dataset contrcts" in outcome.output and "cost_centers" in outcome.output
