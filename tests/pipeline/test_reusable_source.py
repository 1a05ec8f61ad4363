"""``visma_hrm_source`` in a pipeline a user writes: dlt's own config for the secret, full then
incremental, equal to the sandbox's truth, and where it starts read from the destination."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
import pytest

from tests.support.truth import differences
from visma_hrm import apply_deletions, visma_hrm_source
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox

pytestmark = pytest.mark.slow  # a user-written dlt pipeline: full then incremental

DATASETS = ["employees", "contracts", "users"]


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with start_sandbox(SandboxConfig(tenants=2, employees=20, seed=29)) as sandbox:
        yield sandbox


def _pipeline(tmp_path: Path, folder: str) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name="my_hr_pipeline",
        pipelines_dir=str(tmp_path / folder),
        destination=dlt.destinations.duckdb(str(tmp_path / "mine.duckdb")),
        dataset_name="hr",
    )


def _source(sb: Sandbox) -> Any:
    # the secret comes the dlt way (secrets.toml or the environment), never from code
    return visma_hrm_source(
        client_id=sb.client_id,
        tenants=list(sb.tenant_ids),
        datasets=DATASETS,
        api_url=sb.api_url,
        token_url=sb.token_url,
    )


def _rows(pipeline: dlt.Pipeline, table: str) -> list[dict[str, Any]]:
    with (
        pipeline.sql_client() as client,
        client.execute_query(f"SELECT * FROM {client.make_qualified_table_name(table)}") as cursor,
    ):
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _assert_truth(sb: Sandbox, pipeline: dlt.Pipeline, *, deleted_may_linger: bool) -> None:
    for name in DATASETS:
        loaded = _rows(pipeline, name)
        for tenant in sb.tenant_ids:
            problems = differences(
                sb.truth(tenant, name), loaded, name, tenant, deleted_may_linger=deleted_may_linger
            )
            assert not problems, problems[:5]


def _modes(pipeline: dlt.Pipeline) -> set[bool]:
    """Whether the newest loaded export of each pair was full."""
    rows = _rows(pipeline, "_visma_sync_state")
    newest: dict[tuple[str, str], dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: r["synced_at"]):
        newest[(row["tenant_id"], row["dataset"])] = row
    assert len(newest) == len(DATASETS) * 2
    return {row["full_export"] for row in newest.values()}


def test_a_user_written_pipeline_loads_full_then_incremental_and_equals_the_truth(
    sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__VISMA_HRM__CLIENT_SECRET", sb.client_secret)
    pipeline = _pipeline(tmp_path, "pipelines")
    pipeline.run(_source(sb))
    _assert_truth(sb, pipeline, deleted_may_linger=False)
    assert _modes(pipeline) == {True}

    sb.advance(days=30)
    pipeline.run(_source(sb))
    assert _modes(pipeline) == {False}  # incremental: the cursor came from the destination
    _assert_truth(sb, pipeline, deleted_may_linger=True)

    # dlt's local folder lost (an ephemeral runner): still incremental, still right
    shutil.rmtree(tmp_path / "pipelines")
    sb.advance(days=720)  # long enough for the sandbox to delete rows
    fresh = _pipeline(tmp_path, "elsewhere")
    fresh.run(_source(sb))
    assert _modes(fresh) == {False}
    fresh.run(visma_hrm_source(**_full(sb)))
    assert sum(apply_deletions(fresh).values()) > 0
    _assert_truth(sb, fresh, deleted_may_linger=False)


def _full(sb: Sandbox) -> dict[str, Any]:
    return {
        "client_id": sb.client_id,
        "tenants": list(sb.tenant_ids),
        "datasets": DATASETS,
        "api_url": sb.api_url,
        "token_url": sb.token_url,
        "full_refresh": True,
    }
