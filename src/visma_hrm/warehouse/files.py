"""The Delta files kind (dlt's ``filesystem`` destination): a folder or bucket of Delta tables.

Deletions and exclusions are done in place with delta-rs (``visma_hrm.warehouse.delta``), the
positions read through dlt's SQL client over the files (DuckDB views, read-only). History, the
change feed and retention need SQL that changes tables, which files do not have: they are
refused before anything is asked, never silently skipped. Two machines syncing into one bucket
at once are not kept apart: the locks are local to one machine (docs/sync.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

import dlt

from visma_hrm.config import Settings
from visma_hrm.errors import ConfigurationError
from visma_hrm.load.dlt_internals import destination_location, resolve_destination
from visma_hrm.load.positions import Positions, read_positions
from visma_hrm.messages import Note
from visma_hrm.warehouse import delta, delta_upkeep
from visma_hrm.warehouse.base import Session, Warehouse
from visma_hrm.warehouse.delta import FILESYSTEM, check_table_format
from visma_hrm.warehouse.runs import RunRecord
from visma_hrm.warehouse.sql import SqlClient

__all__ = ["FILESYSTEM", "FilesSession", "FilesWarehouse", "check_table_format"]


class FilesWarehouse(Warehouse):
    """Delta tables in a folder or bucket, for Power BI and Fabric."""

    kind = "files"
    supported_steps = frozenset({"deletions", "exclusions"})

    @classmethod
    def of(cls, settings: Settings) -> FilesWarehouse:
        check_table_format(settings.destination, settings.table_format)
        secret = settings.destination_credentials
        factory = resolve_destination(FILESYSTEM, secret.reveal() if secret else None)
        location = destination_location(factory)
        label = f"{FILESYSTEM} {location} (dataset {settings.dataset_name})"
        return cls(settings, factory, settings.dataset_name, label)

    def session(self, pipeline: dlt.Pipeline) -> Session:
        return FilesSession(pipeline)


class FilesSession(Session):
    """A run's Delta tables: delta-rs writes, dlt's SQL client over the files reads."""

    supported_steps = FilesWarehouse.supported_steps
    erases_bytes = True

    def sync_destination(self) -> None:
        super().sync_destination()
        delta.refuse_plain_tables(self.pipeline)

    def prepare_source(self, source: Any) -> Any:
        return delta.with_table_format(source)

    @contextlib.contextmanager
    def reading(self) -> Iterator[SqlClient | None]:
        """dlt's SQL client over the files; None before the first load (no schema yet)."""
        if not self.pipeline.default_schema_name:
            yield None
            return
        with self.translated("reading the files"), self.pipeline.sql_client() as client:
            yield client

    def sql(self) -> AbstractContextManager[SqlClient]:
        raise ConfigurationError(
            "Delta files cannot be changed with SQL (history, change feed, retention are "
            "refused on the filesystem destination)."
        )

    def positions(self) -> Positions:
        with self.reading() as sql, self.translated("reading where the last sync stopped"):
            return read_positions(sql)

    def stored_columns(self, table: str) -> list[str]:
        """A Delta table's columns, read by delta-rs (DuckDB would need its delta extension)."""
        with self.translated(f"reading the columns of {table}"):
            return delta.stored_columns(self.pipeline, table)

    def count_rows(self, tables: Sequence[str]) -> dict[tuple[str, str], int]:
        with self.translated("counting rows"):
            return delta.count_rows(self.pipeline, tables)

    def current_rows(self, tenant_id: str, table: str) -> int:
        with self.translated("counting rows"):
            return delta.current_rows(self.pipeline, tenant_id, table)

    def mark_deleted(self, table: str, cutoffs: Mapping[str, dt.datetime]) -> dict[str, int]:
        with self.translated(f"marking deleted rows of {table}"):
            return {
                tenant: delta.mark_deleted(self.pipeline, tenant, table, cutoff)
                for tenant, cutoff in cutoffs.items()
            }

    def empty_columns(self, table: str, columns: Sequence[str]) -> tuple[list[str], int]:
        with self.translated(f"emptying columns of {table}"):
            return delta.empty_columns(self.pipeline, table, columns)

    def forget_raw_rejected(self, dataset: str, before: dt.datetime) -> None:
        with self.translated("emptying rejected rows' raw text"):
            delta.forget_raw_rejected(self.pipeline, dataset, before)

    # ----------------------------------------------------------------------- operations
    def record_run(self, record: RunRecord) -> None:
        with self.translated("writing the run log"):
            delta_upkeep.write_run(self.pipeline, record)

    def erasure_pending(self) -> bool:
        with self.translated("reading the run log"):
            return delta_upkeep.erasure_pending(self.pipeline)

    def erase(self) -> Note:
        """Every Delta table vacuumed with no retention, its old log dropped; then the run
        log says so."""
        with self.translated("vacuuming the Delta tables"):
            tables = delta_upkeep.erase(self.pipeline)
        with self.translated("writing the run log"):
            delta_upkeep.mark_erased(self.pipeline)
        return Note("note.erased.delta", tables=", ".join(tables) or "-")

    def maintain(self) -> list[Note]:
        with self.translated("compacting the Delta tables"):
            compacted = delta_upkeep.maintain(self.pipeline)
        return [
            Note("note.maintained.delta", table=name, files=before, now=after)
            for name, (before, after) in compacted.items()
        ] or [Note("note.maintained.delta_nothing", changed=False)]

    def forget_tenant(self, tenant_id: str) -> dict[str, int]:
        with self.translated(f"deleting the rows of tenant {tenant_id}"):
            return delta_upkeep.forget(self.pipeline, tenant_id)

    def reload_tenant(self, tenant_id: str) -> int:
        with self.translated(f"rewriting the positions of tenant {tenant_id}"):
            return delta_upkeep.forget_positions(self.pipeline, tenant_id)
