"""Hand-made HR tables in a DuckDB file, for the definitions' corner cases the sandbox never
produces (the analytics and the report rule tests build theirs with these)."""

from __future__ import annotations

from typing import Any

import duckdb

from visma_hrm.catalog import DATASETS, ColumnType

T1, T2 = "tenant-1", "tenant-2"
"""Two tenants with the same keys: one tenant's rows must never count for the other."""
_TYPES = {
    ColumnType.TEXT: "TEXT",
    ColumnType.DATE: "DATE",
    ColumnType.TIMESTAMP: "TIMESTAMPTZ",
    ColumnType.INTEGER: "BIGINT",
    ColumnType.DECIMAL: "DECIMAL(18, 6)",
    ColumnType.BOOLEAN: "BOOLEAN",
}


def create_table(db: duckdb.DuckDBPyConnection, name: str, rows: list[dict[str, Any]]) -> None:
    """Create ``visma_hrm.<name>`` typed as the catalog says (plus tenant and deleted flag)
    and insert these rows; a row names only the columns it sets."""
    dataset = DATASETS[name]
    cols = [(c.name, _TYPES[c.type]) for c in dataset.columns]
    cols += [("tenant_id", "TEXT"), ("_visma_deleted", "BOOLEAN")]
    db.execute(f"CREATE TABLE visma_hrm.{name} ({', '.join(f'{n} {t}' for n, t in cols)})")
    for row in rows:
        names = list(row)
        marks = ", ".join("?" for _ in names)
        db.execute(
            f"INSERT INTO visma_hrm.{name} ({', '.join(names)}) VALUES ({marks})",
            [row[n] for n in names],
        )


def employee_row(
    tenant: str, eid: str, initials: str | None, birthname: str, **kw: Any
) -> dict[str, Any]:
    """An employees row: a person known since 2020 by initials and birth name."""
    row = {
        "tenant_id": tenant,
        "employeeid": eid,
        "existencestartutc": "2020-01-01T00:00:00Z",
        "initials": initials,
        "gender": "V",
        "dateofbirth": "1980-05-05",
        "birthname": birthname,
        "formattedname": f"{initials} {birthname}",
        "_visma_deleted": False,
    }
    row.update(kw)
    return row


def contract_row(
    tenant: str, eid: str, sub: str, start: str, end: str | None, unit: str, pt: str, **kw: Any
) -> dict[str, Any]:
    """A contracts row: sub-contract ``sub`` from ``start`` to ``end`` in ``unit`` at part-time
    factor ``pt``."""
    row = {
        "tenant_id": tenant,
        "employeeid": eid,
        "contractid": "1",
        "subcontractid": sub,
        "startdate": start,
        "enddate": end,
        "orgunit": unit,
        "ptfactor": pt,
        "_visma_deleted": False,
    }
    row.update(kw)
    return row
