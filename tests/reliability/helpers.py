"""What a reliability test needs to judge a run: the truth, the destination, the positions.

"The destination still holds exactly the previous good state" is checked literally: every row,
every column (load ids and sync times included), of the (tenant, dataset) pairs that failed,
their rejected rows, and their cursors, in the local pipeline state and in the state dlt stored
in the destination.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.pipeline.truth import differences, fetch_rows, sandbox_settings
from visma_hrm.catalog import REJECTED_ROWS_TABLE, TENANT_COLUMN
from visma_hrm.config import Settings
from visma_hrm.positions import Position, read_positions
from visma_hrm.sandbox import Sandbox
from visma_hrm.sync import SyncReport, SyncSettings, make_pipeline, sync
from visma_hrm.sync import run as run_module

Pair = tuple[str, str]
"""(tenant_id, dataset)."""


def settings_for(sb: Sandbox, tmp_path: Path, datasets: Sequence[str], **extra: Any) -> Settings:
    return sandbox_settings(sb, tmp_path, datasets=tuple(datasets), **extra)


def run(settings: Settings, full_refresh: bool = False) -> SyncReport:
    return sync(SyncSettings(settings, full_refresh=full_refresh))


def run_ok(settings: Settings, full_refresh: bool = False) -> SyncReport:
    report = run(settings, full_refresh)
    failed = [(t.tenant_id[:8], t.dataset, t.message) for t in report.tables if t.status != "ok"]
    assert report.ok and report.exit_code == 0 and not failed, failed
    return report


def truth_problems(
    sb: Sandbox,
    settings: Settings,
    pairs: Iterable[Pair],
    *,
    deleted_may_linger: bool = True,
) -> list[str]:
    """Differences between the destination and the sandbox's truth for these pairs."""
    problems: list[str] = []
    by_dataset: dict[str, list[dict[str, Any]]] = {}
    for tenant, name in pairs:
        if name not in by_dataset:
            by_dataset[name] = fetch_rows(settings, name)
        found = differences(
            sb.truth(tenant, name),
            by_dataset[name],
            name,
            tenant,
            deleted_may_linger=deleted_may_linger,
        )
        problems += [f"{tenant[:8]} {name}: {p}" for p in found]
    return problems


def assert_truth(
    sb: Sandbox, settings: Settings, pairs: Iterable[Pair], *, deleted_may_linger: bool = True
) -> None:
    problems = truth_problems(sb, settings, pairs, deleted_may_linger=deleted_may_linger)
    assert not problems, "\n".join(problems[:30])


def all_pairs(sb: Sandbox, datasets: Sequence[str]) -> list[Pair]:
    return [(t, d) for t in sb.tenant_ids for d in datasets]


# ------------------------------------------------------------------------------ snapshots
def _db_path(settings: Settings) -> str:
    return str(settings.duckdb_path.expanduser().resolve())


def _schema(settings: Settings) -> str:
    return make_pipeline(settings).dataset_name


def table_rows(settings: Settings, table: str) -> list[dict[str, Any]]:
    """Every row and column of one table; [] when the table (or the database) does not exist."""
    if not Path(_db_path(settings)).exists():
        return []
    with duckdb.connect(_db_path(settings), read_only=True) as db:
        exists = db.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
            "AND table_name = ?",
            [_schema(settings), table],
        ).fetchone()
        if not exists or not exists[0]:
            return []
        cursor = db.execute(f'SELECT * FROM "{_schema(settings)}"."{table}"')
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _canonical(rows: Iterable[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)


def pair_snapshot(settings: Settings, pairs: Iterable[Pair]) -> dict[str, Any]:
    """Everything the destination and the state hold about these pairs, every column."""
    out: dict[str, Any] = {}
    rejected = table_rows(settings, REJECTED_ROWS_TABLE)
    positions = stored_positions(settings)
    for tenant, name in pairs:
        rows = [r for r in table_rows(settings, name) if r[TENANT_COLUMN] == tenant]
        out[f"{tenant}/{name}/rows"] = _canonical(rows)
        out[f"{tenant}/{name}/rejected"] = _canonical(
            r for r in rejected if r[TENANT_COLUMN] == tenant and r["dataset"] == name
        )
        out[f"{tenant}/{name}/position"] = repr(positions.get((tenant, name)))
    return out


def whole_snapshot(settings: Settings) -> dict[str, list[str]]:
    """Every table of the destination (dlt's own included), every row and column."""
    with duckdb.connect(_db_path(settings), read_only=True) as db:
        names = db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
            [_schema(settings)],
        ).fetchall()
    return {str(n): _canonical(table_rows(settings, str(n))) for (n,) in sorted(names)}


def stored_positions(settings: Settings) -> dict[tuple[str, str], Position]:
    """The positions (cursor, complete full export) the destination holds per pair: what any
    run, from any folder or machine, starts from."""
    with make_pipeline(settings).sql_client() as client:
        return read_positions(client).by_pair


# ------------------------------------------------------------------------------ scans
def destination_texts(path: Path) -> dict[str, str]:
    """Every value of every table (dlt's included), and dlt's stored state decompressed."""
    from dlt.pipeline.state_sync import decompress_state

    out: dict[str, str] = {}
    with duckdb.connect(str(path), read_only=True) as db:
        tables = db.execute("SELECT table_schema, table_name FROM information_schema.tables")
        for schema, table in tables.fetchall():
            rows = db.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()
            out[f"table {schema}.{table}"] = "\n".join(str(r) for r in rows)
    settings = Settings(duckdb_path=path, pipelines_dir=path.parent / "pipelines")
    stored = table_rows(settings, "_dlt_pipeline_state")
    out["stored state"] = "\n".join(str(decompress_state(r["state"])) for r in stored)
    assert out["stored state"], "no stored state found: the scan would prove nothing"
    return out


def file_texts(root: Path, *, packages: bool = True) -> dict[str, str]:
    """Every file under ``root``, gzip and parquet decoded; raw bytes read as text too.

    ``packages``: dlt load package files must be among them (a killed run's folder), so that
    the scan sees real content; without, the scan covers whatever finished runs left behind.
    """
    out: dict[str, str] = {}
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        texts = [data.decode("utf-8", errors="replace")]
        if data[:2] == b"\x1f\x8b":
            texts.append(gzip.decompress(data).decode("utf-8", errors="replace"))
        if data[:4] == b"PAR1":
            texts.append(str(pq.read_table(path).to_pylist()))
        out[f"file {path.relative_to(root)}"] = "\n".join(texts)
    if packages:
        found = any("load" in k for k in out)
        assert found, "no load package files: the scan would prove nothing"
    return out


def working_files(pipelines: Path) -> list[Path]:
    """Files that runs left under a pipelines folder, other than their lock files (and the
    ``inspect`` folder of ``make_pipeline``, which the tests use to read the destination)."""
    return [
        p
        for p in pipelines.rglob("*")
        if p.is_file() and p.suffix != ".lock" and "inspect" not in p.parts
    ]


# ------------------------------------------------------------------------------ seams
@contextmanager
def client_tuning(**changes: Any) -> Iterator[None]:
    """Shrink the client's waits (backoff cap, retries, 429 patience) for one test.

    These are ``ClientSettings`` values a person rarely changes, so ``Settings`` does not carry
    them; the behaviour under test is the same, only the clock runs faster.
    """
    original = run_module.client_settings_from

    def tuned(cfg: Settings) -> Any:
        return dataclasses.replace(original(cfg), **changes)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(run_module, "client_settings_from", tuned)
        yield
