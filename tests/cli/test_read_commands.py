"""The commands that read the warehouse against every bad path and every bad setting.

``changes``, ``analytics``, ``report`` and ``model`` are given a path that is missing, a
directory, an empty file, a file that is no DuckDB database, and a DuckDB file another process
holds for writing (a second Python process with ``duckdb.connect``); then a config file with a
value of the wrong type. Each time: no traceback, exactly one ``error (<code>)`` line, the exit
code of the project (2 a wrong path or setting, 75 busy), and nothing created anywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support.cli import CLI
from tests.support.cli import closed_port as _closed_port
from visma_hrm.cli import app

READERS = ("changes", "analytics", "report", "model")

HOLD = """
import sys, time, duckdb
db = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read")
if sys.argv[2] == "write":
    db.execute("CREATE TABLE IF NOT EXISTS t (a INTEGER)")
print("held", flush=True)
time.sleep(600)
"""


def _hold(path: Path, mode: str) -> subprocess.Popen[str]:
    """A second process holding ``path`` open with DuckDB (``write`` or ``read``)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), mode], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("VISMA_HRM_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield


HOLDER: dict[Path, int] = {}
"""The process id of the holder of each held file."""


@pytest.fixture(scope="module")
def held(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A DuckDB file another process holds open for writing, as a sync or a DuckDB shell does."""
    path = tmp_path_factory.mktemp("held") / "busy.duckdb"
    holder = _hold(path, "write")
    HOLDER[path] = holder.pid
    try:
        yield path
    finally:
        holder.kill()
        holder.wait(timeout=30)


def _bad_path(kind: str, tmp_path: Path, held: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    if kind == "directory":
        path.mkdir()
    elif kind == "zero-byte":
        path.touch()
    elif kind == "foreign":
        path.write_text("tenant_id,employeeid\n1,2\n", encoding="utf-8")
    elif kind == "locked":
        return held
    return path


def _files(*roots: Path) -> set[Path]:
    return {p for root in roots for p in root.rglob("*")}


def _invoke(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, env=env or {})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a crash is never read as an exit code
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def _one_error_line(output: str, code: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith(("error (", "fout ("))]
    assert len(lines) == 1, output
    assert lines[0].startswith(f"error ({code}): "), output
    return lines[0]


BAD_PATHS = {
    "missing": ("configuration", 2, "does not exist: run `visma-hrm sync` first"),
    "directory": ("configuration", 2, "is a folder, not a DuckDB file"),
    "zero-byte": ("configuration", 2, "is empty (0 bytes), not a DuckDB database"),
    "foreign": ("configuration", 2, "is not a DuckDB file"),
    "locked": ("concurrent_run", 75, "is open in another program that writes to it (process "),
}


@pytest.mark.parametrize("kind", list(BAD_PATHS))
@pytest.mark.parametrize("command", READERS)
def test_a_bad_path_gets_one_line_the_right_exit_code_and_creates_nothing(
    command: str, kind: str, tmp_path: Path, held: Path
) -> None:
    path = _bad_path(kind, tmp_path, held)
    before = _files(tmp_path, held.parent)
    args = [command, "--duckdb-path", str(path)]
    if command == "report":
        args += ["-o", str(tmp_path / "report.html")]
    code, output = _invoke(args)
    error_code, exit_code, words = BAD_PATHS[kind]
    line = _one_error_line(output, error_code)
    assert code == exit_code, output
    assert words in line and str(path) in line
    assert _files(tmp_path, held.parent) == before  # no database, WAL, report or .part file


def test_the_busy_line_names_the_process_that_holds_the_file(held: Path) -> None:
    for command in READERS:
        _, output = _invoke([command, "--duckdb-path", str(held), "--lang", "nl"])
        line = [ln for ln in output.splitlines() if ln.startswith("fout (concurrent_run): ")]
        assert len(line) == 1 and f"(proces {HOLDER[held]})" in line[0], output


def test_a_file_only_read_elsewhere_can_be_read_but_not_given_views(tmp_path: Path) -> None:
    """A read-only holder (a BI tool) blocks the commands that write views, not ``changes``."""
    path = tmp_path / "shared.duckdb"
    writer = _hold(path, "write")  # a DuckDB file with a table, no change feed
    writer.kill()
    writer.wait(timeout=30)
    reader = _hold(path, "read")
    try:
        code, output = _invoke(["changes", "--duckdb-path", str(path)])
        assert code == 2 and "no change feed yet" in _one_error_line(output, "configuration")
        code, output = _invoke(["analytics", "--duckdb-path", str(path)])
        assert code == 75
        assert "cannot write its views into it" in _one_error_line(output, "concurrent_run")
    finally:
        reader.kill()
        reader.wait(timeout=30)


WRONG_SETTINGS = {
    "duckdb_path = 123": "duckdb_path = 123 (in ",
    "history = 5": "history = 5 (in ",
    'tenants = ["acme"]': "Tenant id 'acme' (in ",
    'concurrency = "many"': 'concurrency = "many" (in ',
    'lang = "fr"': "Unknown language fr (in ",
}


@pytest.mark.parametrize("setting", list(WRONG_SETTINGS))
@pytest.mark.parametrize("command", [*READERS, "sync", "check", "datasets"])
def test_a_setting_of_the_wrong_type_is_refused_before_anything_is_opened(
    command: str, setting: str, tmp_path: Path
) -> None:
    (tmp_path / "visma-hrm.toml").write_text(f"[visma_hrm]\n{setting}\n", encoding="utf-8")
    before = _files(tmp_path)
    code, output = _invoke([command])
    assert code == 2
    assert WRONG_SETTINGS[setting] in _one_error_line(output, "configuration")
    assert _files(tmp_path) == before


@pytest.mark.parametrize("command", READERS)
def test_an_unknown_language_or_tenant_from_the_command_line_or_environment(
    command: str, tmp_path: Path
) -> None:
    code, output = _invoke([command], {"VISMA_HRM_LANG": "xx"})
    assert code == 2 and "Unknown language xx (from VISMA_HRM_LANG)" in output
    code, output = _invoke([command, "--lang", "xx"])
    assert code == 2 and "Unknown language xx" in _one_error_line(output, "configuration")
    code, output = _invoke([command, "--tenant", "acme", "--duckdb-path", "none.duckdb"])
    assert code == 2 and "Tenant id 'acme' (--tenant)" in _one_error_line(output, "configuration")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["changes", "--no-such-flag"], "No such option: --no-such-flag"),
        (["analytics", "--months"], "requires an argument"),
        (["report", "--months", "many"], "Invalid value for '--months'"),
        (["model", "--as-of"], "requires an argument"),
        (["sync", "--concurrency", "x"], "Invalid value for '--concurrency'"),
        (["nosuchcommand"], "No such command 'nosuchcommand'"),
    ],
)
def test_click_usage_errors_have_the_project_shape(args: list[str], words: str) -> None:
    code, output = _invoke(args)
    assert code == 2
    line = _one_error_line(output, "configuration")
    assert words in line and "-h` lists the options" in line
    assert "Usage:" not in output and "Try '" not in output
    code, output = _invoke([*args, "--lang", "nl"])
    assert code == 2 and output.startswith("fout (configuration): ")


def test_the_defaults_spelled_for_help_are_the_libraries_own() -> None:
    """``--help`` must not import the analytics; the defaults it shows are theirs all the same."""
    from visma_hrm.analytics.build import DEFAULT_TARGET_SCHEMA
    from visma_hrm.analytics.star import DEFAULT_MODEL_SCHEMA
    from visma_hrm.cli.model_cmd import DEFAULT_MODEL_SCHEMA as MODEL_DEFAULT
    from visma_hrm.cli.read_options import DEFAULT_ANALYTICS_SCHEMA

    assert (DEFAULT_ANALYTICS_SCHEMA, MODEL_DEFAULT) == (
        DEFAULT_TARGET_SCHEMA,
        DEFAULT_MODEL_SCHEMA,
    )


FEED = """
CREATE SCHEMA visma_hrm;
CREATE TABLE visma_hrm.changes AS
SELECT md5(i::VARCHAR) AS event_id, '2319d23a-7c4b-4c52-9d8e-5a1f0b6e3c21' AS tenant_id,
       'hours_change' AS type, CAST(i AS VARCHAR) AS person_key,
       CAST(100000 + i AS VARCHAR) AS employeeid, '1' AS contractid,
       DATE '2026-01-01' AS effective_date,
       TIMESTAMPTZ '2026-02-01 06:00:00+00' AS detected_at,
       '{"ptfactor": "0.8000"}' AS before, '{"ptfactor": "1.0000"}' AS after,
       'contracts' AS dataset, CAST(100000 + i AS VARCHAR) || '|1|0' AS row_key
FROM range(3000) AS r(i)
"""


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    """A DuckDB file with a change feed of 3,000 events (more than a pipe holds)."""
    import duckdb

    path = tmp_path / "feed.duckdb"
    with duckdb.connect(str(path)) as db:
        db.execute(FEED)
    return path


def test_the_feed_reads_in_every_format_and_the_table_speaks_dutch(feed: Path) -> None:
    code, output = _invoke(["changes", "--duckdb-path", str(feed), "--json", "-q"])
    document = json.loads(output)
    assert code == 0 and document["count"] == 3000
    assert document["events"][0]["detected_at"] == "2026-02-01T06:00:00+00:00"
    assert document["events"][0]["after"] == {"ptfactor": "1.0000"}
    code, output = _invoke(["changes", "--duckdb-path", str(feed), "--lang", "nl"])
    assert code == 0 and "ptfactor: 0,8000 -> 1,0000" in output
    assert "soort" in output and "3.000 gebeurtenis(sen)" in output
    code, output = _invoke(["changes", "--duckdb-path", str(feed)])
    assert "ptfactor: 0.8000 -> 1.0000" in output and "3,000 event(s)" in output
    code, output = _invoke(["changes", "--duckdb-path", str(feed), "--json", "--format", "csv"])
    assert code == 2 and "exclude each other" in _one_error_line(output, "configuration")


@pytest.mark.parametrize(
    "args",
    [
        ["changes", "--format", "table"],
        ["changes", "--format", "jsonl"],
        ["changes", "--format", "csv"],
        ["changes", "--json"],
        ["datasets", "--offline"],
    ],
    ids=lambda a: " ".join(a),
)
def test_a_reader_that_closes_the_pipe_ends_the_command_quietly(
    args: list[str], feed: Path
) -> None:
    """``visma-hrm changes | head``: the reader goes away before the output is written."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VISMA_HRM_")}
    env["VISMA_HRM_DUCKDB_PATH"] = str(feed)
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line: every write meets a closed pipe
    try:
        done = subprocess.run(
            [CLI, *args], stdout=write, stderr=subprocess.PIPE, env=env, text=True, timeout=120
        )
    finally:
        os.close(write)
    assert done.stderr == "" and done.returncode == 141, done.stderr


def test_postgres_without_credentials_or_unreachable_is_one_line(tmp_path: Path) -> None:
    code, output = _invoke(["changes", "--destination", "postgres"])  # as the sync says it
    line = _one_error_line(output, "configuration")
    assert code == 2 and "The postgres destination is not configured" in line
    assert "DESTINATION__POSTGRES__CREDENTIALS" in line
    closed = _closed_port()
    env = {"DESTINATION__POSTGRES__CREDENTIALS": f"postgresql://u:pw-4711@127.0.0.1:{closed}/hr"}
    for command in READERS:
        code, output = _invoke([command, "--destination", "postgres"], env)
        line = _one_error_line(output, "destination")
        assert code == 1 and "PostgreSQL could not be reached" in line, output
        assert "pw-4711" not in output
    code, output = _invoke(["analytics", "--destination", "bigquery"])
    assert code == 2 and "read duckdb or postgres" in _one_error_line(output, "configuration")
