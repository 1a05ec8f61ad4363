"""The four ways into the engine, each driven the way its user drives it, against one sandbox.

``visma-hrm sync`` in a subprocess with a config file; Dagster's code location materialising a
partition per tenant on the multiprocess executor; Airflow's ``dag.test()`` in Airflow's own
virtual environment; ``visma_hrm_source`` in a pipeline a user writes, then ``finish``. All
four read the same settings, written the way each user writes them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dlt

from visma_hrm.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW_PYTHON = ROOT / ".venv-airflow" / "bin" / "python"
AIRFLOW_RUNNER = ROOT / "tests" / "orchestrate" / "airflow_runner.py"
DATASETS = ("employees", "contracts")
FIELDS = {"employees": "!nationality"}
PRIVACY = "contact,pseudonymize"
RETENTION = 2
PSEUDONYM_KEY = "a-pseudonym-key-of-at-least-32-characters"


@dataclass(frozen=True)
class Where:
    """The destination one entry point loads into: a DuckDB file, or a PostgreSQL schema."""

    destination: str
    duckdb_path: Path
    dataset_name: str
    dsn: str = ""

    def dlt_destination(self) -> Any:
        if self.destination == "duckdb":
            return dlt.destinations.duckdb(str(self.duckdb_path))
        return dlt.destinations.postgres(credentials=self.dsn)


def config_file(sb: Sandbox, where: Where, path: Path) -> Path:
    """The visma-hrm.toml a user writes: every setting the issue names, secrets elsewhere."""
    tenants = ", ".join(f'"{t}"' for t in sb.tenant_ids)
    lines = [
        "[visma_hrm]",
        f'client_id = "{sb.client_id}"',
        f'api_url = "{sb.api_url}"',
        f'token_url = "{sb.token_url}"',
        f"tenants = [{tenants}]",
        "datasets = [" + ", ".join(f'"{d}"' for d in DATASETS) + "]",
        f'destination = "{where.destination}"',
        f'duckdb_path = "{where.duckdb_path}"',
        f'dataset_name = "{where.dataset_name}"',
        f'privacy_profile = "{PRIVACY}"',
        'history = "all"',
        "change_feed = true",
        f"retention = {RETENTION}",
        "",
        "[visma_hrm.fields]",
        *(f'{name} = "{spec}"' for name, spec in FIELDS.items()),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _base_env(sb: Sandbox, where: Where) -> dict[str, str]:
    """The environment without what earlier in-process runs set, plus the secrets."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VISMA_HRM_", "SOURCES__", "DESTINATION__"))
        and k not in ("PROVIDERS__ENABLE_AIRFLOW_SECRETS", "RUNTIME__LOG_LEVEL")
    }
    env.update(
        RUNTIME__DLTHUB_TELEMETRY="false",
        VISMA_HRM_CLIENT_SECRET=sb.client_secret,
        VISMA_HRM_PSEUDONYM_KEY=PSEUDONYM_KEY,
    )
    if where.destination == "postgres":
        env["VISMA_HRM_DESTINATION_CREDENTIALS"] = where.dsn
    return env


# ----------------------------------------------------------------------------- the CLI
def run_cli(sb: Sandbox, where: Where, work: Path) -> None:
    config = config_file(sb, where, work / "visma-hrm.toml")
    done = subprocess.run(
        [str(Path(sys.executable).parent / "visma-hrm"), "sync", "--config", str(config), "-q"],
        env=_base_env(sb, where),
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]


# ----------------------------------------------------------------------------- Dagster
DAGSTER_RUNNER = ROOT / "tests" / "engine" / "dagster_runner.py"


def run_dagster(sb: Sandbox, where: Where, work: Path) -> None:
    """A partition per tenant, side by side, on the code location's multiprocess executor, in
    a process of its own (the executor's forkserver keeps the environment it started with)."""
    config = config_file(sb, where, work / "visma-hrm.toml")
    env = {"VISMA_HRM_CONFIG": str(config), **_base_env(sb, where)}
    (work / "dagster").mkdir(exist_ok=True)
    result = _script(Path(sys.executable), DAGSTER_RUNNER, work / "dagster", env, work)
    assert result["failed"] == [], result


# ----------------------------------------------------------------------------- Airflow
DAG_FILE = """
from visma_hrm.orchestrate.airflow_dag import make_dag

dag = make_dag("visma_hrm_e2e", schedule=None, config_file={config!r})
"""


def run_airflow(sb: Sandbox, where: Where, work: Path) -> None:
    """``dag.test()`` in Airflow's own virtual environment, secrets as Airflow connections."""
    home = work / "airflow"
    (home / "dags").mkdir(parents=True, exist_ok=True)
    config = config_file(sb, where, work / "visma-hrm.toml")
    dag_file = home / "dags" / "visma_hrm_dag.py"
    dag_file.write_text(DAG_FILE.format(config=str(config)), encoding="utf-8")
    env = _base_env(sb, where)
    env.pop("VISMA_HRM_CLIENT_SECRET")  # Airflow's connection carries it
    env.pop("VISMA_HRM_DESTINATION_CREDENTIALS", None)
    connection = {
        "conn_type": "generic",
        "login": sb.client_id,
        "password": sb.client_secret,
        "extra": {"api_url": sb.api_url, "token_url": sb.token_url},
    }
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(home / "dags"),
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home}/airflow.db",
        AIRFLOW_CONN_VISMA_HRM=json.dumps(connection),
    )
    if where.destination == "postgres":
        env["AIRFLOW_CONN_VISMA_HRM_DESTINATION"] = where.dsn
    bin_dir = AIRFLOW_PYTHON.parent
    if not (home / "airflow.db").exists():
        migrate = subprocess.run(
            [str(bin_dir / "airflow"), "db", "migrate"], env=env, capture_output=True, text=True
        )
        assert migrate.returncode == 0, migrate.stderr[-3000:]
    result = _script(AIRFLOW_PYTHON, AIRFLOW_RUNNER, dag_file, env, work)
    assert result["state"] == "success", result


# ----------------------------------------------------------------------------- dlt source
def run_source(sb: Sandbox, where: Where, work: Path) -> None:
    """A pipeline a user writes: the settings as arguments, the secrets the dlt way."""
    from visma_hrm import finish, visma_hrm_source

    secrets = {
        "SOURCES__VISMA_HRM__CLIENT_SECRET": sb.client_secret,
        "SOURCES__VISMA_HRM__PSEUDONYM_KEY": PSEUDONYM_KEY,
        "RUNTIME__DLTHUB_TELEMETRY": "false",
    }
    with _environment(secrets):
        pipeline = dlt.pipeline(
            pipeline_name="my_hr_pipeline",
            pipelines_dir=str(work / "dlt"),
            destination=where.dlt_destination(),
            dataset_name="visma_hrm" if where.destination == "duckdb" else where.dataset_name,
        )
        source = visma_hrm_source(
            client_id=sb.client_id,
            tenants=list(sb.tenant_ids),
            datasets=list(DATASETS),
            api_url=sb.api_url,
            token_url=sb.token_url,
            fields=dict(FIELDS),
            privacy_profile=PRIVACY,
            history="all",
            change_feed=True,
            retention=RETENTION,
        )
        pipeline.run(source)
        finish(pipeline, source)


def _script(python: Path, script: Path, arg: Path, env: dict[str, str], cwd: Path) -> Any:
    """Run a runner script in a process of its own; its ``RESULT`` line, as JSON."""
    done = subprocess.run(
        [str(python), str(script), str(arg)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(lines[-1].removeprefix("RESULT "))


class _environment:
    """Set variables for the block and put the old values back (a user's shell, for a test)."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = dict(values)
        self.saved: dict[str, str | None] = {}

    def __enter__(self) -> None:
        for name, value in self.values.items():
            self.saved[name] = os.environ.get(name)
            os.environ[name] = value

    def __exit__(self, *exc: object) -> None:
        for name, value in self.saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


RUNNERS: dict[str, Callable[[Sandbox, Where, Path], None]] = {
    "cli": run_cli,
    "dagster": run_dagster,
    "airflow": run_airflow,
    "source": run_source,
}
