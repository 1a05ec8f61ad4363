"""Incremental exports served from the index of change times equal the plain filter.

The plain filter is the definition: every current row whose change time is after the cursor
(plus, with a sample fraction, every row of the sampled persons). The index must give the same
rows in the same order, for cursors before, at and after the world's start, between events
and after several clock advances, while generating the rows of changed persons only.
"""

from __future__ import annotations

import pytest

from visma_hrm.sandbox import SandboxConfig
from visma_hrm.sandbox.clock import TICKS_PER_DAY, parse_ticks
from visma_hrm.sandbox.data import TenantData
from visma_hrm.sandbox.exports import brute_force_rows
from visma_hrm.sandbox.spec import DATASETS, PERSON_DATASETS
from visma_hrm.sandbox.world import World


def _world(fraction: float) -> tuple[World, list[int]]:
    config = SandboxConfig(
        tenants=2, employees=150, seed=8, all_changes=True, incremental_unchanged_fraction=fraction
    )
    world = World(config)
    cursors = [world.start - TICKS_PER_DAY, world.start]
    for days in (30, 0.5, 45):
        world.advance(days)
        cursors.append(world.clock)
    for tenant in world.tenant_ids:
        times = sorted(parse_ticks(e.changed_at) for e in world.events(tenant))
        cursors += [times[len(times) // 3], times[len(times) // 2] - 1, times[-1]]
    return world, cursors


@pytest.mark.parametrize("fraction", [0.0, 0.1])
def test_index_output_equals_the_brute_force_filter_over_clock_advances(fraction: float) -> None:
    world, cursors = _world(fraction)
    served = 0
    for tenant in world.tenant_ids:
        snap = world.snapshot(tenant)
        for spec in DATASETS.values():
            every = list(snap.stamped(spec.name))
            for cursor in cursors:
                indexed = list(world.export_rows(snap, spec, cursor))
                assert indexed == list(brute_force_rows(snap, spec, cursor, world.sample))
                changed = [row for row, ts in every if ts > cursor]
                if fraction == 0.0:
                    assert indexed == changed
                else:
                    kept = {id(row) for row in indexed}
                    assert all(id(row) in kept for row in changed)
                served += len(indexed)
    assert served > 0


def test_an_incremental_export_generates_only_the_changed_persons_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = World(SandboxConfig(tenants=1, employees=400, seed=2, incremental_unchanged_fraction=0))
    world.advance(2)
    cursor = world.clock
    world.advance(1)
    tenant = world.tenant_ids[0]
    snap = world.snapshot(tenant)
    generated: list[int] = []
    original = TenantData.rows

    def counting(self: TenantData, i: int, dataset: str, hire: object = None) -> object:
        generated.append(i)
        return original(self, i, dataset, hire)  # type: ignore[arg-type]

    monkeypatch.setattr(TenantData, "rows", counting)
    for name in PERSON_DATASETS:
        list(world.export_rows(snap, DATASETS[name], cursor))
    assert len(generated) == 0, "changed persons' rows are stored; no one else is looked at"
    rows = list(world.export_rows(snap, DATASETS["contracts"], None))
    assert len(generated) > 300 and rows  # a full export does generate everyone
