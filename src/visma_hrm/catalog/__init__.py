"""The dataset catalog: the one declarative place that describes each export of the API.

Every other part of the connector (the client's parser, the dlt source, the CLI's `datasets`
command, the analytics) reads the datasets from here, so adding a dataset means adding one
entry to ``DATASETS`` (``visma_hrm.catalog.datasets``). The shapes (column types, ``Column``,
``Dataset``, the bookkeeping column and table names) are in ``visma_hrm.catalog.columns``, the
privacy profiles in ``visma_hrm.catalog.privacy``. The sandbox deliberately does *not* import
this package: it plays Visma's side and keeps its own description of the API, so that a mistake
here cannot be mirrored there.
"""

from __future__ import annotations

from visma_hrm.catalog.columns import (
    DECIMAL_PRECISION,
    DECIMAL_SCALE,
    DELETED_AT_COLUMN,
    DELETED_COLUMN,
    REJECTED_ROWS_TABLE,
    STEPS_TABLE,
    SYNC_STATE_TABLE,
    SYNCED_AT_COLUMN,
    TENANT_COLUMN,
    Column,
    ColumnType,
    Dataset,
    is_added_column,
    is_bookkeeping,
)
from visma_hrm.catalog.datasets import DATASETS, EXPORT_SCOPE_PREFIX, get_dataset
from visma_hrm.catalog.privacy import (
    CONTACT_SCOPE,
    PRIVACY_PROFILES,
    privacy_excludes,
    privacy_profiles,
)

__all__ = [
    "CONTACT_SCOPE",
    "DATASETS",
    "DECIMAL_PRECISION",
    "DECIMAL_SCALE",
    "DELETED_AT_COLUMN",
    "DELETED_COLUMN",
    "EXPORT_SCOPE_PREFIX",
    "PRIVACY_PROFILES",
    "REJECTED_ROWS_TABLE",
    "STEPS_TABLE",
    "SYNCED_AT_COLUMN",
    "SYNC_STATE_TABLE",
    "TENANT_COLUMN",
    "Column",
    "ColumnType",
    "Dataset",
    "get_dataset",
    "is_added_column",
    "is_bookkeeping",
    "privacy_excludes",
    "privacy_profiles",
]
