"""The destination a run loads into: the one place that knows how it is named and built.

From the user's settings it makes dlt's destination factory (a DuckDB file with bounded
memory, or a destination dlt resolves by name), the schema that holds the tables (for DuckDB
see ``visma_hrm.warehouse.duckdb_file``), the label people read, the local folder keyed by
location and dataset (``visma_hrm.warehouse.folders``), and the dlt pipeline of a run. It also
turns a destination's
failure into one line a person can act on. The sync, the demo, analytics and inspection all
take these from here.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dlt
import duckdb

from visma_hrm.config import Settings
from visma_hrm.errors import ConcurrentRunError, DestinationError, VismaHrmError
from visma_hrm.load.dlt_internals import (
    DuckDbCredentials,
    default_pipelines_dir,
    destination_location,
    resolve_destination,
)
from visma_hrm.load.positions import Positions, read_positions
from visma_hrm.redact import redact_text
from visma_hrm.sync.interrupt import stop_if_signalled
from visma_hrm.sync.report import Reporter
from visma_hrm.warehouse import files
from visma_hrm.warehouse.duckdb_file import adopt_old_default, duckdb_schema
from visma_hrm.warehouse.folders import DestinationFolder, destination_key


def tables_schema(cfg: Settings) -> str:
    """The schema (dlt's dataset) that holds the tables of the destination ``cfg`` names."""
    if cfg.destination == "duckdb":
        return duckdb_schema(cfg.duckdb_path.expanduser().resolve(), cfg.dataset_name)
    return cfg.dataset_name


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
            label = str(path)
        else:
            factory = resolve_destination(cfg.destination)
        dataset_name = tables_schema(cfg)
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
            raise destination_error("moving the file of the old default name", exc) from None

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


def stored_positions(pipeline: dlt.Pipeline) -> Positions:
    """Where each (tenant, dataset) stands, from the destination (nothing loaded: nowhere).

    dlt's own schema and state are taken from the destination too (into this run's fresh
    folder), so a run that loads nothing writes nothing, not even dlt's bookkeeping.
    """
    try:
        pipeline.sync_destination()
        files.refuse_plain_tables(pipeline)
        with sql_client(pipeline) as client:
            return read_positions(client)
    except VismaHrmError:
        raise
    except Exception as exc:
        raise destination_error("reading where the last sync stopped", exc) from None


def failed_to_prepare(exc: Exception) -> VismaHrmError:
    return destination_error("prepare", exc)


DUCKDB_LOCKED = "Could not set lock on file"


def destination_error(step: str, exc: BaseException) -> VismaHrmError:
    """The destination's failure in one line; a DuckDB file held by another program named."""
    text = str(getattr(exc, "exception", exc))
    if DUCKDB_LOCKED in text:
        holder = text.split("Conflicting lock is held in", 1)[-1].split(". See also")[0]
        return ConcurrentRunError(
            "The DuckDB file is open in another program that writes to it"
            f"{':' + holder.rstrip('.') if holder != text else ''}. DuckDB lets one process "
            "write a file at a time: close that program (a DuckDB shell, a notebook, a BI "
            "tool) or wait for it, then run again."
        )
    return DestinationError(destination_message(step, exc))


def destination_message(step: str, exc: BaseException) -> str:
    inner = getattr(exc, "exception", exc)
    text = str(inner).strip().splitlines()
    first = text[0] if text else type(inner).__name__
    return redact_text(f"The destination failed ({step}): {type(inner).__name__}: {first}")


@contextlib.contextmanager
def sql_client(pipeline: dlt.Pipeline) -> Iterator[Any]:
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
