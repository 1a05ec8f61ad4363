"""The simulated Visma: all tenants, the sandbox clock, approvals, and the truth of each dataset.

A tenant's rows, its changes and snapshots are ``tenant.py``; what ``advance`` does to a
tenant is ``changes.py``; which rows an export carries is ``exports.py``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

from visma_hrm.sandbox import exports
from visma_hrm.sandbox.changes import Changes
from visma_hrm.sandbox.clock import TICKS_PER_DAY, TICKS_PER_SECOND, format_ticks, parse_ticks
from visma_hrm.sandbox.config import FaultConfig, SandboxConfig
from visma_hrm.sandbox.custom_fields import add_field
from visma_hrm.sandbox.data import Row, TenantData, stable_int
from visma_hrm.sandbox.spec import DATASETS, DatasetSpec
from visma_hrm.sandbox.tenant import SandboxEvent, Snapshot, Tenant

__all__ = ["SandboxEvent", "Snapshot", "Tenant", "World", "output_columns", "tenant_guid"]


def tenant_guid(seed: int, kind: str, index: int) -> str:
    return str(
        uuid.UUID(
            int=stable_int(seed, kind, index, "hi") << 64 | stable_int(seed, kind, index), version=4
        )
    )


class World:
    """All tenants and the clock. Mutations hold ``lock``; readers work on snapshots."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.clock = self.start = parse_ticks(config.start)
        self.sample = exports.UnchangedSample(config.seed, config.incremental_unchanged_fraction)
        self.tenants: dict[str, Tenant] = {}
        approvals = dict(config.approvals or {})
        for t in range(config.tenants):
            tid = tenant_guid(config.seed, "tenant", t)
            approved = approvals.get(tid, approvals.get(t, list(DATASETS)))
            self.tenants[tid] = Tenant(
                index=t,
                tenant_id=tid,
                data=TenantData(config.seed, t, tid, config.employees, self.clock),
                approvals=set(approved),
                contact=config.contact_information,
                count=config.employees,
            )
        for tenant in self.tenants.values():
            tenant.tables = {
                "organization_units": tenant.data.unit_rows(),
                "cost_centers": tenant.data.cost_center_rows(),
            }
        self.unlinked = [
            tenant_guid(config.seed, "unlinked", u) for u in range(config.unlinked_tenants)
        ]

    @property
    def tenant_ids(self) -> list[str]:
        return list(self.tenants)

    def clock_text(self) -> str:
        return format_ticks(self.clock)

    def snapshot(self, tenant_id: str) -> Snapshot:
        with self.lock:
            return self.tenants[tenant_id].snapshot(self.clock)

    def set_approvals(self, tenant_id: str, datasets: list[str]) -> None:
        unknown = [d for d in datasets if d not in DATASETS]
        if unknown:
            raise ValueError(f"unknown dataset(s) {unknown}; known: {list(DATASETS)}")
        with self.lock:
            self.tenants[tenant_id].approvals = set(datasets)

    # ------------------------------------------------------------------ exports and truth
    def export_rows(self, snap: Snapshot, spec: DatasetSpec, after: int | None) -> Iterator[Row]:
        """Rows of a full export (``after`` None) or an incremental one (``exports.py``)."""
        return exports.export_rows(snap, spec, after, self.sample, self.start)

    def truth(
        self, tenant_id: str, dataset: str, faults: FaultConfig
    ) -> tuple[list[str], list[Row]]:
        """The current full content (what a full export would carry now), all columns."""
        spec = DATASETS[dataset]
        columns = output_columns(spec, faults, None)
        snap = self.snapshot(tenant_id)
        rows = [{c: row.get(c) for c in columns} for row in self.export_rows(snap, spec, None)]
        return columns, rows

    def events(self, tenant_id: str) -> list[SandboxEvent]:
        """Every business event ``advance`` applied to the tenant so far, in order."""
        with self.lock:
            return list(self.tenants[tenant_id].events)

    def add_custom_field(
        self, tenant_id: str, fieldname: str, values: list[str], fieldtypeid: str
    ) -> None:
        """A custom field new in Visma, filled in for the first ``len(values)`` persons from
        today (``custom_fields.add_field``). The clock moves one second: the rows change then,
        after any export already made, so the next incremental export carries them."""
        with self.lock:
            self.clock += TICKS_PER_SECOND
            add_field(self.tenants[tenant_id], self.clock, fieldname, values, fieldtypeid)

    # ------------------------------------------------------------------ change over time
    def advance(self, days: float) -> str:
        """Move the clock and apply hires, terminations, transfers, ... inside the interval."""
        if days < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self.lock:
            old, new = self.clock, self.clock + int(days * TICKS_PER_DAY)
            for tenant in self.tenants.values():
                Changes(self.config, tenant, old, new).apply(days)
            self.clock = new
            return format_ticks(new)


def output_columns(
    spec: DatasetSpec, faults: FaultConfig, fields: tuple[bool, list[str]] | None
) -> list[str]:
    """The export's columns after schema drift and the ``fields`` selection."""
    columns = list(spec.columns)
    if faults.drifts(spec.name):
        columns = [c for c in columns if c not in faults.drift_drop]
        columns += [c for c in faults.drift_add if c not in columns]
    if fields is not None:
        include, names = fields
        columns = (
            [c for c in columns if c in names]
            if include
            else [c for c in columns if c not in names]
        )
    return columns
