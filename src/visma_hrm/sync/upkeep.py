"""What an operator does to the warehouse between runs: forget a tenant, reload one, maintain.

Each holds the destination as a run does (``Warehouse.run``: the DuckDB file, or the tenant on
a server and on this machine), so it never meets a sync of the same data half way; each asks
the warehouse seam, never which destination it is.

* **forget** deletes every row of a tenant from every table (``Session.forget_tenant``), then
  erases them from the destination's bytes as a run erases what retention removed
  (``compact_after_erasure``, on by default); run again, it erases again, so a forget stopped
  before its erasure is finished by the next one;
* **reload** forgets the tenant's positions: its next run takes full exports and marks what
  they no longer carry as deleted;
* **maintain** compacts Delta tables and checkpoints a DuckDB file (``--erase``: and erases
  removed values now, for ``compact_after_erasure = false``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from visma_hrm.config import Settings
from visma_hrm.messages import Note
from visma_hrm.warehouse.base import Session, Warehouse
from visma_hrm.warehouse.reading import open_for_reading


@dataclass
class Forgotten:
    """What forgetting a tenant did."""

    deleted: dict[str, int] = field(default_factory=dict)
    """Rows deleted, per table that had any."""
    notes: list[Note] = field(default_factory=list)


@contextmanager
def _held(settings: Settings, tenants: Sequence[str]) -> Iterator[Session]:
    """The destination held for ``tenants`` as a run holds it, its schema read. It must
    exist: a missing DuckDB file is said as the read commands say it, never created."""
    with open_for_reading(settings, files=True):
        pass
    with Warehouse.of(settings).run(settings.pipeline_name, tenants) as session:
        session.sync_destination()
        yield session


def held_of(settings: Settings, tenant_id: str) -> tuple[dict[str, dict[str, int]], str]:
    """Per spelling of the tenant's id the warehouse holds, its rows per table; and where.

    Tenant ids are UUIDs, accepted in either case and stored as they were configured, so an
    id typed in the other case is the same tenant: matched exactly, forgetting it would find
    no row, say so and exit 0 while every row stayed.
    """
    from visma_hrm.sync.status import held_rows

    with open_for_reading(settings, files=True) as reading:
        held = held_rows(reading)
        label = reading.label
    same = tenant_id.casefold()
    return {t: rows for t, rows in held.items() if t.casefold() == same}, label


def forget_tenant(settings: Settings, tenant_id: str) -> Forgotten:
    """Every row of the tenant (under every spelling of its id), then the erasure."""
    spellings = list(held_of(settings, tenant_id)[0]) or [tenant_id]
    done = Forgotten()
    with _held(settings, spellings) as session:
        for spelling in spellings:
            for table, rows in session.forget_tenant(spelling).items():
                done.deleted[table] = done.deleted.get(table, 0) + rows
        done.notes = erase(session, settings.compact_after_erasure)
    return done


def reload_tenant(settings: Settings, tenant_id: str) -> int:
    """Forget the tenant's positions (under every spelling of its id); how many rows."""
    spellings = list(held_of(settings, tenant_id)[0]) or [tenant_id]
    with _held(settings, spellings) as session:
        return sum(session.reload_tenant(spelling) for spelling in spellings)


def maintain(settings: Settings, *, erase_now: bool = False) -> list[Note]:
    """Routine upkeep of the destination (``--erase``: removed values erased first)."""
    with _held(settings, settings.tenants) as session:
        notes = erase(session, True) if erase_now else []
        return notes + session.maintain()


def erase(session: Session, wanted: bool) -> list[Note]:
    """Erase removed values from the destination's bytes (``wanted``: else say they stay)."""
    if not session.erases_bytes:
        return [note] if (note := session.erase()) else []
    if not wanted:
        return [Note("note.erasure_off")]
    return [note] if (note := session.erase()) else []
