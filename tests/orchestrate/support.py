"""What the orchestrator tests share: a config file naming the sandbox's tenants, and the check
that a destination equals the sandbox's truth.

The value-by-value comparison is ``tests.support.truth.differences``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import dlt

from tests.support.truth import differences
from visma_hrm.catalog import DATASETS, TENANT_COLUMN
from visma_hrm.sandbox import Sandbox


def write_config(sb: Sandbox, path: Path, **extra: str) -> Path:
    """A visma-hrm.toml for the sandbox (no secret: that comes from the environment)."""
    lines = [
        "[visma_hrm]",
        f'client_id = "{sb.client_id}"',
        f'api_url = "{sb.api_url}"',
        f'token_url = "{sb.token_url}"',
        "tenants = [" + ", ".join(f'"{t}"' for t in sb.tenant_ids) + "]",
        *(f'{k} = "{v}"' for k, v in extra.items()),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def reader(tmp_path: Path, destination: Any, dataset_name: str) -> dlt.Pipeline:
    """A dlt pipeline used only to read the destination back."""
    return dlt.pipeline(
        pipeline_name="truth_reader",
        pipelines_dir=str(tmp_path / "reader"),
        destination=destination,
        dataset_name=dataset_name,
    )


def rows(pipeline: dlt.Pipeline, table: str) -> list[dict[str, Any]]:
    with (
        pipeline.sql_client() as client,
        client.execute_query(f"SELECT * FROM {client.make_qualified_table_name(table)}") as cursor,
    ):
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def assert_truth(
    sb: Sandbox,
    pipeline: dlt.Pipeline,
    tenants: Iterable[str],
    *,
    deleted_may_linger: bool,
    datasets: Iterable[str] = DATASETS,
) -> None:
    """Every dataset of these tenants equals the sandbox's truth, value by value."""
    tenants = list(tenants)
    problems: list[str] = []
    for name in datasets:
        loaded = rows(pipeline, name)
        assert {r[TENANT_COLUMN] for r in loaded} <= set(sb.tenant_ids)
        for tenant in tenants:
            found = differences(
                sb.truth(tenant, name), loaded, name, tenant, deleted_may_linger=deleted_may_linger
            )
            problems += [f"{tenant[:8]} {name}: {p}" for p in found]
    assert not problems, "\n".join(problems[:20])


def newest_modes(pipeline: dlt.Pipeline, tenants: Iterable[str]) -> dict[str, set[bool]]:
    """Per tenant, whether the newest loaded export of each of its datasets was full."""
    newest: dict[tuple[str, str], dict[str, Any]] = {}
    for row in sorted(rows(pipeline, "_visma_sync_state"), key=lambda r: r["synced_at"]):
        newest[(row[TENANT_COLUMN], row["dataset"])] = row
    return {
        t: {r["full_export"] for (tenant, _), r in newest.items() if tenant == t} for t in tenants
    }
