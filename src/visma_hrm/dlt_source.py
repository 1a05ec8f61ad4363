"""A dlt source for your own pipelines: ``visma_hrm_source``, the way dlt's verified sources are.

Credentials and tenants come from arguments or from dlt's own config and secrets
(``[sources.visma_hrm]`` in ``.dlt/config.toml`` / ``secrets.toml``, or
``SOURCES__VISMA_HRM__CLIENT_SECRET`` and friends). One merge resource per dataset, keyed by
tenant and the dataset's key; each export's position row goes to ``_visma_sync_state`` in the
same load package as its rows (``visma_hrm.load.source``). Where each tenant and dataset starts is
read from the destination of the pipeline running the source, never from dlt's local state:
the rule of ``visma-hrm sync``, so a new or emptied destination always gets full exports.

What a ``visma-hrm sync`` run adds on top (every export downloaded side by side before anything
is parsed, one tenant's failure kept from the others, excluded columns emptied, the report)
lives in ``visma_hrm.sync``; the downloads are its phase 1 and the settings its own, so the two
share one copy of that logic. Here a failed export stops the extract, so dlt loads nothing of
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import dlt

from visma_hrm.catalog import DATASETS, Dataset
from visma_hrm.client.settings import ClientSettings, FieldSelection
from visma_hrm.config import DEFAULT_API_URL, DEFAULT_TOKEN_URL, Settings
from visma_hrm.errors import ConfigurationError
from visma_hrm.load.dlt_internals import DatabaseUndefinedRelation
from visma_hrm.load.positions import Positions, read_positions
from visma_hrm.load.source import (
    SOURCE_NAME,
    ParseTally,
    SpooledExport,
    default_reader,
    export_items,
    run_start,
)
from visma_hrm.redact import Secret
from visma_hrm.sync.extract import extract_all
from visma_hrm.sync.plan import Plan, client_settings_from, wanted_datasets
from visma_hrm.sync.report import NullReporter
from visma_hrm.sync.steps.deletions import mark_deleted

log = logging.getLogger("visma_hrm.load.source")
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
    settings = Settings(
        api_url=api_url,
        token_url=token_url,
        client_id=client_id,
        client_secret=Secret(str(client_secret)),
        tenants=tuple(tenants),
        datasets=tuple(datasets or ()),
        concurrency=max(1, concurrency),
    )
    wanted, explicit = wanted_datasets(settings)
    plan = _SourcePlan(settings, client_settings_from(settings), explicit, full_refresh)
    return [_dataset_resource(dataset, plan) for dataset in wanted]


@dataclass(frozen=True)
class _SourcePlan:
    settings: Settings
    client: ClientSettings
    explicit: bool
    full_refresh: bool

    def for_dataset(self, dataset: Dataset, positions: Positions) -> Plan:
        """The sync's plan for one dataset of every tenant (no field selection)."""
        selections: dict[str, FieldSelection | None] = {dataset.name: None}
        tenants = self.settings.tenants
        return Plan(tenants, [dataset], self.explicit, selections, positions, self.full_refresh)


def _dataset_resource(dataset: Dataset, plan: _SourcePlan) -> Any:
    def rows() -> Iterator[Any]:
        synced_at = run_start()
        positions = Positions() if plan.full_refresh else current_positions()
        with tempfile.TemporaryDirectory(prefix="visma-hrm-") as spool:
            exports = _download(plan, plan.for_dataset(dataset, positions), Path(spool))
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


def _download(plan: _SourcePlan, sync_plan: Plan, spool: Path) -> list[SpooledExport]:
    """Phase 1 of ``visma-hrm sync`` (``visma_hrm.sync.extract``); any failure stops the extract.

    Stopping keeps dlt from loading anything of this run, so nothing is half loaded and the
    next run asks again; a dataset a tenant did not approve is only logged (see the source).
    """
    extraction = extract_all(
        plan.client, sync_plan, spool, plan.settings.concurrency, NullReporter()
    )
    outcomes = _run(extraction)
    for outcome in outcomes:
        table = outcome.table
        if table.status == "skipped":
            log.warning("tenant %s did not approve %s: skipped", table.tenant_id, table.dataset)
        elif outcome.error is not None:
            raise outcome.error
    return [outcome.export for outcome in outcomes if outcome.export]


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
