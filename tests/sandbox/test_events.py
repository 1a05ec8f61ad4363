"""The sandbox's record of business events: every kind occurs, and each one is in the data.

This is the ground truth a change feed is compared with, so it is itself checked against the
rows a full export carries (``truth``), not against the code that wrote it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from visma_hrm.sandbox import FaultConfig, SandboxConfig, SandboxEvent, start_sandbox
from visma_hrm.sandbox.spec import DATASETS
from visma_hrm.sandbox.world import World

KINDS = {
    "hire",
    "rehire",
    "leave",
    "transfer",
    "function_change",
    "hours_change",
    "manager_change",
    "cost_centre_change",
    "personal_data_change",
    "record_deleted",
}


def _world() -> World:
    world = World(SandboxConfig(tenants=2, employees=120, seed=4, all_changes=True))
    for _ in range(4):
        world.advance(90)
    return world


def _last_per_employee(events: list[SandboxEvent]) -> list[SandboxEvent]:
    """Events no later event of the same employee can have overwritten."""
    last: dict[str | None, SandboxEvent] = {}
    for event in events:
        last[event.employeeid] = event
    return list(last.values())


def test_every_kind_of_event_occurs_some_registered_ahead() -> None:
    world = _world()
    events = [e for t in world.tenant_ids for e in world.events(t)]
    kinds = Counter(e.type for e in events)
    assert set(kinds) == KINDS, kinds
    ahead = {e.type for e in events if e.effective_date > e.changed_at[:10]}
    assert {"hire", "leave"} <= ahead
    corrections = [e for e in events if e.type == "personal_data_change" and "birthname" in e.after]
    assert corrections


def test_each_event_is_what_the_data_shows() -> None:
    world = _world()
    problems: list[str] = []
    for tenant in world.tenant_ids:
        contracts = world.truth(tenant, "contracts", FaultConfig())[1]
        employees = world.truth(tenant, "employees", FaultConfig())[1]
        for event in _last_per_employee(world.events(tenant)):
            mine = [c for c in contracts if c["employeeid"] == event.employeeid]
            if event.type in ("hire", "rehire"):
                starts = {c["startdate"] for c in mine if c["contractid"] == event.contractid}
                if event.effective_date not in starts:
                    problems.append(f"{event}: no contract starting then")
            elif event.type == "leave":
                ends = {c["enddate"] for c in mine if c["contractid"] == event.contractid}
                if event.effective_date not in ends:
                    problems.append(f"{event}: no contract ending then")
            elif event.type == "personal_data_change":
                rows = [e for e in employees if e["employeeid"] == event.employeeid]
                newest = max(rows, key=lambda r: str(r["existencestartutc"]))
                if any(newest[c] != v for c, v in event.after.items()):
                    problems.append(f"{event}: not in the newest employee record")
            elif event.type == "record_deleted":
                assert event.dataset is not None
                spec_rows = world.truth(tenant, event.dataset, FaultConfig())[1]
                keys = {tuple(r[k] for k in DATASETS[event.dataset].key) for r in spec_rows}
                if event.key in keys:
                    problems.append(f"{event}: still exported")
            else:
                version = [c for c in mine if c["startdate"] == event.effective_date]
                if not version or any(version[0][c] != v for c, v in event.after.items()):
                    problems.append(f"{event}: no version with the new values from then")
                if event.before == event.after:
                    problems.append(f"{event}: nothing changed")
    assert not problems, problems[:10]


def test_without_all_changes_the_extra_kinds_never_occur_and_the_api_serves_the_record() -> None:
    with start_sandbox(SandboxConfig(tenants=1, employees=80, seed=4)) as sb:
        sb.advance(120)
        events = sb.events(sb.tenant_ids[0])
    kinds = {e.type for e in events}
    assert kinds and kinds <= {
        "hire",
        "rehire",
        "leave",
        "transfer",
        "manager_change",
        "cost_centre_change",
        "personal_data_change",
        "record_deleted",
    }
    assert not kinds & {"function_change", "hours_change"}
    assert all(dt.date.fromisoformat(e.effective_date) for e in events)
