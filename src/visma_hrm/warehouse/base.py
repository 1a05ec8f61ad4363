"""The warehouse seam: a ``Warehouse`` per kind of destination, made once from the settings.

``Warehouse.of(settings)`` picks the kind (a DuckDB file, a SQL server through dlt's SQL
client, Delta files) and from then on every destination question is asked of it, never of the
destination's name: which dlt destination, its label, the local folder, the locks, which after-
load steps it supports. During a run it hands out a ``Session``: the destination bound to the
run's dlt pipeline, answering positions, row counts, marking deleted rows and emptying columns.
``Warehouse.attach(pipeline)`` gives a user's own pipeline (``visma_hrm_source``) the same
``Session``. Failures leave a session as ``visma_hrm.errors`` classes (``warehouse.errors``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import dlt

from visma_hrm.config import Settings
from visma_hrm.errors import ConfigurationError
from visma_hrm.load.dlt_internals import default_pipelines_dir, destination_location
from visma_hrm.load.positions import Positions
from visma_hrm.messages import Note
from visma_hrm.warehouse.errors import translated
from visma_hrm.warehouse.folders import DestinationFolder, destination_key

if TYPE_CHECKING:
    from visma_hrm.catalog import Dataset
    from visma_hrm.load.pseudonyms import Pseudonymizer
    from visma_hrm.warehouse.runs import RunRecord
    from visma_hrm.warehouse.sql import SqlClient

STEPS = ("deletions", "exclusions", "retention", "history", "change_feed", "custom_fields")
"""Every after-load step a warehouse may or may not support (``visma_hrm.sync.steps``)."""


@dataclass
class Prepared:
    """What making a destination ready for a run did, for the run's report."""

    notes: list[Note] = field(default_factory=list)
    abandoned_runs_removed: int = 0


class Warehouse(ABC):
    """One destination, of one kind: everything a run asks of it before it holds a pipeline."""

    kind: ClassVar[str]
    supported_steps: ClassVar[frozenset[str]]
    single_writer: ClassVar[bool] = False
    """Only one process may write it at a time (a DuckDB file): the whole run holds it."""

    def __init__(self, settings: Settings, factory: Any, dataset_name: str, label: str) -> None:
        self.settings = settings
        self.factory = factory
        self.name: str = factory.destination_name
        self.dataset_name = dataset_name
        self.label = label
        base = settings.pipelines_dir or Path(default_pipelines_dir())
        location = f"{settings.destination}|{destination_location(factory)}|{dataset_name}"
        self.folder = DestinationFolder.for_location(base.expanduser().resolve(), location, label)

    # ----------------------------------------------------------------------- made once
    @staticmethod
    def of(settings: Settings) -> Warehouse:
        """The warehouse the settings name: the one place that reads ``destination``."""
        if settings.destination == "duckdb":
            from visma_hrm.warehouse.duckdb import DuckDbWarehouse

            return DuckDbWarehouse.of(settings)
        from visma_hrm.warehouse.files import FILESYSTEM, FilesWarehouse

        if settings.destination == FILESYSTEM:
            return FilesWarehouse.of(settings)
        from visma_hrm.warehouse.server import ServerWarehouse

        return ServerWarehouse.of(settings)

    @staticmethod
    def attach(pipeline: dlt.Pipeline) -> Session:
        """A session on a pipeline someone else made (``visma_hrm_source`` in a user's own)."""
        from visma_hrm.warehouse.duckdb import DuckDbSession
        from visma_hrm.warehouse.files import FILESYSTEM, FilesSession
        from visma_hrm.warehouse.server import ServerSession

        name = pipeline.destination.destination_name if pipeline.destination else ""
        if name == "duckdb":
            return DuckDbSession(pipeline)
        if pipeline.destination is not None and FILESYSTEM in pipeline.destination.destination_type:
            return FilesSession(pipeline)
        return ServerSession(pipeline)

    # ----------------------------------------------------------------------- questions
    def refuse_unsupported(self, wanted: Mapping[str, str]) -> None:
        """Stop before anything is asked when a setting asks for a step this kind lacks."""
        refuse(wanted, self.supports, f"the {self.name} destination ({self.label})")

    def supports(self, step: str) -> bool:
        return step in self.supported_steps

    # ----------------------------------------------------------------------- a run
    def prepare(self) -> Prepared:
        """Before the run's pipeline exists: remove what killed runs left behind."""
        return Prepared(abandoned_runs_removed=self.folder.remove_abandoned_runs())

    @contextlib.contextmanager
    def writers(
        self, tenants: Sequence[str], between: Callable[[], None] | None = None
    ) -> Iterator[None]:
        """Hold the right to write on this machine: the whole file of a single-writer
        destination, else each tenant. Without ``between`` a held lock fails at once, naming
        its holder (the command line); with it the run takes turns, calling ``between`` while
        it waits (orchestrators: it raises when a signal arrived)."""
        if self.single_writer:
            scopes = [("destination", self.label)]
        else:
            scopes = [
                (f"tenant-{destination_key(t)}", f"tenant {t} into {self.label}") for t in tenants
            ]
        with contextlib.ExitStack() as held:
            for scope, what in scopes:
                held.enter_context(self.folder.exclusive(scope, what, between))
            yield

    @contextlib.contextmanager
    def run(
        self, name: str, tenants: Sequence[str], between: Callable[[], None] | None = None
    ) -> Iterator[Session]:
        """The destination held for one run: locks, a fresh working folder, the pipeline."""
        with self.writers(tenants, between), self.folder.run_folder() as work:
            prepared = self.prepare()
            with self.opened() as destination:
                session = self.session(self.pipeline(name, work, destination))
                session.prepared = prepared
                with session.held(tenants, self.label):
                    yield session

    def opened(self) -> AbstractContextManager[Any]:
        """dlt's destination for one run (a kind may hold a connection for the whole run)."""
        return contextlib.nullcontext(self.factory)

    def pipeline(self, name: str, working_dir: Path, destination: Any = None) -> dlt.Pipeline:
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
            destination=destination or self.factory,
            dataset_name=self.dataset_name,
            pipelines_dir=str(working_dir),
        )
        return pipeline

    def inspect(self) -> dlt.Pipeline:
        """A pipeline to read this destination (tests, inspection); a run never reads its
        folder."""
        return self.pipeline(self.settings.pipeline_name, self.folder.root / "inspect")

    @abstractmethod
    def session(self, pipeline: dlt.Pipeline) -> Session:
        """This destination bound to a run's pipeline."""


def refuse(wanted: Mapping[str, str], supports: Callable[[str], bool], where: str) -> None:
    """Refuse, naming them, the settings whose step ``supports`` says no to.

    ``wanted``: step -> the setting that asks for it. A setting silently ignored would leave
    the destination unlike what the user asked for; so it is refused before anything is asked.
    """
    refused = sorted({setting for step, setting in wanted.items() if not supports(step)})
    if refused:
        raise ConfigurationError(
            f"{', '.join(refused)}: not available on {where}: the step's SQL changes tables in "
            "place, which is tested on DuckDB and PostgreSQL only (Delta files cannot be "
            "changed with SQL), and a step that silently did nothing would be worse. Remove the "
            "setting, or load into DuckDB or PostgreSQL."
        )


class Session(ABC):
    """The destination during one run: every question the run asks of it after it began."""

    supported_steps: ClassVar[frozenset[str]] = frozenset(STEPS)

    appends_first_loads: ClassVar[bool] = False
    """Whether a tenant's first load of a table may append (``visma_hrm.load.first_load``)."""

    erases_bytes: ClassVar[bool] = False
    """Whether removed values can be erased from the destination's own bytes here (a DuckDB
    file compacted, Delta files vacuumed); a server keeps its own copies (docs/privacy.md)."""

    load_workers: ClassVar[int] = 20
    """How many of dlt's load jobs (one per table file) run at once: dlt's default, but for a
    destination whose memory is the run's own (DuckDB)."""

    def __init__(self, pipeline: dlt.Pipeline) -> None:
        self.pipeline = pipeline
        self.prepared = Prepared()

    def translated(self, step: str) -> AbstractContextManager[None]:
        """Failures inside the block leave it as ``visma_hrm.errors`` classes."""
        return translated(step, destination=self.destination_name)

    def connecting(self) -> AbstractContextManager[None]:
        """Failures inside the block are the connection's: refused or unreachable."""
        return translated("connecting", destination=self.destination_name, connecting=True)

    def supports(self, step: str) -> bool:
        return step in self.supported_steps

    def refuse_unsupported(self, wanted: Mapping[str, str]) -> None:
        """As ``Warehouse.refuse_unsupported``, for a pipeline someone else made."""
        refuse(wanted, self.supports, f"the {self.destination_name} destination")

    @property
    def label(self) -> str:
        """The destination's name, for people (``duckdb``, ``postgres``, ...)."""
        return self.destination_name

    @property
    def destination_name(self) -> str:
        destination = self.pipeline.destination
        return str(destination.destination_name) if destination is not None else ""

    @contextlib.contextmanager
    def held(self, tenants: Sequence[str], label: str) -> Iterator[None]:
        """Locks the destination itself holds for the run (none but on PostgreSQL)."""
        yield

    def loading(
        self, on_wait: Callable[[str], None], between: Callable[[], None]
    ) -> AbstractContextManager[None]:
        """Held around dlt's load: loads into one server database take turns."""
        return contextlib.nullcontext()

    def sync_destination(self) -> None:
        """dlt's schema and state from the destination into this run's fresh folder."""
        with self.translated("reading the destination's schema"):
            self.pipeline.sync_destination()

    def prepare_source(self, source: Any) -> Any:
        """What this kind needs on the source's resources (Delta tables on files)."""
        return source

    def count_unchanged(self, datasets: Sequence[Dataset]) -> dict[tuple[str, str], int] | None:
        """Rows about to be merged that equal the stored row (None: this kind cannot tell)."""
        return None

    def check_privacy(self, pseudonymizer: Pseudonymizer | None) -> None:
        """Refuse a run that would mix clear values and pseudonyms (``load.pseudonyms``)."""
        from visma_hrm.load.pseudonyms import check_destination

        with self.reading() as sql, self.translated("reading the privacy marker"):
            check_destination(sql, pseudonymizer)

    @abstractmethod
    def reading(self) -> AbstractContextManager[SqlClient | None]:
        """A client to read tables with (None: nothing loaded yet)."""

    @abstractmethod
    def sql(self) -> AbstractContextManager[SqlClient]:
        """A client to change tables with SQL (history, change feed, retention)."""

    @abstractmethod
    def positions(self) -> Positions: ...

    @abstractmethod
    def stored_columns(self, table: str) -> list[str]: ...

    @abstractmethod
    def count_rows(self, tables: Sequence[str]) -> dict[tuple[str, str], int]:
        """Rows per (tenant, table); a table not created yet counts as empty."""

    @abstractmethod
    def current_rows(self, tenant_id: str, table: str) -> int:
        """The tenant's rows of ``table`` not marked deleted."""

    @abstractmethod
    def mark_deleted(self, table: str, cutoffs: Mapping[str, dt.datetime]) -> dict[str, int]:
        """Mark each tenant's rows of ``table`` not received since its cutoff deleted; how
        many per tenant now."""

    @abstractmethod
    def empty_columns(self, table: str, columns: Sequence[str]) -> tuple[list[str], int]:
        """Empty ``columns`` in every stored row; the columns that held a value, and rows."""

    @abstractmethod
    def forget_raw_rejected(self, dataset: str, before: dt.datetime) -> None:
        """Drop the raw text of the dataset's rejected rows stored before ``before``."""

    # ----------------------------------------------------------------------- operations
    @abstractmethod
    def record_run(self, record: RunRecord) -> None:
        """Append one run to the run log (``visma_hrm.warehouse.runs``)."""

    def erasure_pending(self) -> bool:
        """A run removed values whose bytes were not erased yet (it stopped in between)."""
        return False

    def erase(self) -> Note | None:
        """Erase removed and emptied values from the destination's bytes and mark the run log's
        pending erasure done; what was done, for the report (None: this kind keeps no bytes of
        its own that the connector can erase)."""
        return None

    def maintain(self) -> list[Note]:
        """Routine upkeep (``visma-hrm maintain``): what was done."""
        return []

    @abstractmethod
    def forget_tenant(self, tenant_id: str) -> dict[str, int]:
        """Delete every row of the tenant, in every table; rows deleted per table."""

    @abstractmethod
    def reload_tenant(self, tenant_id: str) -> int:
        """Forget the tenant's positions, so that its next run takes full exports; rows."""

    def settle(self) -> None:
        """Between the load and each after-load step: let go of what the destination holds in
        memory for the run so far (nothing to do on most kinds)."""
        return None

    def steps_done(self) -> dict[str, dt.datetime]:
        """Per tenant, the newest load the after-load steps ran after (none known: empty, so
        every load counts as pending and the idempotent steps run again)."""
        return {}

    def record_steps(self, through: Mapping[str, dt.datetime]) -> None:
        """Remember that the steps ran after each tenant's load ``through`` (this kind keeps
        no record: its steps run again each time, as they are idempotent)."""
        return None

    @property
    def work_dir(self) -> Path:
        """The run's working folder (dlt's pipelines folder of this run)."""
        return Path(self.pipeline.pipelines_dir)
