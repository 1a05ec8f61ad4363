"""What a user-path test needs: the CLI as a person runs it, and the warehouse read back.

The runs use the real defaults: the working directory is a project folder, the warehouse is
``./visma-hrm.duckdb`` (no ``--duckdb-path`` unless the case is about one), and dlt's working
folders go where dlt puts them on this machine (``/var/dlt/pipelines`` as root,
``~/.dlt/pipelines`` otherwise): no pipelines folder is injected. Only ``HOME`` is a temporary
folder. The warehouse is read back with DuckDB in read-only mode, never through a pipeline of
the test, so the test itself leaves nothing in dlt's folders.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from tests.support.cli import CLI
from tests.support.tables import canonical_rows, duckdb_rows
from tests.support.truth import differences
from visma_hrm.catalog import DATASETS, TENANT_COLUMN
from visma_hrm.config import Settings
from visma_hrm.sandbox import Sandbox
from visma_hrm.warehouse.base import Warehouse
from visma_hrm.warehouse.duckdb_file import DEFAULT_FILE as DEFAULT_DUCKDB_FILE
from visma_hrm.warehouse.duckdb_file import duckdb_schema

DEFAULT_FILE = DEFAULT_DUCKDB_FILE.name
ALL = tuple(DATASETS)
PROGRESS_LINE = re.compile(r"^(\d\d:\d\d:\d\d |\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ visma_hrm)")
"""A progress line on stderr: ``PlainReporter``'s (a time, then the event) or, with ``-v``, a
log line of visma-hrm's own loggers (a date and time, then the logger)."""
DLT_NOISE = ("|dlt|", "SignalReceivedException", "Traceback", "dlt.common", "PipelineStepFailed")

Pair = tuple[str, str]


def user_env(
    sb: Sandbox, home: Path, tenants: Sequence[str] | None = None, **extra: str
) -> dict[str, str]:
    """The environment of a person's shell: credentials and tenants, a HOME, nothing of dlt's.

    No ``VISMA_HRM_DUCKDB_PATH`` and no ``VISMA_HRM_PIPELINES_DIR``: the defaults apply.
    """
    cleared = ("VISMA_HRM_", "DLT_", "RUNTIME__", "DESTINATION__", "LOAD__", "NORMALIZE__")
    env = {k: v for k, v in os.environ.items() if not k.startswith(cleared)}
    home.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "HOME": str(home),
            "RUNTIME__DLTHUB_TELEMETRY": "false",
            "VISMA_HRM_API_URL": sb.api_url,
            "VISMA_HRM_TOKEN_URL": sb.token_url,
            "VISMA_HRM_CLIENT_ID": sb.client_id,
            "VISMA_HRM_CLIENT_SECRET": sb.client_secret,
            "VISMA_HRM_TENANTS": ",".join(sb.tenant_ids if tenants is None else tenants),
        }
    )
    env.update(extra)
    return env


@dataclass
class Run:
    """One finished ``visma-hrm`` command: exit code, output, and the ``--json`` report."""

    code: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None

    def pairs(self) -> dict[Pair, dict[str, Any]]:
        assert self.report is not None, self.stderr[-2000:]
        return {(t["tenant_id"], t["dataset"]): t for t in self.report["tables"]}

    def modes(self) -> dict[Pair, str]:
        return {k: v["mode"] for k, v in self.pairs().items()}

    def explain(self) -> str:
        return f"exit {self.code}\nstdout: {self.stdout[-3000:]}\nstderr: {self.stderr[-3000:]}"


def cli(args: Sequence[str], env: Mapping[str, str], cwd: Path, *, as_json: bool = True) -> Run:
    """Run ``visma-hrm`` in ``cwd``; with ``as_json`` (sync) the report is parsed from stdout."""
    argv = [CLI, *args, *(["--json"] if as_json else [])]
    done = subprocess.run(argv, env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=240)
    report = None
    if as_json and done.stdout.strip():
        report = json.loads(done.stdout)
    return Run(done.returncode, done.stdout, done.stderr, report)


def sync_ok(env: Mapping[str, str], cwd: Path, *args: str) -> Run:
    """A sync that must load everything asked for: exit 0, no pair failed (a dataset the
    customer did not approve is ``skipped``)."""
    run = cli(["sync", *args], env, cwd)
    assert run.code == 0, run.explain()
    assert run.report is not None and run.report["ok"] and run.report["exit_code"] == 0
    bad = [
        (k, v["status"], v["message"]) for k, v in run.pairs().items() if v["status"] == "failed"
    ]
    assert not bad, bad
    return run


# ------------------------------------------------------------------------------ the warehouse
def schema_of(db: Path) -> str:
    """The schema a sync loads into for this file (``main`` for the default file name)."""
    return duckdb_schema(db.resolve(), "visma_hrm")


def tables_of(db: Path) -> dict[str, list[str]]:
    """Every table of every schema in the file: {schema: [table, ...]}."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables ORDER BY 1, 2"
        ).fetchall()
    out: dict[str, list[str]] = {}
    for schema, table in rows:
        out.setdefault(str(schema), []).append(str(table))
    return out


def rows_of(db: Path, table: str, schema: str | None = None) -> list[dict[str, Any]]:
    """Every row and column of one table; [] when the table does not exist."""
    return duckdb_rows(db, schema or schema_of(db), table)


def columns_of(db: Path, table: str) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
            "AND table_name = ?",
            [schema_of(db), table],
        ).fetchall()
    return [str(r[0]) for r in rows]


def tenant_rows(db: Path, table: str, tenant: str) -> list[str]:
    """One tenant's rows of a table, every column, as sorted text (for before/after checks)."""
    rows = [r for r in rows_of(db, table) if r[TENANT_COLUMN] == tenant]
    return canonical_rows(rows)


def truth_problems(
    sb: Sandbox,
    db: Path,
    pairs: Iterable[Pair],
    *,
    linger: bool = False,
    excluded: Mapping[str, Iterable[str]] | None = None,
) -> list[str]:
    """Differences between the warehouse and the sandbox's truth for these (tenant, dataset).

    ``linger``: rows gone at the source may still be current (after incremental runs, which
    cannot see deletions). ``excluded``: columns kept out per dataset, which must be empty in
    every stored row and are left out of the comparison.
    """
    problems: list[str] = []
    cache: dict[str, list[dict[str, Any]]] = {}
    for tenant, name in pairs:
        loaded = cache.setdefault(name, rows_of(db, name))
        hidden = set((excluded or {}).get(name, ()))
        truth = [{k: v for k, v in r.items() if k not in hidden} for r in sb.truth(tenant, name)]
        found = differences(truth, loaded, name, tenant, deleted_may_linger=linger)
        problems += [f"{tenant[:8]} {name}: {p}" for p in found]
        mine = [r for r in loaded if r[TENANT_COLUMN] == tenant]
        problems += [
            f"{tenant[:8]} {name}: excluded {c} holds {r[c]!r}"
            for r in mine
            for c in hidden
            if r.get(c) is not None
        ]
    return problems


def assert_truth(
    sb: Sandbox,
    db: Path,
    pairs: Iterable[Pair] | None = None,
    *,
    linger: bool = False,
    excluded: Mapping[str, Iterable[str]] | None = None,
) -> None:
    """Every (tenant, dataset) equals the truth; by default every tenant and dataset."""
    pairs = list(pairs if pairs is not None else all_pairs(sb))
    problems = truth_problems(sb, db, pairs, linger=linger, excluded=excluded)
    assert not problems, "\n".join(problems[:30])
    assert all(rows_of(db, d) for d in {d for _, d in pairs}), "an empty table proves nothing"


def all_pairs(
    sb: Sandbox, tenants: Sequence[str] | None = None, datasets: Sequence[str] = ALL
) -> list[Pair]:
    return [(t, d) for t in (tenants or sb.tenant_ids) for d in datasets]


def truth_count(sb: Sandbox, tenant: str, dataset: str) -> int:
    return len(sb.truth(tenant, dataset))


# ------------------------------------------------------------------------------ dlt's folders
def destination_folder(db: Path) -> Path:
    """Where runs of this warehouse keep their per-run working folders and locks: under dlt's
    default pipelines folder of this machine (the test process has no pipelines dir set)."""
    return Warehouse.of(Settings(duckdb_path=db.resolve())).folder.root


def assert_no_run_left(db: Path) -> None:
    """A finished run leaves no working folder (downloads, parsed rows, packages) behind."""
    root = destination_folder(db)
    left = [p for p in root.iterdir() if p.is_dir()]
    assert not left, left


def remove_destination_folder(db: Path) -> None:
    shutil.rmtree(destination_folder(db), ignore_errors=True)
