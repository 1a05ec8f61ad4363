"""A dlt source for your own pipelines: ``visma_hrm_source``, the way dlt's verified sources are.

Credentials and tenants come from arguments or from dlt's own config and secrets
(``[sources.visma_hrm]`` in ``.dlt/config.toml`` / ``secrets.toml``, or
``SOURCES__VISMA_HRM__CLIENT_SECRET`` and friends). One merge resource per dataset, keyed by
tenant and the dataset's key; each export's position row goes to ``_visma_sync_state`` in the
same load package as its rows (``visma_hrm.source``). Where each tenant and dataset starts is
read from the destination of the pipeline running the source, never from dlt's local state:
the rule of ``visma-hrm sync``, so a new or emptied destination always gets full exports.

What a ``visma-hrm sync`` run adds on top (every export downloaded side by side before anything
is parsed, one tenant's failure kept from the others, excluded columns emptied, the report)
lives in ``visma_hrm.pipeline``. Here a failed export stops the extract, so dlt loads nothing of
that run and the next run asks again: nothing is half loaded. In an orchestrator, run one
source per tenant to keep tenants apart. After a run, ``apply_deletions(pipeline)`` marks the
rows that a complete full export no longer carried.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import tempfile
from collections.abc import Collection, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import dlt

from visma_hrm.catalog import DATASETS, Dataset
from visma_hrm.client import VismaClient
from visma_hrm.client.settings import ClientSettings
from visma_hrm.config import DEFAULT_API_URL, DEFAULT_TOKEN_URL
from visma_hrm.deletions import mark_deleted
from visma_hrm.dlt_internals import DatabaseUndefinedRelation
from visma_hrm.errors import ConfigurationError, DatasetNotApprovedError
from visma_hrm.positions import Positions, read_positions
from visma_hrm.redact import Secret
from visma_hrm.source import (
    SOURCE_NAME,
    ParseTally,
    SpooledExport,
    default_reader,
    export_items,
    run_start,
)

log = logging.getLogger("visma_hrm.source")
T = TypeVar("T")


@dlt.source(name=SOURCE_NAME, max_table_nesting=0, root_key=False)
def visma_hrm_source(
    client_id: str = dlt.config.value,
    client_secret: str = dlt.secrets.value,
    tenants: list[str] = dlt.config.value,
    datasets: list[str] | None = None,
    api_url: str = DEFAULT_API_URL,
    token_url: str = DEFAULT_TOKEN_URL,
    full_refresh: bool = False,
    concurrency: int = 4,
) -> list[Any]:
    """Every dataset (or ``datasets``) of every tenant, fully the first time, then what changed.

    A dataset a tenant did not approve is skipped for that tenant (logged), unless it was named
    in ``datasets``: then it fails the run, as in ``visma-hrm sync``.
    """
    if not tenants:
        raise ConfigurationError("visma_hrm_source needs at least one tenant id.")
    unknown = sorted(set(datasets or ()) - set(DATASETS))
    if unknown:
        raise ConfigurationError(f"Unknown dataset(s): {', '.join(unknown)}.")
    settings = ClientSettings(
        api_url=api_url,
        token_url=token_url,
        client_id=client_id,
        client_secret=Secret(str(client_secret)),
    )
    wanted = [DATASETS[n] for n in datasets] if datasets else list(DATASETS.values())
    plan = _SourcePlan(settings, tuple(tenants), bool(datasets), full_refresh, concurrency)
    return [_dataset_resource(dataset, plan) for dataset in wanted]


class _SourcePlan:
    def __init__(
        self,
        settings: ClientSettings,
        tenants: tuple[str, ...],
        explicit: bool,
        full_refresh: bool,
        concurrency: int,
    ) -> None:
        self.settings = settings
        self.tenants = tenants
        self.explicit = explicit
        self.full_refresh = full_refresh
        self.concurrency = max(1, concurrency)


def _dataset_resource(dataset: Dataset, plan: _SourcePlan) -> Any:
    def rows() -> Iterator[Any]:
        synced_at = run_start()
        positions = Positions() if plan.full_refresh else current_positions()
        with tempfile.TemporaryDirectory(prefix="visma-hrm-") as spool:
            exports = _run(_download(plan, dataset, positions, Path(spool)))
            tally = ParseTally()
            for export in exports:
                yield from export_items(export, synced_at, tally, default_reader)
        if tally.failed:
            raise next(iter(tally.failed.values()))

    columns: Any = dataset.dlt_columns()
    return dlt.resource(
        rows,
        name=dataset.name,
        table_name=dataset.table,
        write_disposition="merge",
        primary_key=list(dataset.key),
        columns=columns,
    )


def current_positions() -> Positions:
    """Positions held by the destination of the pipeline running this source (none: full)."""
    pipeline = dlt.current.pipeline()
    try:
        with pipeline.sql_client() as client:
            return read_positions(client)
    except DatabaseUndefinedRelation:
        return Positions()
    except Exception as exc:  # a destination never loaded into has no dataset yet
        if "does not exist" in str(exc) or "not found" in str(exc).lower():
            return Positions()
        raise


async def _download(
    plan: _SourcePlan, dataset: Dataset, positions: Positions, spool: Path
) -> list[SpooledExport]:
    bound = asyncio.Semaphore(plan.concurrency)
    async with VismaClient(plan.settings) as client:
        found = await asyncio.gather(
            *(_one(client, bound, dataset, t, positions, spool, plan) for t in plan.tenants)
        )
    return [export for export in found if export is not None]


async def _one(
    client: VismaClient,
    bound: asyncio.Semaphore,
    dataset: Dataset,
    tenant_id: str,
    positions: Positions,
    spool: Path,
    plan: _SourcePlan,
) -> SpooledExport | None:
    since = positions.cursor(tenant_id, dataset.name)
    folder = spool / tenant_id
    folder.mkdir()
    async with bound:
        try:
            export = await client.export(tenant_id, dataset, since=since, spool_dir=folder)
        except DatasetNotApprovedError:
            if plan.explicit:
                raise
            log.warning("tenant %s did not approve %s: skipped", tenant_id, dataset.name)
            return None
    return SpooledExport(
        tenant_id=tenant_id,
        dataset=dataset,
        files=tuple(export.files),
        change_timestamp_before=export.change_timestamp_before,
        full=since is None,
        since=since,
    )


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run the downloads to the end, also where the caller already runs an event loop."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, coroutine).result()


def apply_deletions(
    pipeline: dlt.Pipeline, tenants: Collection[str] | None = None
) -> dict[tuple[str, str], int]:
    """Mark rows gone from each pair's newest complete full export as deleted; per pair, how many.

    Idempotent: call it after every ``pipeline.run`` of the source. ``tenants`` limits it to
    those tenants (an orchestrator's run of one tenant need not touch the others' rows).
    """
    marked: dict[tuple[str, str], int] = {}
    with pipeline.sql_client() as client:
        positions = read_positions(client)
        for (tenant, dataset), position in positions.by_pair.items():
            if tenants is not None and tenant not in tenants:
                continue
            if position.complete_full_at is not None and dataset in DATASETS:
                table = DATASETS[dataset].table
                marked[(tenant, dataset)] = mark_deleted(
                    client, tenant, table, position.complete_full_at
                )
    return marked
