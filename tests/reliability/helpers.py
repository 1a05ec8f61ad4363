"""What a reliability test needs to judge a run beyond the truth (``tests.support.truth``):
the destination, the state, the positions, the files left behind.

"The destination still holds exactly the previous good state" is checked literally: every row,
every column (load ids and sync times included), of the (tenant, dataset) pairs that failed,
their rejected rows, and their cursors, in the local pipeline state and in the state dlt stored
in the destination.
"""

from __future__ import annotations

import dataclasses
import gzip
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.support.settings import sandbox_settings
from tests.support.tables import canonical_rows, duckdb_rows, make_pipeline
from tests.support.truth import Pair
from visma_hrm.catalog import REJECTED_ROWS_TABLE, TENANT_COLUMN
from visma_hrm.config import Settings
from visma_hrm.load.positions import Position, read_positions
from visma_hrm.sandbox import Sandbox
from visma_hrm.warehouse.runs import RUN_DATASETS_TABLE, RUN_LOG_TABLES


def settings_for(sb: Sandbox, tmp_path: Path, datasets: Sequence[str], **extra: Any) -> Settings:
    """Sandbox settings limited to these datasets."""
    return sandbox_settings(sb, tmp_path, datasets=tuple(datasets), **extra)


# ------------------------------------------------------------------------------ snapshots
def _db_path(settings: Settings) -> str:
    return str(settings.duckdb_path.expanduser().resolve())


def _schema(settings: Settings) -> str:
    return make_pipeline(settings).dataset_name


def table_rows(settings: Settings, table: str) -> list[dict[str, Any]]:
    """Every row and column of one table; [] when the table (or the database) does not exist."""
    if not Path(_db_path(settings)).exists():
        return []
    return duckdb_rows(Path(_db_path(settings)), _schema(settings), table)


def pair_snapshot(settings: Settings, pairs: Iterable[Pair]) -> dict[str, Any]:
    """Everything the destination and the state hold about these pairs, every column."""
    out: dict[str, Any] = {}
    rejected = table_rows(settings, REJECTED_ROWS_TABLE)
    positions = stored_positions(settings)
    for tenant, name in pairs:
        rows = [r for r in table_rows(settings, name) if r[TENANT_COLUMN] == tenant]
        out[f"{tenant}/{name}/rows"] = canonical_rows(rows)
        out[f"{tenant}/{name}/rejected"] = canonical_rows(
            r for r in rejected if r[TENANT_COLUMN] == tenant and r["dataset"] == name
        )
        out[f"{tenant}/{name}/position"] = repr(positions.get((tenant, name)))
    return out


def whole_snapshot(settings: Settings) -> dict[str, list[str]]:
    """Every table of the destination (dlt's own included), every row and column; but the
    run log, which records every run, a failed one too (``failed_runs`` reads it)."""
    with duckdb.connect(_db_path(settings), read_only=True) as db:
        names = db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
            [_schema(settings)],
        ).fetchall()
    return {
        str(n): canonical_rows(table_rows(settings, str(n)))
        for (n,) in sorted(names)
        if n not in RUN_LOG_TABLES
    }


def logged_failures(settings: Settings, run_id: str) -> dict[Pair, tuple[str, str]]:
    """The run log's failed (tenant, dataset) pairs of one run, with error code and message."""
    return {
        (r[TENANT_COLUMN], r["dataset"]): (r["error_code"], r["message"])
        for r in table_rows(settings, RUN_DATASETS_TABLE)
        if r["run_id"] == run_id and r["status"] == "failed"
    }


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
    original = Settings.client_settings

    def tuned(cfg: Settings, **tuning: Any) -> Any:
        return dataclasses.replace(original(cfg, **tuning), **changes)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Settings, "client_settings", tuned)
        yield
