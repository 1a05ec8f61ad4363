"""Locks held in the warehouse itself, so that runs on different machines keep apart too.

The file locks of ``visma_hrm.warehouse.folders`` keep runs on one machine apart. Runs of one
PostgreSQL
warehouse from several machines (orchestrator workers), or from two users whose dlt folders
differ (root's ``/var/dlt`` and a user's ``~/.dlt``), only meet in the warehouse: there they take
PostgreSQL advisory locks on one connection held for the run (released by PostgreSQL when the
connection ends, however the run ends):

* one per tenant, for the whole run: a second run of the same tenant stops at once;
* one per dataset, around the load: dlt empties and fills the shared ``<dataset>_staging``
  tables during a load, so two loads at once could merge each other's staging rows away.

Other server destinations have no such lock here: their runs must be kept apart by their
scheduler (docs/sync.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from visma_hrm.errors import ConcurrentRunError

if TYPE_CHECKING:
    from visma_hrm.warehouse.sql import SqlClient

WAIT_STEP_S = 0.5


def lock_key(*parts: str) -> int:
    """A signed 64-bit advisory lock key for these parts (stable across machines)."""
    digest = hashlib.sha256("\x1f".join(("visma_hrm", *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class AdvisoryLocks:
    """PostgreSQL advisory locks on one open connection of the warehouse held for the run
    (None: nothing to hold)."""

    def __init__(self, client: SqlClient | None, dataset_name: str, label: str) -> None:
        self._client = client
        self._dataset = dataset_name
        self._label = label

    def hold_tenants(self, tenants: Sequence[str]) -> None:
        """Take each tenant's lock for the rest of the run, or stop naming the first held."""
        if self._client is None:
            return
        for tenant in tenants:
            if not self._try(lock_key(self._dataset, "tenant", tenant)):
                raise ConcurrentRunError(
                    f"Another sync of tenant {tenant} into {self._label} is running (its lock is "
                    "held in the warehouse, by this or another machine): two syncs must not "
                    "write the same data at once. Wait for it to finish and run again."
                )

    @contextlib.contextmanager
    def loading(
        self, on_wait: Callable[[str], None], between: Callable[[], None]
    ) -> Iterator[None]:
        """Hold the dataset's load lock for the block, waiting while another run loads."""
        if self._client is None:
            yield
            return
        key = lock_key(self._dataset, "load")
        if not self._try(key):
            on_wait(f"Waiting for another sync's load into {self._label} (held in the warehouse).")
            while not self._try(key):
                between()
                time.sleep(WAIT_STEP_S)
        try:
            yield
        finally:
            self._client.execute_sql("SELECT pg_advisory_unlock(%s)", key)

    def _try(self, key: int) -> bool:
        assert self._client is not None
        rows = self._client.execute_sql("SELECT pg_try_advisory_lock(%s)", key)
        return bool(rows and rows[0][0])
