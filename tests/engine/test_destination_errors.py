"""Destination failures are classified once, at the warehouse boundary, by type and state.

A refused password and a database that does not exist are permanent: an orchestrator must not
retry them for ten minutes per tenant. A server that does not answer is temporary. A missing
driver package is a configuration error naming what to install. None of it is recognised by
the text of an exception.
"""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres_server import find_bindir, running_postgres
from tests.support.settings import sandbox_settings
from visma_hrm.errors import ConfigurationError, DestinationError, DestinationUnavailableError
from visma_hrm.orchestrate.run import is_temporary
from visma_hrm.redact import Secret
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox
from visma_hrm.sync import SyncSettings, sync

PASSWORD = "the-right-one"


@pytest.fixture(scope="module")
def guarded() -> Iterator[tuple[str, int]]:
    """A PostgreSQL server that wants a password over TCP."""
    if find_bindir() is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    with running_postgres(password=PASSWORD) as server:
        yield server.host, server.port


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with start_sandbox(SandboxConfig(tenants=1, employees=3, seed=5)) as sandbox:
        yield sandbox


def _sync_into(sb: Sandbox, tmp_path: Path, dsn: str) -> None:
    settings = sandbox_settings(sb, tmp_path, destination="postgres", datasets=("users",))
    sync(SyncSettings(dataclasses.replace(settings, destination_credentials=Secret(dsn))))


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("password", "database"),
    [("wrong", "postgres"), (PASSWORD, "nowhere")],
    ids=["password", "database"],
)
def test_a_refused_password_or_a_missing_database_is_permanent(
    sb: Sandbox, tmp_path: Path, guarded: tuple[str, int], password: str, database: str
) -> None:
    host, port = guarded
    with pytest.raises(DestinationError) as caught:
        _sync_into(sb, tmp_path, f"postgresql://postgres:{password}@{host}:{port}/{database}")
    assert not isinstance(caught.value, DestinationUnavailableError)
    assert not caught.value.retryable and not is_temporary(caught.value)
    assert "refused the connection" in caught.value.message
    assert "wrong" not in caught.value.message  # the password never shows


def test_a_server_that_does_not_answer_is_temporary(sb: Sandbox, tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DestinationUnavailableError) as caught:
        _sync_into(sb, tmp_path, f"postgresql://postgres:x@127.0.0.1:{port}/postgres")
    assert caught.value.retryable and is_temporary(caught.value)


BLOCK_PSYCOPG2 = """
import sys
class _Blocked:
    def find_spec(self, name, path=None, target=None):
        if name == "psycopg2" or name.startswith("psycopg2."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, _Blocked())
"""


def test_a_missing_driver_package_is_a_configuration_error(sb: Sandbox, tmp_path: Path) -> None:
    """The postgres extra not installed: exit 2, what to install, before anything is asked."""
    (tmp_path / "sitecustomize.py").write_text(BLOCK_PSYCOPG2, encoding="utf-8")
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(tmp_path),
        "RUNTIME__DLTHUB_TELEMETRY": "false",
        "VISMA_HRM_CLIENT_SECRET": sb.client_secret,
        "DESTINATION__POSTGRES__CREDENTIALS": "postgresql://u:p@127.0.0.1:1/db",
    }
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "visma-hrm"),
            "sync",
            "--destination=postgres",
            f"--api-url={sb.api_url}",
            f"--token-url={sb.token_url}",
            f"--client-id={sb.client_id}",
            f"--tenant={sb.tenant_ids[0]}",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "error (configuration)" in done.stderr and "pip install" in done.stderr
    assert "Traceback" not in done.stderr
    assert ConfigurationError.code == "configuration"


def test_duckdb_out_of_its_memory_limit_is_permanent_and_names_the_setting(
    tmp_path: Path,
) -> None:
    """The same run needs the same memory again: retrying it would fail alike, so the error
    says which setting to raise instead of asking to try again later."""
    with start_sandbox(SandboxConfig(tenants=1, employees=2_000, seed=5)) as big:
        settings = sandbox_settings(big, tmp_path, duckdb_memory_limit="2MB")
        report = sync(SyncSettings(settings))
    assert not report.ok
    failed = [t for t in report.tables if t.status == "failed"]
    assert failed, "a 2 MB memory limit loaded 2,000 employees"
    for table in failed:
        assert table.error_code == "destination", table
        assert "duckdb_memory_limit" in (table.message or ""), table.message
