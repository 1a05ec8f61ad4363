"""Sync orchestration: tenants x datasets, two phases, deletion reconciliation, the summary.

A run has two phases. **Phase 1** asks the API for every wanted (tenant, dataset), side by side
with a bound (``Settings.concurrency``); the client spools every file of each export to a
temporary folder. One failure there is recorded and does not stop the others. **Phase 2** is a
single ``pipeline.run`` of the dlt source over the spooled files (see ``visma_hrm.source``).
Because a download is complete before anything is yielded, a failed export never leaves part of
a table behind.

Before reading the cursors the run restores dlt state from the destination (a lost local
pipeline folder must not turn the next run into a full export that forgets nothing) and
finishes load packages that a killed run left behind, so that their data and cursor land before
anything new is asked.

After the load, a full export marks the tenant's rows it no longer carries as deleted: every
row of that tenant with ``_visma_synced_at`` before the run's start. That UPDATE is idempotent,
so it is repeated at the end of every run from the start of the last full export kept in state,
which also covers a crash between load and reconciliation.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import dlt
import pyarrow as pa
from dlt.common.pipeline import SupportsPipeline
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from visma_hrm.catalog import (
    DATASETS,
    DELETED_AT_COLUMN,
    DELETED_COLUMN,
    SYNCED_AT_COLUMN,
    TENANT_COLUMN,
    Dataset,
    privacy_excludes,
)
from visma_hrm.client.models import ExportProgress
from visma_hrm.client.settings import ClientSettings, FieldSelection
from visma_hrm.config import Settings
from visma_hrm.errors import (
    ConfigurationError,
    DatasetNotApprovedError,
    DestinationError,
    VismaHrmError,
)
from visma_hrm.redact import redact_text
from visma_hrm.source import (
    SOURCE_NAME,
    Cursors,
    ParseTally,
    SpooledExport,
    read_positions,
    run_start,
    visma_source,
)

Mode = Literal["full", "incremental"]
Status = Literal["ok", "failed", "skipped"]


@dataclass(frozen=True)
class SyncSettings:
    """What one ``sync`` run does: the settings plus the run's own switches."""

    settings: Settings
    full_refresh: bool = False


@dataclass
class TableReport:
    """The outcome of one (tenant, dataset) in a run.

    ``rows_updated`` is "received, already present": the API's change filter is not exact, so
    rows that did not change count here too. ``seconds`` covers download and parsing of this
    export; the shared load into the destination is in ``SyncReport.load_seconds``.
    """

    tenant_id: str
    dataset: str
    mode: Mode
    status: Status = "ok"
    error_code: str | None = None
    message: str | None = None
    files: int = 0
    bytes: int = 0
    rows_received: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_deleted: int = 0
    rows_rejected: int = 0
    seconds: float = 0.0
    job_seconds: float | None = None
    """How long the API took to finish the export job, as seen by the client."""

    def fail(self, error: VismaHrmError, status: Status = "failed") -> None:
        self.status = status
        self.error_code = error.code
        self.message = redact_text(error.message)


@dataclass
class SyncReport:
    """Everything a person (or a machine, via ``--json``) needs to know about a run."""

    started_at: str
    destination: str
    dataset_name: str
    tables: list[TableReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    resumed_packages: int = 0
    """Load packages of an interrupted earlier run that this run finished first."""
    load_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when everything asked for was loaded (skipped datasets were not asked for)."""
        return all(t.status != "failed" for t in self.tables)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def table(self, tenant_id: str, dataset: str) -> TableReport:
        for entry in self.tables:
            if entry.tenant_id == tenant_id and entry.dataset == dataset:
                return entry
        raise KeyError((tenant_id, dataset))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        data["exit_code"] = self.exit_code
        return data


class Reporter(Protocol):
    """Receives progress while a run goes; ``visma_hrm.progress`` has a rich and a plain one."""

    def export_progress(self, progress: ExportProgress) -> None: ...

    def stage(self, tenant_id: str, dataset: str, state: str, rows: int | None = None) -> None: ...

    def info(self, message: str) -> None: ...


class NullReporter:
    """Reports nothing (library use, tests)."""

    def export_progress(self, progress: ExportProgress) -> None:
        pass

    def stage(self, tenant_id: str, dataset: str, state: str, rows: int | None = None) -> None:
        pass

    def info(self, message: str) -> None:
        pass


# ------------------------------------------------------------------------------- the run
def sync(settings: SyncSettings, reporter: Reporter | None = None) -> SyncReport:
    """Run one sync and return its report; raises only for problems that stop everything.

    Raises ``ConfigurationError`` (nothing to do or contradictory settings) and
    ``DestinationError`` (the destination cannot be reached before anything is asked).
    """
    reporter = reporter or NullReporter()
    cfg = settings.settings
    release_arrow_memory_promptly()
    client_settings = client_settings_from(cfg)
    tenants = cfg.require_tenants()
    datasets, explicit = wanted_datasets(cfg)
    selections = {d.name: field_selection(cfg, d) for d in datasets}
    started = run_start()
    clock = time.monotonic()
    pipeline = make_pipeline(cfg)
    report = SyncReport(
        started_at=started.isoformat(),
        destination=cfg.destination,
        dataset_name=pipeline.dataset_name,
    )
    report.resumed_packages = prepare(pipeline, reporter)
    cursors, _ = read_positions(_source_state(pipeline))
    plan = _Plan(tenants, datasets, explicit, selections, cursors, settings.full_refresh)
    with spool_dir(pipeline) as spool:
        outcomes = asyncio.run(extract_all(client_settings, plan, spool, cfg.concurrency, reporter))
        report.tables = [o.table for o in outcomes]
        _load(pipeline, [o for o in outcomes if o.export], started, report, reporter)
    _reconcile_all(pipeline, report, reporter)
    report.seconds = round(time.monotonic() - clock, 3)
    return report


def release_arrow_memory_promptly() -> None:
    """Give parsed batches' memory back to the system as soon as they are written.

    pyarrow's default allocator (jemalloc) keeps freed memory for reuse, so a sync's peak RSS
    grew with the export; with the system allocator it stays bounded by the batches in flight
    (bench/: 815 -> 480 MB at 208k rows together with DuckDB's memory limit).
    """
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):  # a pool the user chose wins
        pa.set_memory_pool(pa.system_memory_pool())


def client_settings_from(cfg: Settings) -> ClientSettings:
    client_id, secret = cfg.require_credentials()
    return ClientSettings(
        api_url=cfg.api_url,
        token_url=cfg.token_url,
        client_id=client_id,
        client_secret=secret,
        job_timeout_s=cfg.job_timeout_s,
        verify_tls=cfg.verify_tls,
    )


def wanted_datasets(cfg: Settings) -> tuple[list[Dataset], bool]:
    """The datasets to ask for, and whether they were named explicitly (then unapproved = error)."""
    if not cfg.datasets:
        return list(DATASETS.values()), False
    unknown = [name for name in cfg.datasets if name not in DATASETS]
    if unknown:
        raise ConfigurationError(
            f"Unknown dataset(s): {', '.join(unknown)}. Known datasets: {', '.join(DATASETS)}."
        )
    return [DATASETS[name] for name in dict.fromkeys(cfg.datasets)], True


def field_selection(cfg: Settings, dataset: Dataset) -> FieldSelection | None:
    """The ``fields`` pushed down to the API for one dataset (user spec plus privacy profile).

    Key columns are always kept: the merge needs them, so including a list adds them and
    excluding one is refused.
    """
    if unknown := sorted(set(cfg.fields) - set(DATASETS)):
        raise ConfigurationError(
            f"fields name unknown dataset(s) {', '.join(unknown)}; known: {', '.join(DATASETS)}."
        )
    include, exclude = parse_fields_spec(cfg.fields.get(dataset.name, ""))
    if cfg.privacy_profile:
        try:
            private = privacy_excludes(cfg.privacy_profile, dataset)
        except KeyError as exc:
            raise ConfigurationError(str(exc.args[0])) from None
        if include:
            include = tuple(c for c in include if c not in private)
        else:
            exclude = tuple(dict.fromkeys((*exclude, *private)))
    keys = dataset.primary_key
    if bad := [c for c in exclude if c in keys]:
        raise ConfigurationError(
            f"fields for {dataset.name} exclude key column(s) {', '.join(bad)}: rows could not "
            "be told apart without them."
        )
    try:
        if include:
            return FieldSelection(include=tuple(dict.fromkeys((*keys, *include))))
        return FieldSelection(exclude=exclude) if exclude else None
    except ValueError as exc:
        raise ConfigurationError(f"fields for {dataset.name}: {exc}") from None


def parse_fields_spec(spec: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``a,b`` -> include (a, b); ``!a,b`` -> exclude (a, b); empty -> nothing."""
    spec = spec.strip()
    negate = spec.startswith("!")
    names = tuple(p.strip() for p in spec.lstrip("!").split(",") if p.strip())
    if any(n.startswith("!") for n in names):
        raise ConfigurationError(f"fields {spec!r}: put '!' once, in front of the whole list.")
    return ((), names) if negate else (names, ())


# ----------------------------------------------------------------------------- destination
def make_pipeline(cfg: Settings) -> dlt.Pipeline:
    """The dlt pipeline for these settings (DuckDB file by default, else a named destination).

    Resources are extracted one after another (dlt's ``fifo``), not round-robin: round-robin
    keeps every dataset's CSV reader open with its read-ahead at once, and peak RSS grew with
    the export (bench/: 762 -> 592 MB at 1M rows, and a faster parse). A user's explicit
    ``EXTRACT__NEXT_ITEM_MODE`` still wins.
    """
    os.environ.setdefault("EXTRACT__NEXT_ITEM_MODE", "fifo")
    destination: Any = cfg.destination
    dataset_name = cfg.dataset_name
    if cfg.destination == "duckdb":
        path = cfg.duckdb_path.expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        destination = dlt.destinations.duckdb(credentials=duckdb_credentials(path, cfg))
        dataset_name = duckdb_schema(path, dataset_name)
    where: dict[str, Any] = {"pipelines_dir": str(cfg.pipelines_dir)} if cfg.pipelines_dir else {}
    pipeline: dlt.Pipeline = dlt.pipeline(
        pipeline_name=cfg.pipeline_name,
        destination=destination,
        dataset_name=dataset_name,
        **where,
    )
    return pipeline


def duckdb_credentials(path: Path, cfg: Settings) -> DuckDbCredentials:
    """A DuckDB file with bounded memory: a merge of a large export spills to disk rather than
    taking the machine's RAM (DuckDB's default limit is 80% of it), and insertion order is not
    kept because nothing reads these tables in load order."""
    settings = {"memory_limit": cfg.duckdb_memory_limit, "preserve_insertion_order": False}
    return DuckDbCredentials(str(path), global_config=settings)


def duckdb_schema(path: Path, dataset_name: str) -> str:
    """The DuckDB schema to load into.

    DuckDB names a database's catalog after its file, and refuses ``x.table`` as ambiguous when
    a schema has the catalog's name: the defaults ``visma_hrm.duckdb`` + ``visma_hrm`` would
    fail. Then the tables go into the file's ``main`` schema, where ``visma_hrm.contracts``
    still resolves (catalog ``visma_hrm``, default schema), as it does in PostgreSQL.
    """
    return "main" if path.stem.casefold() == dataset_name.casefold() else dataset_name


def prepare(pipeline: dlt.Pipeline, reporter: Reporter) -> int:
    """Restore state from the destination and finish packages an interrupted run left behind.

    Returns the number of packages finished.
    """
    try:
        pipeline.sync_destination()
        remove_abandoned_extracts(pipeline)
        drop_extracts_already_normalized(pipeline)
        if not pipeline.has_pending_data:
            return 0
        reporter.info("Finishing the load of an interrupted earlier run first.")
        pipeline.normalize()
        pending = len(pipeline.list_normalized_load_packages())
        pipeline.load()
        return pending
    except Exception as exc:
        raise DestinationError(_destination_message("prepare", exc)) from None


@contextlib.contextmanager
def spool_dir(pipeline: dlt.Pipeline) -> Iterator[Path]:
    """A fresh folder for this run's downloads, next to the pipeline's working folder.

    Files of a killed run (personal data) would stay behind in a random temp folder; here the
    next run of the same pipeline removes them first, and every run removes its own at the end.
    """
    spool = Path(pipeline.pipelines_dir) / f".{pipeline.pipeline_name}.spool"
    shutil.rmtree(spool, ignore_errors=True)
    spool.mkdir(parents=True, mode=0o700)
    try:
        yield spool
    finally:
        shutil.rmtree(spool, ignore_errors=True)


_EXTRACT_FOLDER = re.compile(r"^[0-9a-f]{16}$")


def remove_abandoned_extracts(pipeline: dlt.Pipeline) -> None:
    """Delete dlt's extract folders that a killed run left behind (parsed personal data).

    dlt extracts into a fresh ``normalize/<16 hex>`` folder and renames the package into
    ``normalize/extracted`` only when the extract completes, so such a folder is never used
    again: it is garbage holding rows of the customer. No extract runs at this point.
    """
    root = Path(pipeline.working_dir) / "normalize"
    if not root.is_dir():
        return
    for entry in root.iterdir():
        if entry.is_dir() and _EXTRACT_FOLDER.match(entry.name):
            shutil.rmtree(entry, ignore_errors=True)


def drop_extracts_already_normalized(pipeline: dlt.Pipeline) -> None:
    """Finish dlt's normalize commit that a kill interrupted.

    dlt renames the normalized package into place and then deletes the extracted one; killed
    in between, both exist and every later normalize fails on the existing folder, so the
    pipeline would be stuck for good. The normalized copy is complete: drop the extracted one.
    """
    extracted = Path(pipeline.working_dir) / "normalize" / "extracted"
    for load_id in set(pipeline.list_extracted_load_packages()) & set(
        pipeline.list_normalized_load_packages()
    ):
        shutil.rmtree(extracted / load_id, ignore_errors=True)


def _source_state(pipeline: SupportsPipeline) -> dict[str, Any]:
    sources: dict[str, Any] = pipeline.state.get("sources", {})
    return dict(sources.get(SOURCE_NAME, {}))


def _destination_message(step: str, exc: BaseException) -> str:
    inner = getattr(exc, "exception", exc)
    text = str(inner).strip().splitlines()
    first = text[0] if text else type(inner).__name__
    return redact_text(f"The destination failed ({step}): {type(inner).__name__}: {first}")


# ------------------------------------------------------------------------------- phase 1
@dataclass(frozen=True)
class _Plan:
    tenants: Sequence[str]
    datasets: Sequence[Dataset]
    explicit: bool
    selections: dict[str, FieldSelection | None]
    cursors: Cursors
    full_refresh: bool

    def since(self, tenant_id: str, dataset: str) -> str | None:
        if self.full_refresh:
            return None
        return self.cursors.get(tenant_id, {}).get(dataset)


@dataclass
class _Outcome:
    table: TableReport
    export: SpooledExport | None = None


async def extract_all(
    client_settings: ClientSettings,
    plan: _Plan,
    spool: Path,
    concurrency: int,
    reporter: Reporter,
) -> list[_Outcome]:
    """Phase 1: every (tenant, dataset) export spooled to disk, failures recorded one by one."""
    from visma_hrm.client import VismaClient

    bound = asyncio.Semaphore(concurrency)
    async with VismaClient(client_settings) as client:
        per_tenant = await asyncio.gather(
            *(_tenant_exports(client, t, plan, spool, bound, reporter) for t in plan.tenants)
        )
    return [outcome for outcomes in per_tenant for outcome in outcomes]


async def _tenant_exports(
    client: Any,
    tenant_id: str,
    plan: _Plan,
    spool: Path,
    bound: asyncio.Semaphore,
    reporter: Reporter,
) -> list[_Outcome]:
    outcomes = [
        _Outcome(
            TableReport(
                tenant_id, d.name, "incremental" if plan.since(tenant_id, d.name) else "full"
            )
        )
        for d in plan.datasets
    ]
    try:
        async with bound:
            approval = await client.approved_datasets(tenant_id, list(plan.datasets))
    except VismaHrmError as exc:
        for outcome in outcomes:
            outcome.table.fail(exc)
            reporter.stage(tenant_id, outcome.table.dataset, "failed")
        return outcomes
    runs = []
    for dataset, outcome in zip(plan.datasets, outcomes, strict=True):
        if dataset.name in approval.approved:
            runs.append(_export_one(client, dataset, outcome, plan, spool, bound, reporter))
        else:
            _not_approved(outcome, approval.refused.get(dataset.name), plan.explicit, reporter)
    await asyncio.gather(*runs)
    return outcomes


def _not_approved(
    outcome: _Outcome, reason: str | None, explicit: bool, reporter: Reporter
) -> None:
    table = outcome.table
    message = reason or (
        f"Tenant {table.tenant_id} did not approve dataset {table.dataset} for this application "
        "(the customer accepts datasets under My Apps in the Visma App Store)."
    )
    error = DatasetNotApprovedError(message, tenant_id=table.tenant_id, dataset=table.dataset)
    table.fail(error, "failed" if explicit else "skipped")
    reporter.stage(table.tenant_id, table.dataset, table.status)


def _timing_job(table: TableReport, reporter: Reporter) -> Callable[[ExportProgress], None]:
    """Pass progress on, noting how long the API took to finish the job (until downloads).

    The API's own job time is not the connector's work: bench/ subtracts it to compare ours
    with the lower bound, and a person sees whether a slow night was Visma or us.
    """

    def progress(event: ExportProgress) -> None:
        if event.phase == "downloading" and table.job_seconds is None:
            table.job_seconds = round(event.elapsed_s, 3)
        reporter.export_progress(event)

    return progress


async def _export_one(
    client: Any,
    dataset: Dataset,
    outcome: _Outcome,
    plan: _Plan,
    spool: Path,
    bound: asyncio.Semaphore,
    reporter: Reporter,
) -> None:
    table = outcome.table
    since = plan.since(table.tenant_id, dataset.name)
    folder = spool / table.tenant_id / dataset.name
    folder.mkdir(parents=True, exist_ok=True)
    async with bound:
        try:
            export = await client.export(
                table.tenant_id,
                dataset,
                since=since,
                fields=plan.selections.get(dataset.name),
                spool_dir=folder,
                progress=_timing_job(table, reporter),
            )
        except DatasetNotApprovedError as exc:
            # approvals are per scope, and one scope can cover datasets approved one by one
            _not_approved(outcome, exc.message, plan.explicit, reporter)
            return
        except VismaHrmError as exc:
            table.fail(exc)
            reporter.stage(table.tenant_id, dataset.name, "failed")
            return
    table.files, table.bytes, table.seconds = len(export.files), export.bytes, export.seconds
    outcome.export = SpooledExport(
        tenant_id=table.tenant_id,
        dataset=dataset,
        files=tuple(export.files),
        change_timestamp_before=export.change_timestamp_before,
        full=since is None,
    )
    reporter.stage(table.tenant_id, dataset.name, "downloaded")


# ------------------------------------------------------------------------------- phase 2
def _load(
    pipeline: dlt.Pipeline,
    outcomes: Sequence[_Outcome],
    started: datetime,
    report: SyncReport,
    reporter: Reporter,
) -> None:
    """Phase 2: one dlt run over every spooled export, then the per-tenant row counts."""
    if not outcomes:
        return
    tables = sorted({o.table.dataset for o in outcomes})
    before = count_rows(pipeline, tables)
    tally = ParseTally(on_rows=lambda t, d, n: reporter.stage(t, d, "parsing", n))
    clock = time.monotonic()
    try:
        for outcome in outcomes:
            reporter.stage(outcome.table.tenant_id, outcome.table.dataset, "loading")
        _extract_normalize_load(
            pipeline, [o.export for o in outcomes if o.export], started, tally, reporter
        )
    except Exception as exc:
        error = DestinationError(_destination_message("load", exc))
        for outcome in outcomes:
            outcome.table.fail(error)
            reporter.stage(outcome.table.tenant_id, outcome.table.dataset, "failed")
        return
    finally:
        report.load_seconds = round(time.monotonic() - clock, 3)
    after = count_rows(pipeline, tables)
    for outcome in outcomes:
        _fill_counts(outcome.table, tally, before, after)
        reporter.stage(outcome.table.tenant_id, outcome.table.dataset, outcome.table.status)


def _extract_normalize_load(
    pipeline: dlt.Pipeline,
    exports: list[SpooledExport],
    started: datetime,
    tally: ParseTally,
    reporter: Reporter,
) -> None:
    """dlt's three steps one by one (``prepare`` already did what ``run`` adds before them).

    The extract step commits data and cursors as one load package; from then on a crash
    leaves a package that the next run's ``prepare`` finishes.
    """
    reporter.info(f"Parsing {len(exports)} export(s) (dlt extract)")
    pipeline.extract(visma_source(exports, started, tally))
    reporter.info("Normalizing (dlt normalize)")
    pipeline.normalize()
    reporter.info(f"Loading into {pipeline.destination.destination_name} (dlt load)")
    pipeline.load()


def _fill_counts(
    table: TableReport,
    tally: ParseTally,
    before: dict[tuple[str, str], int],
    after: dict[tuple[str, str], int],
) -> None:
    key = (table.tenant_id, table.dataset)
    table.rows_received = tally.received.get(key, 0)
    table.rows_rejected = tally.rejected.get(key, 0)
    table.seconds = round(table.seconds + tally.seconds.get(key, 0.0), 3)
    table.rows_inserted = max(after.get(key, 0) - before.get(key, 0), 0)
    table.rows_updated = max(table.rows_received - table.rows_inserted, 0)
    if key in tally.failed:
        table.fail(tally.failed[key])


def count_rows(pipeline: dlt.Pipeline, tables: Sequence[str]) -> dict[tuple[str, str], int]:
    """Rows per (tenant, table) in the destination; a table not created yet counts as empty."""
    counts: dict[tuple[str, str], int] = {}
    with _sql_client(pipeline) as client:
        if client is None:
            return counts
        tenant = client.escape_column_name(TENANT_COLUMN)
        for name in tables:
            query = (
                f"SELECT {tenant}, count(*) FROM {client.make_qualified_table_name(name)} "
                f"GROUP BY {tenant}"
            )
            try:
                rows = client.execute_sql(query) or []
            except DatabaseUndefinedRelation:  # not created yet: nothing loaded so far
                continue
            counts.update({(str(t), name): int(n) for t, n in rows})
    return counts


@contextlib.contextmanager
def _sql_client(pipeline: dlt.Pipeline) -> Iterator[Any]:
    """The destination's SQL client, or None for destinations without one (filesystem)."""
    if pipeline.destination is None or "filesystem" in pipeline.destination.destination_type:
        yield None
        return
    try:
        client_cm = pipeline.sql_client()
    except Exception:
        yield None
        return
    with client_cm as client:
        yield client


# -------------------------------------------------------------------------- deletions
def _reconcile_all(pipeline: dlt.Pipeline, report: SyncReport, reporter: Reporter) -> None:
    """Mark rows gone from the last full export as deleted, for every dataset of this run."""
    _, last_full = read_positions(_source_state(pipeline))
    targets = [
        (t, datetime.fromisoformat(last_full[t.tenant_id][t.dataset]))
        for t in report.tables
        if t.dataset in last_full.get(t.tenant_id, {})
    ]
    if not targets:
        return
    with _sql_client(pipeline) as client:
        if client is None:
            report.warnings.append(
                f"The {report.destination} destination has no SQL client: rows deleted at the "
                "source are not marked as deleted."
            )
            return
        for table, cutoff in targets:
            try:
                table.rows_deleted += mark_deleted(client, table.tenant_id, table.dataset, cutoff)
            except Exception as exc:
                report.warnings.append(
                    _destination_message(f"marking deleted rows of {table.dataset}", exc)
                )
    for table, _ in targets:
        if table.rows_deleted:
            reporter.info(
                f"{table.tenant_id} {table.dataset}: {table.rows_deleted} rows marked deleted"
            )


def mark_deleted(client: Any, tenant_id: str, dataset: str, cutoff: datetime) -> int:
    """Soft-delete the tenant's rows that the full export started at ``cutoff`` did not carry.

    Idempotent: a second call finds nothing left to mark. Returns the rows marked now.
    """
    name = client.make_qualified_table_name(dataset)
    tenant, synced, deleted, deleted_at = (
        client.escape_column_name(c)
        for c in (TENANT_COLUMN, SYNCED_AT_COLUMN, DELETED_COLUMN, DELETED_AT_COLUMN)
    )
    where = f"{tenant} = %s AND {synced} < %s AND NOT {deleted}"
    try:
        rows = client.execute_sql(f"SELECT count(*) FROM {name} WHERE {where}", tenant_id, cutoff)
    except DatabaseUndefinedRelation:
        return 0  # the full export carried no rows and nothing was ever loaded
    found = int(rows[0][0]) if rows else 0
    if found:
        client.execute_sql(
            f"UPDATE {name} SET {deleted} = true, {deleted_at} = %s WHERE {where}",
            cutoff,
            tenant_id,
            cutoff,
        )
    return found
