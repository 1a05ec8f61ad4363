"""One simulated customer database: its rows, what changed in it, and cheap snapshots of it.

Base rows come from ``data.TenantData`` on the fly. Only what changed is stored: a person
touched by ``advance`` gets a full copy of its rows (``persons``), each row with its own change
timestamp. Copies are never edited in place once stored (copy on write), so a job can take a
cheap ``Snapshot`` and stream its export while the clock moves on.

``changes`` is the index of change times: one ``(ticks, person)`` entry each time a person's
rows were stored, appended in clock order (append-only, so a snapshot keeps its length and
reads the prefix while ``advance`` appends). An incremental export bisects it instead of
looking at every row (``exports.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from visma_hrm.sandbox import data as gen
from visma_hrm.sandbox.data import Stamped, TenantData
from visma_hrm.sandbox.spec import PERSON_DATASETS

PersonRows = dict[str, list[Stamped]]


@dataclass(frozen=True)
class SandboxEvent:
    """One business event applied by ``advance``: the ground truth a change feed is held to.

    ``before``/``after`` hold the changed columns; ``effective_date`` is the HR date (a hire
    or a leave registered ahead is in the future), ``changed_at`` the change timestamp of the
    rows. ``record_deleted`` names the dataset and the key of the vanished row.
    """

    tenant_id: str
    type: str
    employeeid: str | None
    contractid: str | None
    effective_date: str
    changed_at: str
    before: dict[str, str | None] = field(default_factory=dict)
    after: dict[str, str | None] = field(default_factory=dict)
    dataset: str | None = None
    key: tuple[str | None, ...] = ()


@dataclass
class Tenant:
    index: int
    tenant_id: str
    data: TenantData
    approvals: set[str]
    contact: bool
    count: int
    hires: dict[int, gen.Hire] = field(default_factory=dict)
    persons: dict[int, PersonRows] = field(default_factory=dict)
    tables: dict[str, list[Stamped]] = field(default_factory=dict)
    events: list[SandboxEvent] = field(default_factory=list)
    changes: list[tuple[int, int]] = field(default_factory=list)
    """(change ticks, person index), one per time a person's rows were stored, in clock order."""

    def store(self, i: int, rows: PersonRows, ts: int) -> None:
        """Store person ``i``'s new rows, changed at ``ts`` (never earlier than the last)."""
        self.persons[i] = rows
        self.changes.append((ts, i))

    def editable(self, i: int) -> PersonRows:
        """A private, editable copy of person ``i``'s current rows (store it to change them)."""
        state = self.persons.get(i)
        if state is not None:
            return {ds: [(dict(r), ts) for r, ts in rows] for ds, rows in state.items()}
        core = self.data.core(i, self.hires.get(i))
        return {ds: self.data.rows_of(core, ds) for ds in PERSON_DATASETS}

    def snapshot(self, clock: int) -> Snapshot:
        return Snapshot(
            self.index,
            self.data,
            self.count,
            dict(self.hires),
            dict(self.persons),
            dict(self.tables),
            clock,
            self.changes,
            len(self.changes),
        )


@dataclass(frozen=True)
class Snapshot:
    """What one tenant looked like at one moment; cheap to take, safe to stream from."""

    index: int
    data: TenantData
    count: int
    hires: dict[int, gen.Hire]
    persons: dict[int, PersonRows]
    tables: dict[str, list[Stamped]]
    clock: int
    changes: list[tuple[int, int]]
    """The tenant's change index, shared and append-only: read only ``changes[:n_changes]``."""
    n_changes: int

    def stamped(self, dataset: str) -> Iterator[Stamped]:
        """Every current row of a dataset with its change timestamp, person by person."""
        if dataset not in PERSON_DATASETS:
            yield from self.tables[dataset]
            return
        for i in range(self.count):
            yield from self.person_rows(i, dataset)

    def person_rows(self, i: int, dataset: str) -> list[Stamped]:
        """Person ``i``'s current rows of a person dataset: stored if changed, else generated."""
        state = self.persons.get(i)
        if state is not None:
            return state[dataset]
        return self.data.rows(i, dataset, self.hires.get(i))
