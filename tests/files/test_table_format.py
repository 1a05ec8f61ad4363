"""Choosing the filesystem table format: the extra that brings Delta, and what is refused."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

from visma_hrm.config import load_settings
from visma_hrm.errors import ConfigurationError
from visma_hrm.warehouse.files import check_table_format

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_filesystem_extra_brings_deltalake_at_the_pinned_dlt_version() -> None:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    pinned = next(d for d in project["dependencies"] if d.startswith("dlt["))
    version = pinned.split("==")[1]
    assert project["optional-dependencies"]["filesystem"] == [f"dlt[deltalake]=={version}"]


def test_delta_is_the_default_on_filesystem_and_nothing_elsewhere() -> None:
    assert check_table_format("filesystem", None) == "delta"
    assert check_table_format("filesystem", " Delta ") == "delta"
    assert check_table_format("duckdb", None) is None


def test_table_format_comes_from_the_environment_and_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "visma-hrm.toml"
    config.write_text('[visma_hrm]\ndestination = "filesystem"\ntable_format = "parquet"\n')
    settings = load_settings(config, env={})
    assert settings.table_format == "parquet"
    with pytest.raises(ConfigurationError, match="duplicate rows"):
        check_table_format(settings.destination, settings.table_format)
    from_env = load_settings(config, env={"VISMA_HRM_TABLE_FORMAT": "delta"})
    assert check_table_format(from_env.destination, from_env.table_format) == "delta"


def test_without_deltalake_the_message_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "deltalake", None)  # what an absent package looks like
    with pytest.raises(ConfigurationError, match=r"pip install 'visma-hrm\[filesystem\]'"):
        check_table_format("filesystem", None)
