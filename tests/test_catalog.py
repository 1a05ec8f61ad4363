"""The catalog is the contract every part reads: check its invariants."""

from __future__ import annotations

import pyarrow as pa
import pytest

from visma_hrm.catalog import DATASETS, TENANT_COLUMN, ColumnType, get_dataset, privacy_excludes


def test_seven_datasets_with_the_documented_table_names() -> None:
    assert list(DATASETS) == [
        "employees",
        "employee_udf_histories",
        "contracts",
        "contract_udf_histories",
        "organization_units",
        "cost_centers",
        "users",
    ]


@pytest.mark.parametrize("dataset", DATASETS.values(), ids=list(DATASETS))
def test_keys_are_known_columns_and_start_with_the_tenant(dataset) -> None:  # type: ignore[no-untyped-def]
    names = {c.name for c in dataset.columns}
    assert dataset.key[0] == TENANT_COLUMN
    assert set(dataset.primary_key) <= names
    assert len(names) == len(dataset.columns), "a column is listed twice"
    hints = {h["name"]: h for h in dataset.dlt_columns()}
    assert all(hints[k].get("primary_key") for k in dataset.key)
    assert dataset.arrow_schema().field(dataset.primary_key[0]).type == pa.string()


def test_unknown_columns_are_text_and_unknown_datasets_name_the_valid_ones() -> None:
    assert DATASETS["contracts"].column_type("brand_new_column") is ColumnType.TEXT
    assert DATASETS["contracts"].column_type("startdate") is ColumnType.DATE
    with pytest.raises(KeyError, match="employees"):
        get_dataset("employee")


def test_contact_profile_excludes_private_contact_columns_only() -> None:
    excluded = privacy_excludes("contact", DATASETS["employees"])
    assert "homeemailaddress" in excluded and "homecity" in excluded
    assert "employeeid" not in excluded and "businessemailaddress" not in excluded
