"""Materialise every configured tenant once with the Dagster code location, as a deployment does.

A script, not a test: the multiprocess executor forks its steps from a server that keeps the
environment it started with, so each use runs in a process of its own. One tick of the tenants
sensor makes the partitions; then one run per partition, side by side. Prints ``RESULT`` and the
failed partitions as JSON.
"""

from __future__ import annotations

import concurrent.futures
import json
import sys
from typing import Any

from dagster import DagsterInstance, build_sensor_context, execute_job, reconstructable

from visma_hrm.orchestrate import dagster_defs


def main(home: str) -> None:
    with DagsterInstance.local_temp(home) as instance:
        context = build_sensor_context(
            instance=instance, resources={"visma_hrm": dagster_defs.VismaHrmResource()}
        )
        result = dagster_defs.visma_hrm_tenants(context)
        for request in result.dynamic_partitions_requests:
            instance.add_dynamic_partitions(request.partitions_def_name, request.partition_keys)
        tenants = instance.get_dynamic_partitions(dagster_defs.TENANTS_NAME)
        job = reconstructable(dagster_defs.sync_job)

        def one(tenant: str) -> Any:
            return execute_job(job, instance, tags={"dagster/partition": tenant})

        with concurrent.futures.ThreadPoolExecutor(max(1, len(tenants))) as pool:
            runs = dict(zip(tenants, pool.map(one, tenants), strict=True))
        failed = [t for t, r in runs.items() if not r.success]
        print("RESULT " + json.dumps({"tenants": tenants, "failed": failed}))


if __name__ == "__main__":
    main(sys.argv[1])
