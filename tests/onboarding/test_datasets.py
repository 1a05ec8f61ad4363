"""`visma-hrm datasets`: the catalog, and with credentials what each tenant approved."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.cli import run_cli, sandbox_env
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
    assert "homeemailaddress text ja, privécontact" in rows and "userid text" in rows
    assert "Primaire sleutel" in everything.output


def test_json_catalog_has_keys_scopes_and_typed_columns() -> None:
    data = run_cli(["datasets", "--json"]).json
    assert [d["name"] for d in data["datasets"]] == list(DATASETS)
    contracts = next(d for d in data["datasets"] if d["name"] == "contracts")
    assert contracts["primary_key"] == ["tenant_id", "employeeid", "contractid", "subcontractid"]
    assert contracts["scope"] == DATASETS["contracts"].scope
    ptfactor = {"name": "ptfactor", "type": "decimal", "personal": False, "contact": False}
    assert ptfactor in contracts["columns"]
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


PRODUCTION_EXCLUDES = (  # noqa: SIM905 (the list as the client sends it)
    "rosterid,ptfactor,scaletype_en,scaletype,scale,step,stepname,garscaletype,garstep,"
    "garstepname,catsscale,catsscalename,catsscaleid,catsrspfactor,salaryhour,garsalaryhour,"
    "salaryhourort,salaryhourtravel,salaryhourextra,salarytype,distance,maxdistance,dayspw,"
    "tariffid,tariffname_en,tariffname,publictransportregid,publictransportregname_en,"
    "publictransportregname,publictransportunits,salaryfulltime"
).split(",")
"""Contract columns a public client excludes by name in production: real column names."""


def test_the_catalog_knows_every_column_of_the_production_exclude_list() -> None:
    data = run_cli(["datasets", "contracts", "--json"]).json
    types = {c["name"]: c["type"] for c in data["datasets"][0]["columns"]}
    assert set(PRODUCTION_EXCLUDES) <= set(types)
    amounts = ("garsalaryhour", "catsrspfactor", "publictransportunits", "salaryfulltime")
    assert {types[name] for name in amounts} == {"decimal"}
    codes = ("garscaletype", "garstep", "catsscaleid", "publictransportregid", "scaletype_en")
    assert {types[name] for name in codes} == {"text"}


def test_personal_data_labels_follow_the_gdpr() -> None:
    data = run_cli(["datasets", "employees", "--json"]).json
    columns = {c["name"]: c for c in data["datasets"][0]["columns"]}
    personal = (
        "firstname",
        "initials",
        "birthname",
        "formattedname",
        "dateofbirth",
        "gender",
        "nationality",
        "maritalstatus",
        "partnername",
        "businessemailaddress",
    )
    for name in personal:
        assert columns[name]["personal"] is True, name
        assert columns[name]["contact"] is False, name  # kept by the contact profile
    assert columns["homeemailaddress"]["personal"] and columns["homeemailaddress"]["contact"]
    assert not columns["employeeid"]["personal"] and not columns["companyname"]["personal"]
    human = run_cli(["datasets", "employees"], {"COLUMNS": "100"})
    rows = [" ".join(line.split()) for line in human.output.splitlines()]
    assert "gender text yes" in rows and "homecity text yes, private contact" in rows


def test_an_unknown_dataset_suggests_the_close_name() -> None:
    outcome = run_cli(["datasets", "contract"])
    assert outcome.exit_code == 2
    assert outcome.output.startswith("error (configuration): Unknown dataset contract")
    assert "Did you mean contracts?" in outcome.output
