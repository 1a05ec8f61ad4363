"""Fixtures for the onboarding tests: a clean environment, the CLI, closed ports, secret scans.

Every test runs in its own empty working directory with no ``VISMA_HRM_*`` variables, so a
developer's own configuration can never make a test pass (or fail) by accident.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from visma_hrm.cli import app


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("VISMA_HRM_"):
            monkeypatch.delenv(name)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.chdir(tmp_path)
    yield


@dataclass
class Outcome:
    exit_code: int
    output: str

    @property
    def json(self) -> Any:
        return json.loads(self.output)


def run_cli(
    args: list[str], env: Mapping[str, str] | None = None, stdin: str | None = None
) -> Outcome:
    """Run ``visma-hrm ARGS`` in-process, as typer's test runner does, stdout and stderr merged."""
    result = CliRunner().invoke(app, args, env=dict(env or {}), input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Outcome(result.exit_code, result.output)


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def sandbox_env(sb: Any, tenants: list[str] | None = None, **extra: str) -> dict[str, str]:
    """The environment a user of the sandbox would set (the secret only ever from here)."""
    env = {
        "VISMA_HRM_API_URL": sb.api_url,
        "VISMA_HRM_TOKEN_URL": sb.token_url,
        "VISMA_HRM_CLIENT_ID": sb.client_id,
        "VISMA_HRM_CLIENT_SECRET": sb.client_secret,
        "VISMA_HRM_TENANTS": ",".join(tenants if tenants is not None else sb.tenant_ids),
    }
    env.update(extra)
    return env


def assert_secret_nowhere(
    secret: str, output: str, root: Path, allowed: Path | None = None
) -> None:
    """The secret is in no output and in no file under ``root`` except ``allowed``."""
    assert secret not in output
    for path in root.rglob("*"):
        if path.is_file() and path != allowed:
            assert secret.encode() not in path.read_bytes(), f"secret leaked into {path}"
