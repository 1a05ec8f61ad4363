"""The SQL server kind: PostgreSQL, SQL Server, Snowflake, BigQuery, ... through dlt's SQL client.

Any dlt destination with an SQL client. Its runs meet only in the warehouse: on PostgreSQL
they take advisory locks there (``visma_hrm.warehouse.locks``: one run per tenant, loads
taking turns); on one machine they also take turns on file locks. Deletions and exclusions are
plain SQL and run everywhere; history, the change feed and retention are tested on PostgreSQL
and MotherDuck (DuckDB's dialect) and refused elsewhere before anything is asked.

A connection the server refuses while it answers on its port (a wrong password, a database
that does not exist) is a permanent error; a server that does not answer, a temporary one
(``visma_hrm.warehouse.errors``): the host and port come from the destination's credentials.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

import dlt

from visma_hrm.config import Settings
from visma_hrm.errors import ConfigurationError
from visma_hrm.load.dlt_internals import destination_location, resolve_destination
from visma_hrm.messages import Note
from visma_hrm.warehouse.base import Session, Warehouse
from visma_hrm.warehouse.errors import translated
from visma_hrm.warehouse.folders import DestinationFolder
from visma_hrm.warehouse.locks import AdvisoryLocks
from visma_hrm.warehouse.sql import SqlSession

SQL_TESTED = ("postgres", "motherduck")
"""Where the history, change feed and retention SQL is tested (PostgreSQL and DuckDB)."""
ADVISORY_LOCKS = ("postgres",)


class ServerWarehouse(Warehouse):
    """A database server dlt loads through its SQL client."""

    kind = "server"
    supported_steps = frozenset({"deletions", "exclusions"})

    def __init__(self, settings: Settings, factory: Any) -> None:
        location = destination_location(factory)
        label = f"{settings.destination} {location} (dataset {settings.dataset_name})"
        super().__init__(settings, factory, settings.dataset_name, label)
        self.server = server_address(factory)

    @classmethod
    def of(cls, settings: Settings) -> ServerWarehouse:
        if settings.table_format is not None:
            raise ConfigurationError(
                "table_format applies to the filesystem destination only, not to "
                f"{settings.destination}."
            )
        secret = settings.destination_credentials
        factory = resolve_destination(settings.destination, secret.reveal() if secret else None)
        return cls(settings, factory)

    def supports(self, step: str) -> bool:
        return super().supports(step) or self.name in SQL_TESTED

    def session(self, pipeline: dlt.Pipeline) -> Session:
        return ServerSession(pipeline, self.folder, self.server)


def server_address(factory: Any) -> tuple[str, int] | None:
    """The host and port the destination's credentials name, if they name one."""
    credentials = getattr(factory.configuration(None, accept_partial=True), "credentials", None)
    host, port = getattr(credentials, "host", None), getattr(credentials, "port", None)
    return (str(host), int(port)) if host and port else None


class ServerSession(SqlSession):
    """A run's server database: advisory locks on PostgreSQL, turns for loads."""

    supported_steps = ServerWarehouse.supported_steps

    def __init__(
        self,
        pipeline: dlt.Pipeline,
        folder: DestinationFolder | None = None,
        server: tuple[str, int] | None = None,
    ) -> None:
        super().__init__(pipeline)
        self.folder = folder
        self.server = server
        self.locks = AdvisoryLocks(None, pipeline.dataset_name, "")

    def supports(self, step: str) -> bool:
        return super().supports(step) or self.destination_name in SQL_TESTED

    def translated(self, step: str) -> AbstractContextManager[None]:
        return translated(step, server=self.server, destination=self.destination_name)

    def erase(self) -> Note:
        """A server keeps removed rows' bytes in its own files, log and backups until it
        reuses the space: said in the report, with where docs/privacy.md says how to erase."""
        return Note("note.erased.server", destination=self.destination_name)

    def maintain(self) -> list[Note]:
        return [Note("note.maintained.server", destination=self.destination_name)]

    def connecting(self) -> AbstractContextManager[None]:
        return translated(
            "connecting", server=self.server, destination=self.destination_name, connecting=True
        )

    @contextlib.contextmanager
    def held(self, tenants: Sequence[str], label: str) -> Iterator[None]:
        """On PostgreSQL, each tenant's lock in the warehouse, on a connection held for the run
        (PostgreSQL releases it when the connection ends, however the run ends)."""
        if self.destination_name not in ADVISORY_LOCKS:
            yield
            return
        with self.sql() as client:
            self.locks = AdvisoryLocks(client, self.pipeline.dataset_name, label)
            self.locks.hold_tenants(tenants)
            try:
                yield
            finally:
                self.locks = AdvisoryLocks(None, self.pipeline.dataset_name, label)

    @contextlib.contextmanager
    def loading(
        self, on_wait: Callable[[str], None], between: Callable[[], None]
    ) -> Iterator[None]:
        """Loads into one server database take turns: dlt's staging tables and DDL are shared
        (on this machine a file lock, across machines PostgreSQL's advisory lock)."""
        with contextlib.ExitStack() as turns:
            if self.folder is not None:
                turns.enter_context(self.folder.waiting("load", on_wait, between))
            turns.enter_context(self.locks.loading(on_wait, between))
            yield
