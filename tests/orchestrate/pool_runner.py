"""Launch every configured tenant side by side with the sync op's pool limited to one slot.

A script, not a test: the multiprocess executor forks its steps from a server that keeps the
environment it started with (see ``tests/engine/dagster_runner.py``), so each use runs in a
process of its own. Prints ``RESULT`` and, per run, whether it succeeded and when its sync step
started and ended (its events' timestamps), as JSON.
"""

from __future__ import annotations

import concurrent.futures
import json
import sys
from typing import Any

from dagster import DagsterInstance, execute_job, reconstructable

from visma_hrm.orchestrate import dagster_defs
from visma_hrm.orchestrate.tenants import configured_tenants

STEP_EVENTS = ("STEP_START", "STEP_SUCCESS")


def main(home: str) -> None:
    with DagsterInstance.local_temp(home) as instance:
        instance.event_log_storage.set_concurrency_slots(dagster_defs.POOL, 1)
        tenants = list(configured_tenants())
        instance.add_dynamic_partitions(dagster_defs.TENANTS_NAME, tenants)
        job = reconstructable(dagster_defs.sync_job)

        def one(tenant: str) -> Any:
            return execute_job(job, instance, tags={"dagster/partition": tenant})

        with concurrent.futures.ThreadPoolExecutor(len(tenants)) as pool:
            runs = list(pool.map(one, tenants))
        info = instance.event_log_storage.get_concurrency_info(dagster_defs.POOL)
        spans = []
        for run in runs:
            moments = {
                record.dagster_event.event_type_value: record.timestamp
                for record in instance.all_logs(run.run_id)
                if record.dagster_event is not None
                and record.dagster_event.event_type_value in STEP_EVENTS
            }
            spans.append([moments.get(kind) for kind in STEP_EVENTS])
        result = {
            "success": [run.success for run in runs],
            "spans": spans,
            "slots": info.slot_count,
            "active": info.active_slot_count,
        }
        print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])
