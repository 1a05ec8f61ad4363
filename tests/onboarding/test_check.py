"""`visma-hrm check` against the sandbox over real HTTP: one test per failure it can play.

Each test asserts the exact diagnosis (code, who acts, key words of the sentence), the exit
code, and that the secret appears nowhere in what was printed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import (
    assert_secret_nowhere,
    closed_port,
    run_cli,
    sandbox_env,
)
from visma_hrm.catalog import DATASETS
from visma_hrm.sandbox import FaultConfig, SandboxConfig, start_sandbox

SCOPES = sorted({d.scope for d in DATASETS.values()})
"""Visma approves scopes, and datasets sharing a scope come and go together."""


def _refusing(scope: str) -> list[str]:
    return [name for name, d in DATASETS.items() if d.scope != scope]


def _problems(report: dict[str, Any], tenant: int = 0) -> list[dict[str, Any]]:
    return report["tenants"][tenant]["problems"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    """Two linked tenants approving everything, plus the sandbox's unlinked tenant."""
    with start_sandbox(SandboxConfig(tenants=2, employees=3, seed=5)) as sb:
        yield sb


def test_everything_configured_works_exits_zero(sandbox: Any) -> None:
    human = run_cli(["check"], sandbox_env(sandbox))
    assert human.exit_code == 0, human.output
    assert "Everything configured is reachable." in human.output
    report = run_cli(["check", "--json"], sandbox_env(sandbox)).json
    assert report["ok"] is True and report["exit_code"] == 0
    assert report["endpoints"] == {"token": "ok", "api": "ok"}
    assert [t["tenant_id"] for t in report["tenants"]] == sandbox.tenant_ids
    for tenant in report["tenants"]:
        assert tenant["token_ok"] is True and tenant["problems"] == []
        assert tenant["datasets"] == dict.fromkeys(DATASETS, "approved")
    assert sandbox.client_secret not in human.output
    assert "eyJ" not in human.output + json.dumps(report)  # no token (JWT) either


@pytest.mark.parametrize(
    "case", ["wrong secret", "unknown client id"], ids=["wrong_secret", "unknown_client"]
)
def test_refused_credentials_point_to_details_and_credentials_tabs(
    sandbox: Any, case: str, tmp_path: Path
) -> None:
    env = sandbox_env(sandbox)
    if case == "wrong secret":
        env["VISMA_HRM_CLIENT_SECRET"] = "not-the-secret-4711"
    else:
        env["VISMA_HRM_CLIENT_ID"] = "isv_nobody"
    human = run_cli(["check"], env)
    report = run_cli(["check", "--json"], env).json
    assert human.exit_code == 1 and report["exit_code"] == 1
    for index, tenant in enumerate(report["tenants"]):
        assert tenant["token_ok"] is False
        assert tenant["datasets"] == dict.fromkeys(DATASETS, "unknown")
        (problem,) = _problems(report, index)
        assert (problem["code"], problem["actor"], problem["blocking"]) == (
            "invalid_client",
            "third_party",
            True,
        )
        for words in ("Details tab", "Credentials tab", "unknown client id", "wrong secret"):
            assert words in problem["message"]
    assert "[third party] Visma Connect refused client id" in human.output
    assert human.output.count("invalid_client for both") == 1  # one footnote for both tenants
    assert_secret_nowhere(env["VISMA_HRM_CLIENT_SECRET"], human.output, tmp_path)
    assert_secret_nowhere(sandbox.client_secret, human.output, tmp_path)


def test_unlinked_tenant_is_the_customers_invitation_step(sandbox: Any) -> None:
    linked = sandbox.tenant_ids[0]
    unlinked = sandbox.unlinked_tenant_ids[0]
    env = sandbox_env(sandbox, [linked, unlinked])
    human = run_cli(["check"], env)
    report = run_cli(["check", "--json"], env).json
    assert human.exit_code == 1 and report["exit_code"] == 1
    good, bad = report["tenants"]
    assert good["ok"] is True and good["token_ok"] is True
    assert bad["token_ok"] is False
    (problem,) = bad["problems"]
    assert (problem["code"], problem["actor"], problem["tenant_id"]) == (
        "tenant_not_linked",
        "customer",
        unlinked,
    )
    for words in ("invitation code", "My Apps", "another database", "mistyped"):
        assert words in problem["message"]
    assert "Integrations > Customers" in problem["message"]
    assert f"[customer] Tenant {unlinked} is not linked" in human.output


def test_dutch_diagnosis_speaks_the_manuals_dutch(sandbox: Any) -> None:
    env = sandbox_env(sandbox, [sandbox.unlinked_tenant_ids[0]])
    human = run_cli(["check", "--lang", "nl"], env)
    assert human.exit_code == 1
    assert "[klant] Tenant" in human.output
    assert "invitatiecode nog niet ingevoerd en geaccepteerd" in human.output
    assert "Problemen" in human.output and "nee" in human.output
    via_env = run_cli(["check", "--json"], {**env, "VISMA_HRM_LANG": "nl"}).json
    assert via_env["lang"] == "nl"
    assert "My Apps" in via_env["tenants"][0]["problems"][0]["message"]


@pytest.fixture(scope="module", params=["reject", "narrow"])
def refusing_sandbox(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Tenant i refuses scope i; the last tenant approved nothing at all."""
    approvals: dict[int | str, list[str]] = {i: _refusing(s) for i, s in enumerate(SCOPES)}
    approvals[len(SCOPES)] = []
    config = SandboxConfig(
        tenants=len(SCOPES) + 1,
        employees=2,
        seed=9,
        scope_mode=request.param,
        approvals=approvals,
    )
    with start_sandbox(config) as sb:
        yield sb


def test_each_refused_dataset_is_named_in_both_scope_modes(refusing_sandbox: Any) -> None:
    sb = refusing_sandbox
    outcome = run_cli(["check", "--json"], sandbox_env(sb, sb.tenant_ids[: len(SCOPES)]))
    report = outcome.json
    # Nothing was asked for explicitly: every tenant still has datasets, so the check passes
    # and the refusals are reported as information.
    assert outcome.exit_code == 0, outcome.output
    for index, scope in enumerate(SCOPES):
        tenant = report["tenants"][index]
        refused = sorted(n for n, d in DATASETS.items() if d.scope == scope)
        assert tenant["token_ok"] is True
        assert sorted(n for n, s in tenant["datasets"].items() if s == "refused") == refused
        assert sorted(p["dataset"] for p in tenant["problems"]) == refused
        for problem in tenant["problems"]:
            assert (problem["code"], problem["actor"], problem["blocking"]) == (
                "dataset_refused",
                "customer",
                False,
            )
            for words in ("rejected it (grey)", "My Apps", "Integrations tab", "(green)"):
                assert words in problem["message"]


def test_a_refused_dataset_that_was_asked_for_fails_the_check(refusing_sandbox: Any) -> None:
    sb = refusing_sandbox
    tenant = sb.tenant_ids[SCOPES.index(DATASETS["contracts"].scope)]
    env = sandbox_env(sb, [tenant], VISMA_HRM_DATASETS="contracts,users")
    human = run_cli(["check"], env)
    report = run_cli(["check", "--json"], env).json
    assert human.exit_code == 1 and report["exit_code"] == 1
    assert report["datasets_asked"] == ["contracts", "users"]
    assert report["tenants"][0]["datasets"] == {"contracts": "refused", "users": "approved"}
    (problem,) = report["tenants"][0]["problems"]
    assert (problem["code"], problem["actor"], problem["blocking"], problem["dataset"]) == (
        "dataset_refused",
        "customer",
        True,
        "contracts",
    )
    assert f"Dataset contracts is not approved for tenant {tenant}" in human.output
    dutch = run_cli(["check", "--lang", "nl"], env)
    assert "afgewezen (grijs)" in dutch.output and "tabblad Integrations" in dutch.output


def test_a_tenant_that_approved_nothing_fails_the_check(refusing_sandbox: Any) -> None:
    sb = refusing_sandbox
    outcome = run_cli(["check", "--json"], sandbox_env(sb, [sb.tenant_ids[-1]]))
    assert outcome.exit_code == 1
    tenant = outcome.json["tenants"][0]
    assert tenant["token_ok"] is True
    assert set(tenant["datasets"].values()) == {"refused"}
    (problem,) = tenant["problems"]
    assert (problem["code"], problem["actor"]) == ("no_dataset_approved", "customer")
    assert "Integrations tab" in problem["message"] and "Integrate" in problem["message"]


def test_closed_token_port_is_a_network_or_url_problem(sandbox: Any, tmp_path: Path) -> None:
    token_url = f"http://127.0.0.1:{closed_port()}/connect/token"
    env = sandbox_env(sandbox, VISMA_HRM_TOKEN_URL=token_url)
    human = run_cli(["check"], env)
    report = run_cli(["check", "--json"], env).json
    assert human.exit_code == 1 and report["exit_code"] == 1
    assert report["endpoints"] == {"token": "unreachable", "api": "ok"}
    for tenant in report["tenants"]:
        assert tenant["token_ok"] is False
        (problem,) = tenant["problems"]
        assert (problem["code"], problem["actor"]) == ("token_endpoint_unreachable", "third_party")
        assert token_url in problem["message"]
        for words in ("network", "proxy", "token URL"):
            assert words in problem["message"]
    assert_secret_nowhere(sandbox.client_secret, human.output, tmp_path)


def test_closed_api_port_is_reported_even_with_good_tokens(sandbox: Any) -> None:
    api_url = f"http://127.0.0.1:{closed_port()}"
    env = sandbox_env(sandbox, VISMA_HRM_API_URL=api_url)
    outcome = run_cli(["check", "--json", "--lang", "nl"], env)
    assert outcome.exit_code == 1
    report = outcome.json
    assert report["endpoints"] == {"token": "ok", "api": "unreachable"}
    for tenant in report["tenants"]:
        assert tenant["token_ok"] is True
        (problem,) = tenant["problems"]
        assert (problem["code"], problem["actor"]) == ("api_unreachable", "third_party")
        assert api_url in problem["message"] and "niet bereikbaar" in problem["message"]


@pytest.mark.slow
def test_token_endpoint_outage_is_vismas_and_says_try_later(tmp_path: Path) -> None:
    config = SandboxConfig(tenants=1, employees=2, seed=3, faults=FaultConfig(token_outage=True))
    with start_sandbox(config) as sb:
        human = run_cli(["check"], sandbox_env(sb))
        report = run_cli(["check", "--json"], sandbox_env(sb)).json
    assert human.exit_code == 1 and report["exit_code"] == 1
    assert report["endpoints"]["token"] == "outage"
    (tenant,) = report["tenants"]
    assert tenant["token_ok"] is False
    (problem,) = tenant["problems"]
    assert (problem["code"], problem["actor"]) == ("token_endpoint_outage", "visma")
    assert "HTTP 503" in problem["message"] and "try again later" in problem["message"]
    assert "[Visma]" in human.output
    assert_secret_nowhere(sb.client_secret, human.output, tmp_path)


def test_a_url_that_is_no_token_endpoint_is_named(sandbox: Any) -> None:
    token_url = f"{sandbox.base_url}/connect/tokens"  # a typo: the server answers 404
    outcome = run_cli(["check", "--json"], sandbox_env(sandbox, VISMA_HRM_TOKEN_URL=token_url))
    assert outcome.exit_code == 1
    assert outcome.json["endpoints"]["token"] == "not_a_token_endpoint"
    for tenant in outcome.json["tenants"]:
        (problem,) = tenant["problems"]
        assert (problem["code"], problem["actor"]) == ("token_endpoint_wrong", "third_party")
        assert f"{token_url} answered HTTP 404" in problem["message"]


@pytest.mark.slow
def test_a_short_token_outage_is_ridden_out() -> None:
    faults = FaultConfig(token_outage_first=2)
    with start_sandbox(SandboxConfig(tenants=1, employees=2, seed=3, faults=faults)) as sb:
        outcome = run_cli(["check", "--json"], sandbox_env(sb))
    assert outcome.exit_code == 0, outcome.output
    assert outcome.json["endpoints"]["token"] == "ok"


def test_missing_configuration_says_where_each_value_comes_from() -> None:
    outcome = run_cli(["check", "--json"])
    assert outcome.exit_code == 1
    codes = [(p["code"], p["actor"]) for p in outcome.json["problems"]]
    assert codes == [
        ("missing_client_id", "third_party"),
        ("missing_secret", "third_party"),
        ("no_tenants", "third_party"),
    ]
    messages = " ".join(p["message"] for p in outcome.json["problems"])
    assert "Details tab" in messages and "Credentials tab" in messages
    assert "Integrations > Customers" in messages


def test_flags_override_the_environment(sandbox: Any) -> None:
    env = sandbox_env(sandbox, VISMA_HRM_CLIENT_ID="isv_wrong", VISMA_HRM_TENANTS="x")
    tenant = sandbox.tenant_ids[1]
    args = ["check", "--json", "--client-id", sandbox.client_id]
    outcome = run_cli([*args, "--tenant", tenant, "--tenant", tenant], env)
    assert outcome.exit_code == 0, outcome.output
    assert [t["tenant_id"] for t in outcome.json["tenants"]] == [tenant]


def test_a_config_file_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    outcome = run_cli(["check", "--config", str(tmp_path / "nope.toml"), "--lang", "nl"])
    assert outcome.exit_code == 2
    assert outcome.output.startswith("fout (configuration): ") and "nope.toml" in outcome.output


def test_unknown_language_is_a_usage_error(sandbox: Any) -> None:
    outcome = run_cli(["check", "--lang", "fr"], sandbox_env(sandbox))
    assert outcome.exit_code == 2
    assert "Unknown language fr" in outcome.output
