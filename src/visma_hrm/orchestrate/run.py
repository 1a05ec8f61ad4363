"""One tenant's sync, the unit an orchestrator schedules, retries and alerts on.

Runs ``visma_hrm_source`` for a single tenant, so that tenants fail and retry on their own. The
run shares nothing local with any other run: dlt's working folder is a fresh temporary folder,
removed at the end, and where each dataset starts is read from the destination
(``_visma_sync_state``, see ``docs/sync.md``). What keeps parallel runs of one destination
apart is the destination itself:

* DuckDB admits one writing process per file: runs take turns on a lock file next to it;
* PostgreSQL: the advisory locks ``visma-hrm sync`` takes (``visma_hrm.warehouse.locks``): one
  run per tenant at a time, loads of one dataset one after the other (dlt's staging tables are
  shared), downloads in parallel;
* other warehouses: keep their loads apart in the orchestrator (docs/scale.md).

What the run did is read back from the destination (the position rows of this run's loads),
so the orchestrator's checks judge what was loaded, not what the code meant to load.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt

from visma_hrm.catalog import DATASETS, DELETED_COLUMN, SYNC_STATE_TABLE, TENANT_COLUMN
from visma_hrm.config import DEFAULT_API_URL, DEFAULT_TOKEN_URL
from visma_hrm.dlt_source import apply_deletions, visma_hrm_source
from visma_hrm.errors import DatasetNotApprovedError, UnreachableError, VismaHrmError
from visma_hrm.load.dlt_internals import resolve_destination
from visma_hrm.redact import Secret
from visma_hrm.warehouse.locks import warehouse_locks

log = logging.getLogger("visma_hrm.orchestrate")

PIPELINE_NAME = "visma_hrm"
DEFAULT_DELETED_SHARE_LIMIT = 0.2


@dataclass(frozen=True)
class Connection:
    """How to reach Visma: the application's credentials (the secret from the orchestrator)."""

    client_id: str
    client_secret: Secret = field(repr=False)
    api_url: str = DEFAULT_API_URL
    token_url: str = DEFAULT_TOKEN_URL


@dataclass(frozen=True)
class Warehouse:
    """Where the data goes: a dlt destination name and its credentials (from the orchestrator)."""

    destination: str = "duckdb"
    duckdb_path: str = "visma-hrm.duckdb"
    credentials: Secret | None = field(default=None, repr=False)
    """A connection string (``postgresql://...``); None: dlt's own config and secrets."""
    dataset_name: str = "visma_hrm"

    def dlt_destination(self) -> Any:
        if self.destination == "duckdb":
            return dlt.destinations.duckdb(str(Path(self.duckdb_path).resolve()))
        secret = self.credentials.reveal() if self.credentials else None
        return resolve_destination(self.destination, secret)

    @property
    def label(self) -> str:
        if self.destination == "duckdb":
            return str(self.duckdb_path)
        return f"{self.destination} dataset {self.dataset_name}"


@dataclass(frozen=True)
class DatasetOutcome:
    """One dataset of one tenant's run, as the destination recorded it."""

    dataset: str
    rows_received: int
    rows_rejected: int
    full_export: bool
    rows_marked_deleted: int
    rows_current: int
    """The tenant's rows of the dataset not marked deleted, after the run."""

    @property
    def deleted_share(self) -> float:
        """Share of the tenant's rows this run marked deleted."""
        before = self.rows_marked_deleted + self.rows_current
        return self.rows_marked_deleted / before if before else 0.0


@dataclass(frozen=True)
class TenantOutcome:
    tenant_id: str
    load_ids: tuple[str, ...]
    datasets: dict[str, DatasetOutcome]
    skipped: tuple[str, ...] = ()
    """Datasets the tenant did not approve (left out, as ``visma-hrm sync`` does)."""


def sync_tenant(
    tenant_id: str,
    connection: Connection,
    warehouse: Warehouse,
    datasets: Sequence[str] | None = None,
    *,
    full_refresh: bool = False,
    concurrency: int = 4,
) -> TenantOutcome:
    """Load one tenant's datasets (default: every one it approved), then mark deletions.

    ``datasets`` named explicitly must be approved (else DatasetNotApprovedError); by default
    unapproved ones are skipped, but a tenant that granted none of them fails: its token was
    refused for every dataset, and an empty success would hide that.
    """
    wanted = list(datasets) if datasets else list(DATASETS)
    with (
        _duckdb_turn(warehouse),
        tempfile.TemporaryDirectory(prefix="visma-hrm-run-") as work,
    ):
        pipeline = dlt.pipeline(
            pipeline_name=PIPELINE_NAME,
            pipelines_dir=work,
            destination=warehouse.dlt_destination(),
            dataset_name=warehouse.dataset_name,
        )
        with warehouse_locks(
            pipeline, warehouse.dataset_name, warehouse.label, _unreachable
        ) as locks:
            locks.hold_tenants([tenant_id])
            pipeline.sync_destination()
            source = visma_hrm_source(
                client_id=connection.client_id,
                client_secret=connection.client_secret.reveal(),
                tenants=[tenant_id],
                datasets=list(datasets) if datasets else None,
                api_url=connection.api_url,
                token_url=connection.token_url,
                full_refresh=full_refresh,
                concurrency=concurrency,
            )
            pipeline.extract(source)
            pipeline.normalize()
            with locks.loading(log.info, lambda: None):
                info = pipeline.load()
                marked = apply_deletions(pipeline, [tenant_id])
            outcome = _outcome(pipeline, tenant_id, tuple(info.loads_ids), wanted, marked)
    if not outcome.datasets:
        raise DatasetNotApprovedError(
            f"Tenant {tenant_id} granted none of {', '.join(wanted)}: Visma Connect refused "
            "its token for every one. Ask the customer to approve the application's datasets "
            "(App Store), then run this tenant again.",
            tenant_id=tenant_id,
        )
    return outcome


def visma_error(exc: BaseException) -> VismaHrmError | None:
    """The connector's own error behind what dlt wrapped (PipelineStepFailed and friends)."""
    todo: list[BaseException] = [exc]
    seen: set[int] = set()
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, VismaHrmError):
            return current
        for nxt in (getattr(current, "exception", None), current.__cause__, current.__context__):
            if isinstance(nxt, BaseException):
                todo.append(nxt)
    return None


def is_temporary(exc: BaseException) -> bool:
    """Whether trying again can help: the client's classification (``retryable``)."""
    error = visma_error(exc)
    return error is not None and error.retryable


def check_problems(outcome: DatasetOutcome, deleted_share_limit: float) -> list[str]:
    """Why this dataset's run needs a person's eye (empty: nothing unusual)."""
    problems = []
    if outcome.rows_rejected:
        problems.append(
            f"{outcome.rows_rejected} row(s) of {outcome.dataset} rejected "
            "(see _visma_rejected_rows)"
        )
    if outcome.deleted_share > deleted_share_limit:
        problems.append(
            f"{outcome.deleted_share:.0%} of {outcome.dataset} marked deleted "
            f"(limit {deleted_share_limit:.0%})"
        )
    return problems


@contextlib.contextmanager
def _duckdb_turn(warehouse: Warehouse) -> Iterator[None]:
    """DuckDB admits one writing process per file: wait for the run that holds it."""
    if warehouse.destination != "duckdb":
        yield
        return
    path = Path(warehouse.duckdb_path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".orchestrate.lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released by the OS however the run ends
        yield


def _unreachable(exc: Exception) -> Exception:
    return UnreachableError(f"Could not open the destination: {type(exc).__name__}: {exc}")


def _outcome(
    pipeline: dlt.Pipeline,
    tenant_id: str,
    load_ids: tuple[str, ...],
    wanted: Sequence[str],
    marked: dict[tuple[str, str], int],
) -> TenantOutcome:
    found: dict[str, DatasetOutcome] = {}
    with pipeline.sql_client() as client:
        tenant = client.escape_column_name(TENANT_COLUMN)
        recorded = _recorded(client, tenant, tenant_id, load_ids)
        for name, (received, rejected, full) in recorded.items():
            table = client.make_qualified_table_name(DATASETS[name].table)
            deleted = client.escape_column_name(DELETED_COLUMN)
            rows = client.execute_sql(
                f"SELECT count(*) FROM {table} WHERE {tenant} = %s "
                f"AND NOT coalesce({deleted}, false)",
                tenant_id,
            )
            found[name] = DatasetOutcome(
                dataset=name,
                rows_received=received,
                rows_rejected=rejected,
                full_export=full,
                rows_marked_deleted=marked.get((tenant_id, name), 0),
                rows_current=int(rows[0][0]) if rows else 0,
            )
    skipped = tuple(name for name in wanted if name not in found)
    return TenantOutcome(tenant_id, load_ids, found, skipped)


def _recorded(
    client: Any, tenant: str, tenant_id: str, load_ids: tuple[str, ...]
) -> dict[str, tuple[int, int, bool]]:
    """Per dataset: rows received, rows rejected, full export; from this run's position rows."""
    if not load_ids:
        return {}
    state = client.make_qualified_table_name(SYNC_STATE_TABLE)
    marks = ", ".join("%s" for _ in load_ids)
    rows = client.execute_sql(
        f"SELECT dataset, sum(rows_received), sum(rows_rejected), "
        f"max(CASE WHEN full_export THEN 1 ELSE 0 END) FROM {state} "
        f"WHERE {tenant} = %s AND load_id IN ({marks}) GROUP BY dataset",
        tenant_id,
        *load_ids,
    )
    return {
        str(name): (int(received or 0), int(rejected or 0), bool(full))
        for name, received, rejected, full in rows or []
        if name in DATASETS
    }
