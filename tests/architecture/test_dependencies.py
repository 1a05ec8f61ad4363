"""The dependencies pyproject.toml bounds work together: what dlt 1.31 relies on, and the
orchestrator extras bring what their docs promise.

dlt's datasets (``pipeline.dataset()``, what a user of ``visma_hrm_source`` reads tables with)
broke in a fresh install: DuckDB 2 dropped a method dlt calls, sqlglot 30.22 an argument it
passes. The bounds in pyproject.toml keep both where this test passes; the installed versions
must lie inside them, so the test runs against what the bounds allow.
"""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path

import dlt
import pytest
from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _project() -> dict[str, object]:
    project: dict[str, object] = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return project


def _requirement(name: str, listed: object) -> Requirement:
    assert isinstance(listed, list)
    found = [Requirement(r) for r in listed if Requirement(r).name == name]
    assert found, f"{name} is not bounded in pyproject.toml"
    return found[0]


@pytest.mark.parametrize("name", ["duckdb", "sqlglot"])
def test_what_dlt_relies_on_is_bounded_and_the_installed_version_within(name: str) -> None:
    requirement = _requirement(name, _project()["dependencies"])
    assert any(spec.operator == "<" for spec in requirement.specifier), requirement
    assert requirement.specifier.contains(version(name)), (requirement, version(name))


def test_a_loaded_pipeline_reads_its_tables_through_dlts_dataset(tmp_path: Path) -> None:
    pipeline = dlt.pipeline(
        pipeline_name="dataset_check",
        destination=dlt.destinations.duckdb(str(tmp_path / "check.duckdb")),
        dataset_name="visma_hrm",
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    rows = [{"employeeid": "100", "ptfactor": 0.8}, {"employeeid": "101", "ptfactor": 1.0}]
    pipeline.run(rows, table_name="contracts")
    dataset = pipeline.dataset()
    table = dataset["contracts"].arrow()
    assert sorted(table.column("employeeid").to_pylist()) == ["100", "101"]
    frame = dataset.contracts.select("employeeid", "ptfactor").df()
    assert sorted(frame["ptfactor"].tolist()) == [0.8, 1.0]
    assert dataset("SELECT count(*) FROM contracts").fetchall() == [(2,)]


def test_the_dagster_extra_brings_what_dagster_dev_starts() -> None:
    extra = _project()["optional-dependencies"]
    assert isinstance(extra, dict)
    names = {Requirement(r).name for r in extra["dagster"]}
    assert {"dagster", "dagster-webserver"} <= names
    if find_spec("dagster") is None:
        pytest.skip("the dagster extra is not installed here")
    assert find_spec("dagster_webserver") is not None, "pip install 'visma-hrm[dagster]'"
