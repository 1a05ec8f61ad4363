"""Sync orchestration: tenants x datasets, two phases, deletion reconciliation, the summary.

**Where a run starts** is read from the destination it loads into (``visma_hrm.positions``),
never from a local folder: an empty or new destination gets full exports, a restored backup
gets what it lacks. dlt's working folder is a cache of this run only (``visma_hrm.local``),
removed at its end; a killed run's folder is removed by the next run, which asks again for
what the killed one did not finish.

A run has two phases. **Phase 1** asks the API for every wanted (tenant, dataset), side by side
with a bound (``Settings.concurrency``); the client spools every file of each export into the
run's folder. One failure there is recorded and does not stop the others. **Phase 2** is one
dlt extract/normalize/load of the source over the spooled files (see ``visma_hrm.source``),
which writes each export's position row in the same load package as its rows.

After the load, deletions are marked on complete evidence only: a (tenant, dataset) whose newest
complete full export (every row parsed) started at T has its rows not received since T marked
deleted. That UPDATE is idempotent, so it is repeated every run, which also heals a crash between
load and reconciliation. Columns the user excludes (``fields``, privacy profile) are emptied in
the stored rows too.

Two runs never write the same data at once: a DuckDB file is held by one run; on server
databases each tenant is held by one run and loads take turns. SIGINT and SIGTERM stop the run
at a safe point with ``Interrupted``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import dlt
import duckdb
import pyarrow as pa

from visma_hrm import files_reconcile as files
from visma_hrm import first_load
from visma_hrm.catalog import (
    DATASETS,
    DELETED_COLUMN,
    REJECTED_ROWS_TABLE,
    TENANT_COLUMN,
    Dataset,
    privacy_excludes,
)
from visma_hrm.client.models import ExportProgress
from visma_hrm.client.settings import ClientSettings, FieldSelection
from visma_hrm.config import Settings
from visma_hrm.deletions import mark_deleted
from visma_hrm.dlt_internals import (
    SIGNAL_NAMES,
    DatabaseUndefinedRelation,
    DuckDbCredentials,
    default_pipelines_dir,
    destination_location,
    intercepted_signals,
    is_signal_failure,
    normalized_files,
    resolve_destination,
    signal_received,
)
from visma_hrm.duckdb_file import adopt_old_default, duckdb_schema
from visma_hrm.errors import (
    ConcurrentRunError,
    ConfigurationError,
    DatasetNotApprovedError,
    DestinationError,
    Interrupted,
    VismaHrmError,
)
from visma_hrm.local import DestinationFolder, destination_key
from visma_hrm.positions import Positions, read_positions
from visma_hrm.pseudonyms import Pseudonymizer, check_destination
from visma_hrm.redact import redact_text
from visma_hrm.retention import Retention, retention_step
from visma_hrm.server_locks import warehouse_locks
from visma_hrm.source import (
    ParseTally,
    SpooledExport,
    run_start,
    visma_source,
)
from visma_hrm.sqlclient import stored_columns

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

    ``rows_updated`` is "received, already present and changed"; rows the API sent again
    unchanged are ``rows_unchanged`` where that can be told (see there). ``seconds`` covers
    download and parsing of this export; the shared load is in ``SyncReport.load_seconds``.
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
    rows_unchanged: int | None = None
    """Rows received again exactly as stored (the API's change filter resends them); counted
    on DuckDB only, where the load's files and the database are on this machine (else None,
    and ``rows_updated`` includes them)."""
    rows_deleted: int = 0
    rows_rejected: int = 0
    seconds: float = 0.0
    job_seconds: float | None = None
    """How long the API took to finish the export job, as seen by the client."""

    def fail(self, error: VismaHrmError, status: Status = "failed") -> None:
        self.status = status
        self.error_code = error.code
        self.message = redact_text(error.message)


EXIT_OK = 0
EXIT_FAILED = 1
EXIT_REJECTED_ROWS = 3
"""Everything loaded but some rows could not be parsed: they are in ``_visma_rejected_rows``,
and the destination differs from the source by exactly those rows."""


@dataclass
class SyncReport:
    """Everything a person (or a machine, via ``--json``) needs to know about a run."""

    started_at: str
    destination: str
    dataset_name: str
    location: str = ""
    """Where the data went: the DuckDB file, or the destination and its dataset."""
    privacy_profile: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    """Per dataset, the ``fields`` value sent to the API (``a,b`` only these, ``!a,b`` all but)."""
    tables: list[TableReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What the run did besides loading rows (columns emptied, interrupted runs cleaned up)."""
    interrupted_runs_removed: int = 0
    """Working folders of killed earlier runs removed; what they did not load is asked again."""
    load_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when everything asked for was loaded (skipped datasets were not asked for)."""
        return all(t.status != "failed" for t in self.tables)

    @property
    def rows_rejected(self) -> int:
        return sum(t.rows_rejected for t in self.tables)

    @property
    def exit_code(self) -> int:
        """0 only when the destination equals what the API sent; see the EXIT_* constants."""
        if not self.ok:
            return EXIT_FAILED
        return EXIT_REJECTED_ROWS if self.rows_rejected else EXIT_OK

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

    Raises ``ConfigurationError`` (nothing to do or contradictory settings),
    ``DestinationError`` (the destination cannot be reached before anything is asked),
    ``ConcurrentRunError`` (another sync writes the same data) and ``Interrupted``.
    """
    reporter = reporter or NullReporter()
    cfg = settings.settings
    release_arrow_memory_promptly()
    client_settings = client_settings_from(cfg)
    tenants = cfg.require_tenants()
    datasets, explicit = wanted_datasets(cfg)
    selections = {d.name: field_selection(cfg, d) for d in datasets}
    pseudonymizer = Pseudonymizer.from_settings(cfg)
    Retention.from_settings(cfg)  # a bad retention setting stops the run before it asks
    target = Target.of(cfg)
    clock = time.monotonic()
    with intercepted_signals(), target.writers(tenants), target.folder.run_folder() as work:
        report = SyncReport(run_start().isoformat(), cfg.destination, target.dataset_name)
        report.location = target.label
        report.privacy_profile = cfg.privacy_profile
        report.fields = {n: p for n, sel in selections.items() if sel and (p := sel.to_param())}
        report.interrupted_runs_removed = target.folder.remove_abandoned_runs()
        if moved := target.adopt_old_default(cfg):
            report.notes.append(moved)
            reporter.info(moved)
        pipeline = target.pipeline(cfg.pipeline_name, work)
        with warehouse_locks(
            pipeline, target.dataset_name, target.label, _failed_to_prepare
        ) as warehouse:
            warehouse.hold_tenants(tenants)
            positions = _positions(pipeline)
            with _sql_client(pipeline) as sql:
                check_destination(sql, pseudonymizer)
            plan = _Plan(tenants, datasets, explicit, selections, positions, settings.full_refresh)
            report.notes += _selection_notes(plan)
            outcomes = _extract_or_stop(
                client_settings, plan, work / "spool", cfg.concurrency, reporter
            )
            report.tables = [o.table for o in outcomes]
            with target.loading(reporter), warehouse.loading(reporter.info, stop_if_signalled):
                _write(pipeline, plan, outcomes, report, reporter, cfg, pseudonymizer)
    report.seconds = round(time.monotonic() - clock, 3)
    return report


def _write(
    pipeline: dlt.Pipeline,
    plan: _Plan,
    outcomes: Sequence[_Outcome],
    report: SyncReport,
    reporter: Reporter,
    cfg: Settings,
    pseudonymizer: Pseudonymizer | None,
) -> None:
    """Phase 2 and what follows it, each step whole, a signal checked between them."""
    started = datetime.fromisoformat(report.started_at)
    loaded = [o for o in outcomes if o.export]
    _load(pipeline, loaded, started, report, reporter, pseudonymizer)
    stop_if_signalled()
    _reconcile_all(pipeline, plan, outcomes, started, report, reporter)
    stop_if_signalled()
    _empty_excluded_columns(pipeline, plan, started, report, reporter)
    stop_if_signalled()
    _change_feed(pipeline, cfg, plan.tenants, started, report, reporter)
    _retention(pipeline, cfg, plan.tenants, started, report, reporter)  # feed included
    stop_if_signalled()  # a signal in the last step must not end in exit 0 unseen


def _selection_notes(plan: _Plan) -> list[str]:
    changed = sorted(
        {d.name for t in plan.tenants for d in plan.datasets if plan.fields_changed(t, d.name)}
    )
    return [
        f"{name}: the column selection (fields, privacy profile) changed since the last export, "
        "so this export is full."
        for name in changed
    ]


def stop_if_signalled() -> None:
    """End the run here when SIGINT or SIGTERM arrived: every step before it is whole."""
    received = signal_received()
    if received is not None:
        name = SIGNAL_NAMES.get(received, f"signal {received}")
        raise Interrupted(
            received,
            f"Stopped by {name}. Everything loaded before stays as it was; the next sync asks "
            "again for what this one did not finish.",
        )


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
@dataclass(frozen=True)
class Target:
    """The destination a run loads into: dlt's factory for it, its name for people, its folder.

    The local folder is keyed by the destination's location and dataset (never by a fixed
    name), so two warehouses on one machine share nothing, and two folders that load the same
    warehouse share its locks.
    """

    factory: Any
    dataset_name: str
    label: str
    folder: DestinationFolder
    single_writer: bool
    """A DuckDB file admits one writing process: the whole run holds it."""

    @classmethod
    def of(cls, cfg: Settings) -> Target:
        files.check_table_format(cfg.destination, cfg.table_format)
        if cfg.destination == "duckdb":
            path = cfg.duckdb_path.expanduser().resolve()
            path.parent.mkdir(parents=True, exist_ok=True)
            factory: Any = dlt.destinations.duckdb(credentials=duckdb_credentials(path, cfg))
            dataset_name, label = duckdb_schema(path, cfg.dataset_name), str(path)
        else:
            factory, dataset_name = resolve_destination(cfg.destination), cfg.dataset_name
        location = destination_location(factory)
        if cfg.destination != "duckdb":
            label = f"{cfg.destination} {location} (dataset {dataset_name})"
        key = f"{cfg.destination}|{location}|{dataset_name}"
        base = cfg.pipelines_dir or Path(default_pipelines_dir())
        folder = DestinationFolder.for_location(base.expanduser().resolve(), key, label)
        return cls(factory, dataset_name, label, folder, cfg.destination == "duckdb")

    @contextlib.contextmanager
    def writers(self, tenants: Sequence[str]) -> Iterator[None]:
        """Hold the right to write: the whole DuckDB file, or each tenant on a server database."""
        with contextlib.ExitStack() as held:
            if self.single_writer:
                held.enter_context(self.folder.exclusive("destination", self.label))
            else:
                for tenant in tenants:
                    scope = f"tenant-{destination_key(tenant)}"
                    held.enter_context(
                        self.folder.exclusive(scope, f"tenant {tenant} into {self.label}")
                    )
            yield

    def loading(self, reporter: Reporter) -> contextlib.AbstractContextManager[None]:
        """Loads into one server database take turns: dlt's staging tables and DDL are shared."""
        if self.single_writer:
            return contextlib.nullcontext()
        return self.folder.waiting("load", reporter.info, stop_if_signalled)

    def adopt_old_default(self, cfg: Settings) -> str | None:
        """Move a DuckDB file of the old default name into place (see ``duckdb_file``)."""
        if not self.single_writer:
            return None
        try:
            return adopt_old_default(cfg.duckdb_path, cfg.dataset_name)
        except (duckdb.Error, OSError) as exc:
            raise _destination_error("moving the file of the old default name", exc) from None

    def pipeline(self, name: str, working_dir: Path) -> dlt.Pipeline:
        """A dlt pipeline into this destination whose local folder is ``working_dir``.

        Resources are extracted one after another (dlt's ``fifo``), not round-robin:
        round-robin keeps every dataset's CSV reader open with its read-ahead at once, and peak
        RSS grew with the export (bench/: 762 -> 592 MB at 1M rows). Staging tables are emptied
        after each load, so no second copy of personal data stays in ``<dataset>_staging``.
        A user's explicit setting of either still wins.
        """
        os.environ.setdefault("EXTRACT__NEXT_ITEM_MODE", "fifo")
        os.environ.setdefault("LOAD__TRUNCATE_STAGING_DATASET", "true")
        pipeline: dlt.Pipeline = dlt.pipeline(
            pipeline_name=name,
            destination=self.factory,
            dataset_name=self.dataset_name,
            pipelines_dir=str(working_dir),
        )
        return pipeline


def make_pipeline(cfg: Settings) -> dlt.Pipeline:
    """A pipeline to read the destination the settings point at (inspection, tests).

    Its working folder is the destination's own ``inspect`` folder: a run never reads it.
    """
    target = Target.of(cfg)
    return target.pipeline(cfg.pipeline_name, target.folder.root / "inspect")


def duckdb_credentials(path: Path, cfg: Settings) -> DuckDbCredentials:
    """A DuckDB file with bounded memory: a merge of a large export spills to disk rather than
    taking the machine's RAM (DuckDB's default limit is 80% of it), and insertion order is not
    kept because nothing reads these tables in load order."""
    settings = {"memory_limit": cfg.duckdb_memory_limit, "preserve_insertion_order": False}
    return DuckDbCredentials(str(path), global_config=settings)


def _positions(pipeline: dlt.Pipeline) -> Positions:
    """Where each (tenant, dataset) stands, from the destination (nothing loaded: nowhere).

    dlt's own schema and state are taken from the destination too (into this run's fresh
    folder), so a run that loads nothing writes nothing, not even dlt's bookkeeping.
    """
    try:
        pipeline.sync_destination()
        files.refuse_plain_tables(pipeline)
        with _sql_client(pipeline) as client:
            return read_positions(client)
    except VismaHrmError:
        raise
    except Exception as exc:
        raise _destination_error("reading where the last sync stopped", exc) from None


def _failed_to_prepare(exc: Exception) -> VismaHrmError:
    return _destination_error("prepare", exc)


_DUCKDB_LOCKED = "Could not set lock on file"


def _destination_error(step: str, exc: BaseException) -> VismaHrmError:
    """The destination's failure in one line; a DuckDB file held by another program named."""
    text = str(getattr(exc, "exception", exc))
    if _DUCKDB_LOCKED in text:
        holder = text.split("Conflicting lock is held in", 1)[-1].split(". See also")[0]
        return ConcurrentRunError(
            "The DuckDB file is open in another program that writes to it"
            f"{':' + holder.rstrip('.') if holder != text else ''}. DuckDB lets one process "
            "write a file at a time: close that program (a DuckDB shell, a notebook, a BI "
            "tool) or wait for it, then run again."
        )
    return DestinationError(_destination_message(step, exc))


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
    positions: Positions
    full_refresh: bool

    def since(self, tenant_id: str, dataset: str) -> str | None:
        if self.full_refresh or self.fields_changed(tenant_id, dataset):
            return None
        return self.positions.cursor(tenant_id, dataset)

    def fields_changed(self, tenant_id: str, dataset: str) -> bool:
        """The column selection differs from the last export's: stored rows do not match it.

        Rows an incremental export does not resend would keep the old selection's columns
        (a widened selection would leave them empty), so the export is full.
        """
        if (tenant_id, dataset) not in self.positions.by_pair:
            return False
        selection = self.selections.get(dataset)
        wanted = selection.to_param() if selection else None
        return self.positions.fields(tenant_id, dataset) != wanted


@dataclass
class _Outcome:
    table: TableReport
    export: SpooledExport | None = None


def _extract_or_stop(
    client_settings: ClientSettings,
    plan: _Plan,
    spool: Path,
    concurrency: int,
    reporter: Reporter,
) -> list[_Outcome]:
    """Phase 1, ended early (every request cancelled) when SIGINT or SIGTERM arrives."""

    async def until_signalled() -> None:
        while signal_received() is None:
            await asyncio.sleep(0.1)

    async def race() -> list[_Outcome]:
        extraction = extract_all(client_settings, plan, spool, concurrency, reporter)
        work = asyncio.ensure_future(extraction)
        watch = asyncio.ensure_future(until_signalled())
        await asyncio.wait({work, watch}, return_when=asyncio.FIRST_COMPLETED)
        watch.cancel()
        if not work.done():
            work.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await work
            stop_if_signalled()
        return work.result()

    outcomes = asyncio.run(race())
    stop_if_signalled()
    return outcomes


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
    selection = plan.selections.get(dataset.name)
    outcome.export = SpooledExport(
        tenant_id=table.tenant_id,
        dataset=dataset,
        files=tuple(export.files),
        change_timestamp_before=export.change_timestamp_before,
        full=since is None,
        since=since,
        fields=selection.to_param() if selection else None,
    )
    reporter.stage(table.tenant_id, dataset.name, "downloaded")


# ------------------------------------------------------------------------------- phase 2
def _load(
    pipeline: dlt.Pipeline,
    outcomes: Sequence[_Outcome],
    started: datetime,
    report: SyncReport,
    reporter: Reporter,
    pseudonymizer: Pseudonymizer | None = None,
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
        unchanged = _extract_normalize_load(
            pipeline,
            [o.export for o in outcomes if o.export],
            started,
            tally,
            reporter,
            pseudonymizer,
            before,
        )
    except Exception as exc:
        if is_signal_failure(exc):
            stop_if_signalled()
        error = _destination_error("load", exc)
        for outcome in outcomes:
            outcome.table.fail(error)
            reporter.stage(outcome.table.tenant_id, outcome.table.dataset, "failed")
        return
    finally:
        report.load_seconds = round(time.monotonic() - clock, 3)
    after = count_rows(pipeline, tables)
    for outcome in outcomes:
        _fill_counts(outcome.table, tally, before, after, unchanged)
        reporter.stage(outcome.table.tenant_id, outcome.table.dataset, outcome.table.status)


def _extract_normalize_load(
    pipeline: dlt.Pipeline,
    exports: list[SpooledExport],
    started: datetime,
    tally: ParseTally,
    reporter: Reporter,
    pseudonymizer: Pseudonymizer | None = None,
    stored: dict[tuple[str, str], int] | None = None,
) -> dict[tuple[str, str], int] | None:
    """dlt's three steps one by one, stopping between them when a signal arrived.

    The extract step puts data and position rows in one load package; the destination counts
    the positions only once dlt has recorded the whole package as loaded. ``stored`` (rows per
    tenant and table before the run) lets first loads append (``visma_hrm.first_load``).
    """
    reporter.info(f"Parsing {len(exports)} export(s) (dlt extract)")
    duck = pipeline.destination is not None and pipeline.destination.destination_name == "duckdb"
    pairs = [(e.tenant_id, e.dataset) for e in exports]
    append = first_load.append_tables(pairs, stored) if duck and stored is not None else set()
    source = visma_source(exports, started, tally, pseudonymizer=pseudonymizer, append=append)
    pipeline.extract(files.with_table_format(source, pipeline))
    stop_if_signalled()
    reporter.info("Normalizing (dlt normalize)")
    pipeline.normalize()
    stop_if_signalled()
    if append:
        datasets = {e.dataset for e in exports}
        first_load.collapse_duplicate_keys(normalized_files(pipeline), datasets, append)
    unchanged = count_unchanged(pipeline, sorted({e.dataset for e in exports}, key=str))
    reporter.info(f"Loading into {pipeline.destination.destination_name} (dlt load)")
    pipeline.load()
    return unchanged


def _fill_counts(
    table: TableReport,
    tally: ParseTally,
    before: dict[tuple[str, str], int],
    after: dict[tuple[str, str], int],
    unchanged: dict[tuple[str, str], int] | None,
) -> None:
    key = (table.tenant_id, table.dataset)
    table.rows_received = tally.received.get(key, 0)
    table.rows_rejected = tally.rejected.get(key, 0)
    table.seconds = round(table.seconds + tally.seconds.get(key, 0.0), 3)
    table.rows_inserted = max(after.get(key, 0) - before.get(key, 0), 0)
    resent = max(table.rows_received - table.rows_inserted, 0)
    if unchanged is not None:
        table.rows_unchanged = min(unchanged.get(key, 0), resent)
        resent -= table.rows_unchanged
    table.rows_updated = resent
    if key in tally.failed:
        table.fail(tally.failed[key])


def count_unchanged(
    pipeline: dlt.Pipeline, datasets: Sequence[Dataset]
) -> dict[tuple[str, str], int] | None:
    """Per (tenant, table), the rows about to be merged that equal the stored row exactly.

    Read between normalize and load: the package's files (Parquet, on this machine) joined with
    the stored rows on the key, every column the export carries compared. Only on DuckDB,
    where both sides are local; elsewhere None (a second read of the warehouse per run would
    cost more than the figure is worth).
    """
    if pipeline.destination is None or pipeline.destination.destination_name != "duckdb":
        return None
    package_files = normalized_files(pipeline)
    counts: dict[tuple[str, str], int] = {}
    with _sql_client(pipeline) as client:
        for dataset in datasets:
            parquet = [f for f in package_files.get(dataset.table, []) if f.endswith(".parquet")]
            stored = set(stored_columns(client, dataset.table)) if parquet else set()
            if stored:
                counts.update(_unchanged_rows(client, dataset, parquet, stored))
    return counts


def _unchanged_rows(
    client: Any, dataset: Dataset, files: Sequence[str], stored: set[str]
) -> dict[tuple[str, str], int]:
    source = "read_parquet([" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "])"
    with client.execute_query(f"SELECT * FROM {source} LIMIT 0") as cursor:
        incoming = [str(d[0]) for d in cursor.description]
    q = client.escape_column_name
    keys = set(dataset.key)
    compared = [c for c in incoming if c in stored and c not in keys and not _bookkeeping(c)]
    on = " AND ".join(f"i.{q(k)} = t.{q(k)}" for k in dataset.key)
    same = " AND ".join([f"i.{q(c)} IS NOT DISTINCT FROM t.{q(c)}" for c in compared] or ["TRUE"])
    table = client.make_qualified_table_name(dataset.table)
    rows = client.execute_sql(
        f"SELECT i.{q(TENANT_COLUMN)}, count(*) FROM {source} i JOIN {table} t ON {on} "
        f"WHERE {same} AND NOT t.{q(DELETED_COLUMN)} GROUP BY 1"
    )
    return {(str(t), dataset.name): int(n) for t, n in rows or []}


def count_rows(pipeline: dlt.Pipeline, tables: Sequence[str]) -> dict[tuple[str, str], int]:
    """Rows per (tenant, table) in the destination; a table not created yet counts as empty."""
    if files.is_file_destination(pipeline):
        return files.count_rows(pipeline, tables)
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
    """The destination's SQL client, or None for destinations without one.

    On the filesystem destination it reads the files (for the positions) and cannot update
    them: ``files_reconcile`` does what needs writing there.
    """
    if pipeline.destination is None:
        yield None
        return
    if files.is_file_destination(pipeline):
        with files.sql_client(pipeline) as client:
            yield client
        return
    try:
        client_cm = pipeline.sql_client()
    except Exception:
        yield None
        return
    with client_cm as client:
        yield client


# -------------------------------------------------------------------------- deletions
def _reconcile_all(
    pipeline: dlt.Pipeline,
    plan: _Plan,
    outcomes: Sequence[_Outcome],
    started: datetime,
    report: SyncReport,
    reporter: Reporter,
) -> None:
    """Mark rows gone from the newest complete full export as deleted, for this run's pairs."""
    targets = []
    for outcome in outcomes:
        table = outcome.table
        if table.status == "skipped":
            continue
        cutoff = _deletion_evidence(outcome, started, plan.positions)
        if cutoff is not None:
            targets.append((table, cutoff))
        if outcome.export and outcome.export.full and table.rows_rejected:
            report.notes.append(
                f"{table.tenant_id} {table.dataset}: the full export had {table.rows_rejected} "
                "rejected row(s), so it is no evidence of deletions: no row was marked deleted."
            )
    if not targets:
        return
    if files.is_file_destination(pipeline):
        _mark_all(lambda t, d, c: files.mark_deleted(pipeline, t, d, c), targets)
    else:
        with _sql_client(pipeline) as client:
            if client is None:
                report.warnings.append(
                    f"The {report.destination} destination has no SQL client: rows deleted at "
                    "the source are not marked as deleted."
                )
                return
            _mark_all(lambda t, d, c: mark_deleted(client, t, d, c), targets)
    for table, _ in targets:
        if table.rows_deleted:
            reporter.info(
                f"{table.tenant_id} {table.dataset}: {table.rows_deleted} rows marked deleted"
            )


def _mark_all(
    mark: Callable[[str, str, datetime], int],
    targets: Sequence[tuple[TableReport, datetime]],
) -> None:
    """Mark each pair; a pair whose marking failed fails (exit 1): its rows are loaded, but
    rows gone at the source still look current, so the destination is not equal to it. The
    next run repeats the (idempotent) marking from the stored evidence."""
    for table, cutoff in targets:
        try:
            table.rows_deleted += mark(table.tenant_id, table.dataset, cutoff)
        except Exception as exc:
            step = f"marking deleted rows of {table.dataset}"
            table.fail(
                DestinationError(
                    f"{_destination_message(step, exc)}. The rows are loaded; rows deleted at "
                    "the source are not marked yet: the next sync marks them."
                )
            )


def _deletion_evidence(
    outcome: _Outcome, started: datetime, positions: Positions
) -> datetime | None:
    """Start of the newest complete full export of the pair: this run's, or a stored one."""
    table, export = outcome.table, outcome.export
    if export and export.full and table.status == "ok" and not table.rows_rejected:
        return started
    return positions.complete_full_at(table.tenant_id, table.dataset)


# -------------------------------------------------------------------------- retention
def _retention(
    pipeline: dlt.Pipeline,
    cfg: Settings,
    tenants: Sequence[str],
    started: datetime,
    report: SyncReport,
    reporter: Reporter,
) -> None:
    """Empty or remove the data of people gone longer than ``retention`` (visma_hrm.retention)."""
    try:
        with _sql_client(pipeline) as sql:
            notes, warnings = retention_step(sql, cfg, tenants, started.date())
    except VismaHrmError:
        raise
    except Exception as exc:
        raise _destination_error("applying retention", exc) from None
    for note in notes:
        reporter.info(note)
    report.notes += notes
    report.warnings += warnings


def _change_feed(
    pipeline: dlt.Pipeline,
    cfg: Settings,
    tenants: Sequence[str],
    started: datetime,
    report: SyncReport,
    reporter: Reporter,
) -> None:
    """Add this sync's business events to ``changes`` (visma_hrm.changes); opt-in for now."""
    if not cfg.change_feed:
        return
    from visma_hrm.changes import PERSONAL, update_feed

    selection = field_selection(cfg, DATASETS["employees"])
    ignored: frozenset[str] = frozenset()
    if selection is not None:
        kept = set(selection.include)
        ignored = (
            frozenset(c for c in PERSONAL if c not in kept)
            if kept
            else frozenset(selection.exclude)
        )
    try:
        with _sql_client(pipeline) as sql:
            if sql is None:
                return
            added = update_feed(sql, tenants, started, ignored)
    except Exception as exc:
        raise _destination_error("updating the change feed", exc) from None
    note = f"changes: {added:,} new event(s)"
    report.notes.append(note)
    reporter.info(note)


# -------------------------------------------------------------------------- exclusions
def _empty_excluded_columns(
    pipeline: dlt.Pipeline,
    plan: _Plan,
    started: datetime,
    report: SyncReport,
    reporter: Reporter,
) -> None:
    """Empty, in every stored row of the dataset, the columns the user's ``fields`` keep out.

    Excluding a column at the API keeps it out of new exports; rows loaded before the exclusion
    still hold it. Here they lose it too, for every tenant of the table, in the same run, and
    raw rejected rows of the dataset loaded before this run (which may hold it) lose their text.
    Only once every export of the dataset in this run succeeded: a selection the API refused
    (a mistyped column in an include list) must not empty anything.
    """
    statuses: dict[str, set[str]] = {}
    for table in report.tables:
        statuses.setdefault(table.dataset, set()).add(table.status)
    wanted = [
        (d, s)
        for d in plan.datasets
        if (s := plan.selections.get(d.name)) is not None
        and "ok" in statuses.get(d.name, ())
        and "failed" not in statuses.get(d.name, ())
    ]
    for dataset in plan.datasets:
        if plan.selections.get(dataset.name) and "failed" in statuses.get(dataset.name, ()):
            report.notes.append(
                f"{dataset.table}: columns kept out by fields were not emptied in stored rows, "
                "because an export of it failed (the API must accept the selection first); "
                "the next successful run empties them."
            )
    if not wanted:
        return
    on_files = files.is_file_destination(pipeline)
    with contextlib.nullcontext() if on_files else _sql_client(pipeline) as client:
        if client is None and not on_files:
            report.warnings.append(
                f"The {report.destination} destination has no SQL client: columns excluded "
                "after an earlier load keep their old values in the stored files."
            )
            return
        for dataset, selection in wanted:
            try:
                if on_files:
                    emptied = files.empty_columns(
                        pipeline, dataset, selection, started, _bookkeeping
                    )
                else:
                    emptied = _empty_columns_of(client, dataset, selection, started)
            except Exception as exc:
                step = f"emptying excluded columns of {dataset.table}"
                raise _destination_error(step, exc) from None
            if emptied:
                columns, rows = emptied
                note = f"{dataset.table}: emptied {', '.join(columns)} in {rows:,} stored row(s)"
                report.notes.append(note + " (excluded by fields or privacy profile).")
                reporter.info(note)


def _empty_columns_of(
    client: Any, dataset: Dataset, selection: FieldSelection, started: datetime
) -> tuple[list[str], int] | None:
    stored = stored_columns(client, dataset.table)
    if selection.include:
        keep = {*selection.include, *dataset.key}
        columns = [c for c in stored if c not in keep and not _bookkeeping(c)]
    else:
        columns = [c for c in selection.exclude if c in stored]
    if not columns:
        return None
    _forget_raw_rejected(client, dataset, started)  # first: idempotent, never skipped
    name = client.make_qualified_table_name(dataset.table)
    escaped = {c: client.escape_column_name(c) for c in columns}
    # only the columns that still hold a value are named in the report: the others were
    # emptied by an earlier run, and saying so again would misstate what this run did
    counts = client.execute_sql(
        "SELECT " + ", ".join(f"count({e})" for e in escaped.values()) + f" FROM {name}"
    )
    columns = [c for c, n in zip(columns, counts[0] if counts else (), strict=False) if n]
    if not columns:
        return None
    holding = " OR ".join(f"{escaped[c]} IS NOT NULL" for c in columns)
    rows = client.execute_sql(f"SELECT count(*) FROM {name} WHERE {holding}")
    found = int(rows[0][0]) if rows else 0
    assignments = ", ".join(f"{escaped[c]} = NULL" for c in columns)
    client.execute_sql(f"UPDATE {name} SET {assignments} WHERE {holding}")
    return columns, found


def _forget_raw_rejected(client: Any, dataset: Dataset, started: datetime) -> None:
    """Rejected rows keep the export's raw text, excluded columns included: drop that text."""
    name = client.make_qualified_table_name(REJECTED_ROWS_TABLE)
    with contextlib.suppress(DatabaseUndefinedRelation):
        client.execute_sql(
            f"UPDATE {name} SET raw = NULL WHERE dataset = %s AND synced_at < %s "
            "AND raw IS NOT NULL",
            dataset.name,
            started,
        )


def _bookkeeping(column: str) -> bool:
    return column == TENANT_COLUMN or column.startswith(("_visma_", "_dlt_"))
