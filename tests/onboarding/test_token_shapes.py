"""Token failures in every shape the sandbox can answer them: `check`, `init` and `sync` agree.

Visma Connect's error bodies are not documented. Each test runs the CLI against the sandbox
with ``token_errors=<shape>`` and asserts the diagnosis: the real cause wherever the code or
the description's words name it, and otherwise a plain "cannot tell" with the server's own
words and the likely causes in the manual's terms (never just "failed unexpectedly").
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import CLI, assert_secret_nowhere, run_cli, sandbox_env
from visma_hrm.sandbox import TOKEN_ERROR_SHAPES, SandboxConfig, start_sandbox

EXPECTED = {
    "unknown_client": "invalid_client",
    "wrong_secret": "invalid_client",
    "unlinked_tenant": "tenant_not_linked",
    "scope": "dataset_refused",
}
"""What each failure must be diagnosed as, whenever the answer names its cause."""


@pytest.fixture(scope="module", params=list(TOKEN_ERROR_SHAPES))
def shaped(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Tenant 0 approves everything, tenant 1 only the employees' datasets."""
    config = SandboxConfig(
        tenants=2,
        employees=2,
        seed=21,
        token_errors=request.param,
        approvals={1: ["employees", "employee_udf_histories"]},
    )
    with start_sandbox(config) as sb:
        yield request.param, sb


def _codes(report: dict[str, Any], tenant: int) -> set[str]:
    return {p["code"] for p in report["tenants"][tenant]["problems"]}


def _expected(shape: str, failure: str) -> str:
    return "token_refused" if shape == "opaque" else EXPECTED[failure]


@pytest.mark.slow
@pytest.mark.parametrize("failure", list(EXPECTED))
def test_check_diagnoses_every_failure_in_every_shape(
    shaped: tuple[str, Any], failure: str, tmp_path: Path
) -> None:
    shape, sb = shaped
    env = sandbox_env(sb, [sb.tenant_ids[0]])
    tenant = 0
    if failure == "unknown_client":
        env["VISMA_HRM_CLIENT_ID"] = "isv_nobody"
    elif failure == "wrong_secret":
        env["VISMA_HRM_CLIENT_SECRET"] = "not-the-secret-4711"
    elif failure == "unlinked_tenant":
        env["VISMA_HRM_TENANTS"] = sb.unlinked_tenant_ids[0]
    else:
        env.update(VISMA_HRM_TENANTS=sb.tenant_ids[1], VISMA_HRM_DATASETS="contracts")
    outcome = run_cli(["check", "--json"], env)
    assert outcome.exit_code == 1, outcome.output
    expected = _expected(shape, failure)
    assert expected in _codes(outcome.json, tenant), (shape, failure, outcome.output)
    human = run_cli(["check"], env)
    assert "unexpectedly" not in human.output
    if expected == "token_refused":
        text = " ".join(human.output.split())
        assert "without a cause visma-hrm recognises" in text
        assert "HTTP 400" in text and 'access_denied: "The request was denied."' in text
        for cause in ("Credentials tab", "invitation code", "My Apps", "Integrations tab"):
            assert cause in text
    if failure == "wrong_secret":  # -v adds the technical cause under the sentence
        verbose = run_cli(["check", "-v"], env)
        assert len(verbose.output.splitlines()) > len(human.output.splitlines())
        assert "not-the-secret-4711" not in verbose.output
    assert_secret_nowhere(sb.client_secret, human.output + outcome.output, tmp_path)


def test_init_names_the_cause_in_every_shape(shaped: tuple[str, Any], tmp_path: Path) -> None:
    shape, sb = shaped
    env = sandbox_env(sb, [sb.tenant_ids[0]], VISMA_HRM_CLIENT_SECRET="not-the-secret-4711")
    args = ["init", "--non-interactive", "--client-id", sb.client_id, "--tenant", sb.tenant_ids[0]]
    outcome = run_cli([*args, "--api-url", sb.api_url, "--token-url", sb.token_url], env)
    assert outcome.exit_code == 1
    text = " ".join(outcome.output.split())
    if shape == "opaque":
        assert "without a cause visma-hrm recognises" in text and "Credentials tab" in text
    else:
        assert "refused client id isv_sandbox or its secret" in text
    assert not (tmp_path / "visma-hrm.toml").exists()


@pytest.mark.slow
def test_sync_reports_a_wrong_secret_once_per_tenant_in_every_shape(
    shaped: tuple[str, Any], tmp_path: Path
) -> None:
    shape, sb = shaped
    env = {k: v for k, v in os.environ.items() if not k.startswith("VISMA_HRM_")}
    env.update(sandbox_env(sb, VISMA_HRM_CLIENT_SECRET="not-the-secret-4711"))
    env.update(
        RUNTIME__DLTHUB_TELEMETRY="false",
        VISMA_HRM_DUCKDB_PATH=str(tmp_path / "out.duckdb"),
        VISMA_HRM_PIPELINES_DIR=str(tmp_path / "pipelines"),
    )
    done = subprocess.run(
        [CLI, "sync"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 1
    output = done.stdout + done.stderr
    lines = [line for line in output.splitlines() if line.startswith("error (")]
    assert len(lines) == len(sb.tenant_ids), output  # once per tenant, not once per dataset
    for tenant, line in zip(sb.tenant_ids, lines, strict=True):
        assert tenant in line
        if shape == "opaque":
            assert line.startswith("error (token_refused): ") and "access_denied" in line
        else:
            assert line.startswith("error (invalid_client): ") and "Credentials tab" in line
    assert "not-the-secret-4711" not in output
