"""What the sync asks the API for: datasets and the ``fields`` pushed down per dataset."""

from __future__ import annotations

from pathlib import Path

import pytest

from visma_hrm.catalog import DATASETS
from visma_hrm.cli.sync_cmd import with_field_flags
from visma_hrm.client import FieldSelection
from visma_hrm.config import Settings, load_settings
from visma_hrm.errors import ConfigurationError
from visma_hrm.sync import field_selection, wanted_datasets
from visma_hrm.warehouse.duckdb_file import duckdb_schema

EMPLOYEES = DATASETS["employees"]


def test_no_fields_and_no_profile_asks_for_everything() -> None:
    assert field_selection(Settings(), EMPLOYEES) is None


def test_include_list_always_keeps_the_key_columns() -> None:
    settings = Settings(fields={"employees": "firstname,dateofbirth"})
    selection = field_selection(settings, EMPLOYEES)
    assert selection == FieldSelection(
        include=("employeeid", "existencestartutc", "firstname", "dateofbirth")
    )


def test_privacy_profile_excludes_contact_columns_and_merges_with_an_exclude_list() -> None:
    settings = Settings(fields={"employees": "!nickname"}, privacy_profile="contact")
    selection = field_selection(settings, EMPLOYEES)
    assert selection is not None
    assert selection.exclude[0] == "nickname"
    assert "homeemailaddress" in selection.exclude
    assert "mobilephonenumber" in selection.exclude
    assert "businessemailaddress" not in selection.exclude
    # the profile also removes private columns from an include list
    narrowed = Settings(fields={"employees": "firstname,homecity"}, privacy_profile="contact")
    included = field_selection(narrowed, EMPLOYEES)
    assert included is not None and "homecity" not in included.include


def test_excluding_a_key_column_or_an_unknown_profile_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="key column"):
        field_selection(Settings(fields={"employees": "!employeeid"}), EMPLOYEES)
    with pytest.raises(ConfigurationError, match="privacy profile"):
        field_selection(Settings(privacy_profile="nothing"), EMPLOYEES)
    with pytest.raises(ConfigurationError, match="once"):
        field_selection(Settings(fields={"employees": "a,!b"}), EMPLOYEES)
    with pytest.raises(ConfigurationError, match="unknown dataset"):
        field_selection(Settings(fields={"employes": "firstname"}), EMPLOYEES)


def test_field_flags_override_the_config_file_per_dataset(tmp_path: Path) -> None:
    config = tmp_path / "visma-hrm.toml"
    config.write_text(
        '[visma_hrm]\n[visma_hrm.fields]\nemployees = "!nickname"\nusers = "userid"\n',
        encoding="utf-8",
    )
    settings = with_field_flags(load_settings(config, env={}), ["employees=firstname"])
    assert dict(settings.fields) == {"employees": "firstname", "users": "userid"}
    with pytest.raises(ConfigurationError, match="DATASET="):
        with_field_flags(settings, ["employees"])


def test_explicit_datasets_must_exist_and_default_is_every_dataset() -> None:
    assert wanted_datasets(Settings()) == (list(DATASETS.values()), False)
    chosen, explicit = wanted_datasets(Settings(datasets=("users", "users", "contracts")))
    assert [d.name for d in chosen] == ["users", "contracts"] and explicit
    with pytest.raises(ConfigurationError, match="Known datasets"):
        wanted_datasets(Settings(datasets=("salaries",)))


def test_default_duckdb_file_and_schema_do_not_collide(tmp_path: Path) -> None:
    # DuckDB names the catalog after the file: visma_hrm.duckdb + schema visma_hrm is ambiguous
    assert duckdb_schema(tmp_path / "visma_hrm.duckdb", "visma_hrm") == "main"
    assert duckdb_schema(tmp_path / "visma_hrm_demo.duckdb", "visma_hrm") == "visma_hrm"
