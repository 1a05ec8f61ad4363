"""Run a DAG file's ``dag`` once with ``dag.test()`` and print its task instances as JSON.

A script, not a test: Airflow reads its configuration (AIRFLOW_HOME, the connections and
variables in the environment) when imported, so the test runs this in a process of its own.
Airflow 3 runs only DAGs it parsed from its dags folder, so the DAG comes from a file there.
"""

from __future__ import annotations

import json
import runpy
import sys


def main(dag_file: str) -> None:
    dag = runpy.run_path(dag_file)["dag"]
    run = dag.test()
    tasks = [
        {
            "task_id": ti.task_id,
            "map_index": ti.map_index,
            "name": ti.rendered_map_index,
            "state": str(ti.state),
        }
        for ti in run.get_task_instances()
    ]
    print("RESULT " + json.dumps({"state": str(run.state), "tasks": tasks}))


if __name__ == "__main__":
    main(sys.argv[1])
