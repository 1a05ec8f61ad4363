"""SQL Server, Azure SQL and Fabric, as far as they can be checked without a server.

What is proven here: the extras name the right dlt extras at the pinned dlt version, the
settings accept the destinations, dlt builds them, and the credentials given the documented way
resolve into the ODBC connection the driver would get. What is NOT proven: a load into a real
SQL Server, Azure SQL database or Fabric warehouse (no server here; see docs/configuration.md).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import dlt
import pytest

from tests.support.tables import make_pipeline
from visma_hrm.config import load_settings

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
URL = "mssql://loader:s3cret@sql.example.com:1433/hr?driver=ODBC+Driver+18+for+SQL+Server"


def test_extras_name_the_dlt_extras_at_the_pinned_version() -> None:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    pinned = next(d for d in project["dependencies"] if d.startswith("dlt["))
    version = pinned.split("==")[1]
    extras = project["optional-dependencies"]
    assert extras["mssql"] == [f"dlt[mssql]=={version}"]
    assert re.fullmatch(rf"dlt\[fabric,az\]=={re.escape(version)}", extras["fabric"][0])


def test_mssql_destination_builds_from_the_documented_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESTINATION__MSSQL__CREDENTIALS", URL)
    settings = load_settings(
        None,
        env={"VISMA_HRM_CLIENT_SECRET": "x", "VISMA_HRM_DESTINATION": "mssql"},
        overrides={
            "client_id": "isv_x",
            "tenants": ("6e983b56-36f5-400d-8292-f9b2a7ffacf4",),
            "pipelines_dir": tmp_path,
        },
    )
    pipeline = make_pipeline(settings)
    assert pipeline.destination.destination_name == "mssql"
    assert pipeline.dataset_name == "visma_hrm"
    destination = dlt.destinations.mssql()
    config = destination.configuration(destination.spec()._bind_dataset_name("visma_hrm"))
    dsn = config.credentials.to_odbc_dsn()
    assert "DRIVER=ODBC Driver 18 for SQL Server" in dsn
    assert "SERVER=sql.example.com,1433" in dsn and "DATABASE=hr" in dsn


def test_fabric_destination_builds_with_a_service_principal() -> None:
    fabric = dlt.destinations.fabric(
        credentials={
            "host": "abc.datawarehouse.fabric.microsoft.com",
            "database": "hr",
            "azure_tenant_id": "tenant",
            "azure_client_id": "client",
            "azure_client_secret": "secret",
        }
    )
    assert fabric.destination_name == "fabric"
    from dlt.destinations.impl.fabric.configuration import FabricCredentials

    credentials = FabricCredentials()
    credentials.host, credentials.database = "abc.datawarehouse.fabric.microsoft.com", "hr"
    credentials.azure_tenant_id, credentials.azure_client_id = "tenant", "client"
    credentials.azure_client_secret = "secret"
    dsn = credentials.to_odbc_dsn()
    assert "AUTHENTICATION=ActiveDirectoryServicePrincipal" in dsn and "UID=client@tenant" in dsn
