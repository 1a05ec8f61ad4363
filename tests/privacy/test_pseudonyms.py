"""The ``pseudonymize`` privacy profile end to end: sandbox over HTTP, real DuckDB / PostgreSQL.

The clear values come from the sandbox's own truth; the tests look for them in every cell of
every table of the destination, in every file dlt wrote in the run's working folder (copied just
before the load, when the load packages are complete), and in the CLI's output and JSON report.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.support.cli import CLI, cli_env
from tests.support.postgres_server import PostgresServer, use_as_dlt_destination
from tests.support.settings import sandbox_settings
from tests.support.tables import fetch_rows, make_pipeline
from visma_hrm.catalog import DATASETS, TENANT_COLUMN
from visma_hrm.config import Settings, load_settings
from visma_hrm.errors import ConfigurationError
from visma_hrm.load.pseudonyms import (
    BIRTH_DATE_COLUMNS,
    KEY_DOMAINS,
    POSTCODE_COLUMNS,
    PRIVACY_TABLE,
    Pseudonymizer,
    columns_replaced,
)
from visma_hrm.redact import Secret
from visma_hrm.sandbox import FaultConfig, Sandbox, SandboxConfig, start_sandbox
from visma_hrm.sync import SyncSettings, sync

KEY = "test-pseudonym-key-0123456789-abcdefghijklmnop"
MIN_SCAN = 6
"""Clear values at least this long are searched as substrings of every text (shorter ones,
such as house number 12, occur by chance in any hex digest; they are checked cell by cell)."""


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with start_sandbox(SandboxConfig(tenants=2, employees=30, seed=21)) as sandbox:
        yield sandbox


def _settings(sb: Sandbox, tmp_path: Path, keys_too: bool = False, **extra: Any) -> Settings:
    return sandbox_settings(
        sb,
        tmp_path,
        privacy_profile="pseudonymize",
        pseudonym_key=Secret(KEY),
        pseudonymize_keys=keys_too,
        **extra,
    )


def _clear_values(sb: Sandbox, keys_too: bool) -> dict[str, set[str]]:
    """Per replaced column, every clear value the sandbox holds now (all tenants, datasets)."""
    out: dict[str, set[str]] = {}
    for name, dataset in DATASETS.items():
        columns = columns_replaced(dataset, keys_too)
        for tenant in sb.tenant_ids:
            for row in sb.truth(tenant, name):
                for column in columns:
                    value = row.get(column)
                    if value and not _allowed_to_stay(column, value):
                        out.setdefault(column, set()).add(value)
    return out


def _allowed_to_stay(column: str, value: str) -> bool:
    """A birth date on 1 January is its own birth year; short key ids like contract "1"."""
    if column in BIRTH_DATE_COLUMNS:
        return value.endswith("-01-01")
    return column == "contractid" and len(value) < MIN_SCAN


def _scan_texts(texts: Iterator[tuple[str, str]], clear: dict[str, set[str]]) -> list[str]:
    """Where a clear value occurs in the texts; an all-digit value (an id) only as a whole
    number, not inside a decimal such as 19.100000."""
    needles = {v for values in clear.values() for v in values if len(v) >= MIN_SCAN}
    words = {n for n in needles if not n.isdigit()}
    numbers = [re.compile(rf"(?<![\d.]){n}(?![\d.])") for n in needles if n.isdigit()]
    found = []
    for where, text in texts:
        found += [f"{where}: {n!r}" for n in words if n in text]
        found += [f"{where}: {n.pattern!r}" for n in numbers if n.search(text)]
    return found


def _destination_texts(settings: Settings) -> Iterator[tuple[str, str]]:
    pipeline = make_pipeline(settings)
    with pipeline.sql_client() as client:
        schema = client.dataset_name
        rows = client.execute_sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", schema
        )
        for (table,) in rows:
            name = client.make_qualified_table_name(str(table))
            with client.execute_query(f"SELECT * FROM {name}") as cursor:
                for row in cursor.fetchall():
                    yield str(table), " | ".join(str(v) for v in row)


def _file_texts(root: Path) -> Iterator[tuple[str, str]]:
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        if data[:4] == b"PAR1":
            table = pq.read_table(pa.BufferReader(data))
            yield str(path), json.dumps(table.to_pylist(), default=str, ensure_ascii=False)
        else:
            yield str(path), data.decode("utf-8", errors="replace")


def _assert_cells_replaced(settings: Settings, clear: dict[str, set[str]]) -> None:
    """No cell of a replaced column equals a clear value of that column."""
    problems = []
    for name, dataset in DATASETS.items():
        rows = fetch_rows(settings, name)
        for column in columns_replaced(dataset, settings.pseudonymize_keys):
            stored = {_text(r[column]) for r in rows if r[column] is not None}
            problems += [f"{name}.{column}: {v!r}" for v in stored & clear.get(column, set())]
    assert not problems, problems[:20]


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _snapshot_before_load(monkeypatch: pytest.MonkeyPatch, into: Path) -> None:
    """Copy dlt's working folder (load packages complete, nothing loaded yet) before the load."""
    original = dlt.Pipeline.load

    def load(self: dlt.Pipeline, *args: Any, **kwargs: Any) -> Any:
        target = into / f"copy-{len(list(into.glob('copy-*')))}"
        shutil.copytree(self.working_dir, target)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(dlt.Pipeline, "load", load)


# ------------------------------------------------------------------------------ DuckDB
@pytest.mark.slow
def test_no_clear_identifier_reaches_the_destination_or_the_working_folder(
    sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(sb, tmp_path)
    copies = tmp_path / "copies"
    copies.mkdir()
    _snapshot_before_load(monkeypatch, copies)
    report = sync(SyncSettings(settings))
    assert report.ok
    clear = _clear_values(sb, keys_too=False)
    assert {"firstname", "homeemailaddress", "homestreet", "dateofbirth", "emailaddress"} <= set(
        clear
    )
    _assert_cells_replaced(settings, clear)
    assert not _scan_texts(_destination_texts(settings), clear)
    assert list(copies.glob("copy-*")), "the load was not intercepted"
    assert not _scan_texts(_file_texts(copies), clear)
    assert not _scan_texts(_file_texts(tmp_path / "pipelines"), clear)  # the run's folder is gone
    # the derived values are what the docs promise: PC4 and 1 January of the birth year
    employees = fetch_rows(settings, "employees")
    assert all(len(r["homezipcode"]) == 4 and r["homezipcode"].isdigit() for r in employees)
    assert {(r["dateofbirth"].month, r["dateofbirth"].day) for r in employees} == {(1, 1)}
    assert all(len(r["firstname"]) == 16 for r in employees)
    # keys stay clear without pseudonymize_keys: rows still match the sandbox's keys
    truth_ids = {r["employeeid"] for t in sb.tenant_ids for r in sb.truth(t, "employees")}
    assert {r["employeeid"] for r in employees} == truth_ids


@pytest.mark.slow
def test_pseudonyms_are_stable_across_runs_and_tenants_and_keep_joins(
    sb: Sandbox, tmp_path: Path
) -> None:
    """Every clear value maps to one pseudonym, in both tenants and both runs; distinct values
    to distinct pseudonyms; and a person's name in contracts equals the one in employees."""
    settings = _settings(sb, tmp_path)
    assert sync(SyncSettings(settings)).ok
    mapping: dict[tuple[str, str], set[str]] = {}
    seen_in: dict[tuple[str, str], set[str]] = {}

    def collect() -> None:
        for name in ("employees", "contracts"):
            dataset = DATASETS[name]
            stored = {
                (r[TENANT_COLUMN], *(str(r[k]) for k in dataset.primary_key)): r
                for r in fetch_rows(settings, name)
            }
            for tenant in sb.tenant_ids:
                for row in sb.truth(tenant, name):
                    key = (tenant, *(_canon_key(row[k]) for k in dataset.primary_key))
                    got = stored[key]
                    for column in ("firstname", "birthname", "formattedname", "homestreet"):
                        if row.get(column):
                            mapping.setdefault((column, row[column]), set()).add(got[column])
                            seen_in.setdefault((column, row[column]), set()).add(tenant)

    collect()
    sb.advance(days=45)
    second = sync(SyncSettings(settings))
    assert second.ok and {t.mode for t in second.tables} == {"incremental"}
    collect()
    assert all(len(p) == 1 for p in mapping.values()), "a value got two pseudonyms"
    by_column: dict[str, dict[str, str]] = {}
    for (column, clear), pseudonyms in mapping.items():
        by_column.setdefault(column, {})[clear] = next(iter(pseudonyms))
    for column, values in by_column.items():
        assert len(set(values.values())) == len(values), f"{column}: two values, one pseudonym"
    shared = [k for k, tenants in seen_in.items() if len(tenants) == 2]
    assert shared, "no clear value in both tenants: the test proves nothing across tenants"


def _canon_key(value: str | None) -> str:
    """The sandbox's key text as the destination returns it (timestamps cut to microseconds)."""
    assert value is not None
    if value.endswith("Z") and "T" in value:
        stamp = dt.datetime.fromisoformat(value[:26] + "+00:00" if "." in value else value)
        return str(stamp.astimezone(dt.UTC))
    return value


@pytest.mark.slow
def test_keys_too_keep_every_join_and_no_clear_id(sb: Sandbox, tmp_path: Path) -> None:
    settings = _settings(sb, tmp_path, keys_too=True)
    assert sync(SyncSettings(settings)).ok
    clear = _clear_values(sb, keys_too=True)
    _assert_cells_replaced(settings, clear)
    assert not _scan_texts(_destination_texts(settings), clear)
    employees = {(r[TENANT_COLUMN], r["employeeid"]) for r in fetch_rows(settings, "employees")}
    contracts = {(r[TENANT_COLUMN], r["employeeid"]) for r in fetch_rows(settings, "contracts")}
    users = fetch_rows(settings, "users")
    assert contracts and contracts <= employees
    assert {(r[TENANT_COLUMN], r["employeeid"]) for r in users if r["employeeid"]} <= employees
    userids = {r["userid"] for r in users}
    managers = {r["manageruserid"] for r in fetch_rows(settings, "contracts") if r["manageruserid"]}
    assert managers and managers <= userids
    assert set(KEY_DOMAINS) >= {"employeeid", "contractid", "userid"}


# ------------------------------------------------------------------------------ CLI
def _env(
    sb: Sandbox, tmp_path: Path, key: str = KEY, profile: str = "pseudonymize"
) -> dict[str, str]:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'client_secret = "{sb.client_secret}"\npseudonym_key = "{key}"\n')
    secrets.chmod(0o600)
    env = cli_env(
        sb,
        tmp_path,
        VISMA_HRM_SECRETS_FILE=str(secrets),
        VISMA_HRM_DUCKDB_PATH=str(tmp_path / "hrm.duckdb"),
        VISMA_HRM_PRIVACY_PROFILE=profile,
    )
    del env["VISMA_HRM_CLIENT_SECRET"]  # the secret comes from the secrets file only
    return env


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the CLI; stderr with its line wrapping undone (rich wraps at the terminal width)."""
    done = subprocess.run(
        [CLI, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=240
    )
    done.stderr = " ".join(done.stderr.split())
    return done


@pytest.mark.slow
def test_cli_output_report_and_rejected_rows_hold_no_clear_value_nor_the_key(
    sb: Sandbox, tmp_path: Path
) -> None:
    sb.set_faults(FaultConfig(malformed_datasets=("employees",)))
    env = _env(sb, tmp_path)
    done = _cli(["sync", "--json"], env, tmp_path)
    assert done.returncode == 3, done.stderr  # the malformed row is rejected, nothing lost
    report = json.loads(done.stdout)
    assert report["exit_code"] == 3
    clear = _clear_values(sb, keys_too=False)
    texts = [("stdout", done.stdout), ("stderr", done.stderr)]
    assert not _scan_texts(iter(texts), clear)
    assert KEY not in done.stdout + done.stderr
    settings = load_settings(env={**env, "VISMA_HRM_CLIENT_SECRET": sb.client_secret})
    rejected = fetch_rows(settings, "_visma_rejected_rows")
    assert rejected and all(r["raw"] == "(withheld: pseudonymize)" for r in rejected)
    assert not _scan_texts(_destination_texts(settings), clear)
    assert fetch_rows(settings, PRIVACY_TABLE)[0]["keys_pseudonymized"] is False


@pytest.mark.slow
def test_mixing_clear_data_pseudonyms_or_two_keys_is_refused(sb: Sandbox, tmp_path: Path) -> None:
    clear_run = _cli(["sync", "--dataset", "users"], _env(sb, tmp_path, profile=""), tmp_path)
    assert clear_run.returncode == 0, clear_run.stderr
    refused = _cli(["sync", "--dataset", "users"], _env(sb, tmp_path), tmp_path)
    assert refused.returncode == 2
    assert "already holds clear" in refused.stderr and "Traceback" not in refused.stderr

    other = tmp_path / "other"
    other.mkdir()
    assert _cli(["sync", "--dataset", "users"], _env(sb, other), other).returncode == 0
    other_key = _cli(["sync", "--dataset", "users"], _env(sb, other, key="x" * 40), other)
    assert other_key.returncode == 2 and "another pseudonym_key" in other_key.stderr
    assert "x" * 40 not in other_key.stdout + other_key.stderr
    unprotected = _cli(["sync", "--dataset", "users"], _env(sb, other, profile=""), other)
    assert unprotected.returncode == 2 and "holds pseudonymized data" in unprotected.stderr
    short = _cli(["sync", "--dataset", "users"], _env(sb, other, key="short"), other)
    assert short.returncode == 2 and "at least 32" in short.stderr


def test_the_key_comes_from_the_secrets_file_only(tmp_path: Path) -> None:
    config = tmp_path / "visma-hrm.toml"
    config.write_text(f'[visma_hrm]\npseudonym_key = "{KEY}"\n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match="contains pseudonym_key"):
        load_settings(config, env={})
    with pytest.raises(ConfigurationError, match="flag"):
        load_settings(None, env={}, overrides={"pseudonym_key": KEY})
    with pytest.raises(ConfigurationError, match="needs a key"):
        Pseudonymizer.from_settings(Settings(privacy_profile="contact,pseudonymize"))
    settings = load_settings(None, env={"VISMA_HRM_PSEUDONYM_KEY": KEY})
    assert KEY not in repr(settings)


def test_postcodes_keep_their_four_digits_and_birth_dates_their_year() -> None:
    pseudonymizer = Pseudonymizer(Secret(KEY))
    table = pa.table(
        {
            "homezipcode": ["1234 AB", "1234AB", " 9999 zz ", "SW1A 1AA", None],
            "dateofbirth": pa.array(
                [dt.date(1980, 7, 31), dt.date(1980, 1, 1), None, dt.date(2001, 12, 31), None]
            ),
        }
    )
    out = pseudonymizer.table(table, DATASETS["employees"]).to_pydict()
    assert out["homezipcode"] == ["1234", "1234", "9999", None, None]
    assert out["dateofbirth"] == [
        dt.date(1980, 1, 1),
        dt.date(1980, 1, 1),
        None,
        dt.date(2001, 1, 1),
        None,
    ]
    assert set(POSTCODE_COLUMNS) <= set(columns_replaced(DATASETS["employees"], False))


# ------------------------------------------------------------------------------ PostgreSQL
@pytest.mark.slow
@pytest.mark.postgres
def test_no_clear_identifier_reaches_postgres(
    sb: Sandbox, postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = use_as_dlt_destination(postgres_server, monkeypatch, "pseudo")
    settings = _settings(sb, tmp_path, keys_too=True, destination="postgres", dataset_name=schema)
    copies = tmp_path / "copies"
    copies.mkdir()
    _snapshot_before_load(monkeypatch, copies)
    assert sync(SyncSettings(settings)).ok
    sb.advance(days=30)
    assert sync(SyncSettings(settings)).ok
    clear = _clear_values(sb, keys_too=True)
    _assert_cells_replaced(settings, clear)
    assert not _scan_texts(_destination_texts(settings), clear)
    assert not _scan_texts(_file_texts(copies), clear)


def test_init_rewriting_the_secrets_file_keeps_the_pseudonym_key(tmp_path: Path) -> None:
    from visma_hrm.config import write_secrets

    path = tmp_path / ".visma-hrm.secrets.toml"
    path.write_text(f'client_secret = "old"\npseudonym_key = "{KEY}"\n', encoding="utf-8")
    write_secrets(path, Secret("new"))
    settings = load_settings(None, env={"VISMA_HRM_SECRETS_FILE": str(path)})
    assert settings.client_secret is not None and settings.client_secret.reveal() == "new"
    assert settings.pseudonym_key is not None and settings.pseudonym_key.reveal() == KEY
    assert path.stat().st_mode & 0o777 == 0o600
