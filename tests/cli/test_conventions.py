"""The command line as people expect it from dbt, dlt or meltano, checked through the CLI.

One option vocabulary, `--version`, `-h` everywhere, `-q`/`-v`, workflow order, one error
shape, `--fields` checked before anything is asked, a short plain log, 80-column tables, and
secret masking that leaves other words alone.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support.cli import cli_env, cli_process, closed_port
from visma_hrm import __version__
from visma_hrm.cli import WORKFLOW_ORDER, app
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox

COMMANDS = list(WORKFLOW_ORDER)
TRANSLATED = ("init", "check", "datasets", "sync", "analytics", "sandbox", "demo")
"""Commands whose messages and errors come in the --lang language."""


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("VISMA_HRM_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.chdir(tmp_path)
    yield


def _run(args: list[str], **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "100", **env})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def _options(help_text: str) -> dict[str, str]:
    """``--flag`` -> its metavar and help text, words normalised, default notes left out."""
    options: dict[str, str] = {}
    current = None
    for line in help_text.split("Options:", 1)[1].splitlines():
        match = re.match(r"^  (?:-\w, )?(--[\w-]+)(.*)$", line)
        if match:
            current = match.group(1)
            options[current] = match.group(2)
        elif current and line.startswith("   "):
            options[current] += " " + line
    return {
        flag: " ".join(re.sub(r"\[default: [^\]]*\]|\[x>=\d+\]|\[[^\]]*x>=\d+\]", "", text).split())
        for flag, text in options.items()
    }


# --------------------------------------------------------------------------- the surface
def test_version_and_help_everywhere_in_workflow_order() -> None:
    code, out = _run(["--version"])
    assert (code, out.strip()) == (0, f"visma-hrm {__version__}")
    code, out = _run(["-h"])
    assert code == 0
    listed = re.findall(r"^  (\w+)\s", out.split("Commands:", 1)[1], flags=re.MULTILINE)
    assert listed == COMMANDS
    for command in COMMANDS:
        code, out = _run([command, "-h"])
        assert code == 0 and f"Usage: visma-hrm {command}" in out, command
        assert "<" not in out, f"{command}: a <type> metavar in\n{out}"


READERS = ("changes", "analytics", "report", "model")
"""The commands that read the warehouse: one vocabulary, as sync's."""
READER_OPTIONS = {"--config", "--destination", "--duckdb-path", "--schema", "--tenant", "--lang"}
READER_OPTIONS |= {"--json", "--quiet", "--verbose"}
PER_COMMAND_HELP = {"--tenant", "--since", "--destination", "--duckdb-path"}
"""Flags whose help is written for each command (what a tenant filters, where --since starts);
their name and metavar still mean the same thing everywhere."""


def test_one_option_vocabulary() -> None:
    seen: dict[str, dict[str, str]] = {}
    for command in COMMANDS:
        for flag, text in _options(_run([command, "-h"])[1]).items():
            seen.setdefault(flag, {})[command] = text
    for flag, per_command in seen.items():
        metavars = {text.split(" ", 1)[0] for text in per_command.values() if text[:1].isupper()}
        assert len(metavars) <= 1, f"{flag} has several metavars: {per_command}"
        if flag not in PER_COMMAND_HELP:
            assert len(set(per_command.values())) == 1, f"{flag} differs: {per_command}"
    assert {"sync", "analytics", "demo"} <= set(seen["--duckdb-path"])
    assert {"sandbox", "demo"} <= set(seen["--employees"])
    for command in TRANSLATED:
        assert command in seen["--lang"], command
    for command in COMMANDS:
        assert {"--quiet", "--verbose", "--help"} <= {
            f for f, cmds in seen.items() if command in cmds
        }, command
    for command in READERS:
        taken = {f for f, cmds in seen.items() if command in cmds}
        assert taken >= READER_OPTIONS, (command, READER_OPTIONS - taken)
    # one name per meaning: the analytics views' schema is --analytics-schema wherever it is set
    assert {"--target-schema"}.isdisjoint(seen) and {"analytics", "model"} <= set(
        seen["--analytics-schema"]
    )


def test_help_texts_fit_their_command_and_defaults_agree() -> None:
    helps = {command: _run([command, "-h"])[1] for command in COMMANDS}
    for command, text in helps.items():
        if command != "demo":
            assert "for the demo" not in text, command
    assert "earliest" not in helps["changes"]  # changes --since takes a date or a moment only
    months = {
        command: re.search(r"--months N.*?\[default: (\d+)", " ".join(text.split()))
        for command, text in helps.items()
        if "--months" in text
    }
    assert set(months) == {"analytics", "report"}
    assert len({m.group(1) for m in months.values() if m}) == 1, months


def test_quiet_and_verbose_exclude_each_other() -> None:
    code, out = _run(["-q", "datasets", "-v"])
    assert code == 2 and out.startswith("error (configuration): --quiet and --verbose")


# --------------------------------------------------------------------------- one error style
def test_configuration_errors_have_one_shape_and_suggest_the_close_setting(
    tmp_path: Path,
) -> None:
    (tmp_path / "visma-hrm.toml").write_text('[visma_hrm]\ntenant = ["t1"]\n')
    for command in ("check", "datasets", "sync", "analytics"):
        code, out = _run([command])
        assert code == 2, (command, out)
        assert out.startswith("error (configuration): Unknown setting 'tenant'."), (command, out)
        assert "Did you mean tenants?" in out, command
    code, out = _run(["check", "--lang", "nl"])
    assert code == 2 and out.startswith("fout (configuration): ")


def test_fields_are_checked_against_the_catalog_before_anything_is_asked() -> None:
    nowhere = f"http://127.0.0.1:{closed_port()}"
    env = {
        "VISMA_HRM_CLIENT_ID": "isv_x",
        "VISMA_HRM_CLIENT_SECRET": "s",
        "VISMA_HRM_TENANTS": "2319d23a-7c4b-4c52-9d8e-5a1f0b6e3c21",
        "VISMA_HRM_TOKEN_URL": nowhere + "/connect/token",
        "VISMA_HRM_API_URL": nowhere,
    }
    # a typo in an exclude list would let the very column through: an error, with the fix
    code, out = _run(["sync", "--fields", "employees=!homeemailadress"], **env)
    assert code == 2
    assert out.startswith("error (configuration): fields employees: 'homeemailadress' is not")
    assert "Did you mean homeemailaddress?" in out
    code, out = _run(["sync", "--fields", "employee=!homeemailaddress"], **env)
    assert code == 2 and "Did you mean employees?" in out


# --------------------------------------------------------------------------- against the sandbox
SECRET = "sandbox"
"""A secret that is also part of a word the output must show (isv_sandbox)."""


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    config = SandboxConfig(tenants=2, employees=8, seed=9, client_secret=SECRET)
    with start_sandbox(config) as sandbox:
        yield sandbox


def _env(sb: Sandbox, tmp_path: Path, **extra: str) -> dict[str, str]:
    return cli_env(
        sb,
        tmp_path,
        NO_PROXY="127.0.0.1,localhost",
        COLUMNS="80",
        VISMA_HRM_DUCKDB_PATH=str(tmp_path / "out.duckdb"),
        **extra,
    )


DATASETS = ["--dataset", "users", "--dataset", "contracts"]


@pytest.mark.slow
def test_plain_output_is_a_short_log_and_the_summary_fits_80_columns(
    sb: Sandbox, tmp_path: Path
) -> None:
    done = cli_process(["sync", *DATASETS], _env(sb, tmp_path), tmp_path)
    assert done.returncode == 0, done.stderr
    log = done.stderr.splitlines()
    assert len(log) <= 2 * len(sb.tenant_ids) + 4, log  # one line per export, a few phases
    assert not any("waiting" in line or "starting" in line for line in log)
    for line in done.stdout.splitlines():
        assert len(line) <= 80, line
    assert "…" not in done.stdout
    for tenant in sb.tenant_ids:
        assert tenant in done.stdout  # whole, as people copy them
    sb.advance(days=3)
    verbose = cli_process(["sync", "-v", *DATASETS], _env(sb, tmp_path), tmp_path)
    assert verbose.returncode == 0 and len(verbose.stderr.splitlines()) > len(log)
    quiet = cli_process(["-q", "sync", *DATASETS], _env(sb, tmp_path), tmp_path)
    assert quiet.returncode == 0 and quiet.stderr == ""
    # -q: the result line the README promises, and nothing else (no table, no notes)
    (line,) = quiet.stdout.splitlines()
    assert line.startswith("everything loaded into out.duckdb (schema visma_hrm) in ")


@pytest.mark.slow
def test_a_column_unknown_to_the_catalog_is_a_warning_and_passed_on(
    sb: Sandbox, tmp_path: Path
) -> None:
    args = ["sync", "--dataset", "users", "--fields", "users=!favouritecolour"]
    done = cli_process(args, _env(sb, tmp_path), tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith(
        "warning: fields users: 'favouritecolour' is not in the catalog; it may be a column "
        "new at the source"
    )


@pytest.mark.slow
def test_the_secret_is_masked_as_a_value_not_inside_other_words(
    sb: Sandbox, tmp_path: Path
) -> None:
    done = cli_process(
        ["check", "--tenant", sb.unlinked_tenant_ids[0]], _env(sb, tmp_path), tmp_path
    )
    assert done.returncode == 1
    assert "isv_sandbox" in done.stdout and "isv_*" not in done.stdout
    assert not re.search(r"(?<![\w-])sandbox(?![\w-])", done.stdout)


@pytest.mark.slow
def test_a_destination_error_has_the_same_shape_with_the_root_cause_first(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VISMA_HRM_")}
    env.update(
        RUNTIME__DLTHUB_TELEMETRY="false",
        VISMA_HRM_CLIENT_ID="isv_x",
        VISMA_HRM_CLIENT_SECRET="s",
        VISMA_HRM_TENANTS="2319d23a-7c4b-4c52-9d8e-5a1f0b6e3c21",
        VISMA_HRM_PIPELINES_DIR=str(tmp_path / "pipelines"),
        DESTINATION__POSTGRES__CREDENTIALS=f"postgresql://u:pw-4711@127.0.0.1:{closed_port()}/db",
    )
    done = cli_process(["sync", "--destination", "postgres"], env, tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith(
        "error (destination_unavailable): The destination failed (connecting): "
    )
    assert "Connection refused" in done.stderr.splitlines()[0]
    assert "internet connection may be down" not in done.stderr
    assert "pw-4711" not in done.stdout + done.stderr


@pytest.mark.slow
def test_the_readme_query_works_with_what_is_installed(sb: Sandbox, tmp_path: Path) -> None:
    """The README's query runs with the duckdb Python module on the default file of a sync."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    (command,) = [line for line in readme.splitlines() if line.startswith(".venv/bin/python -c")]
    env = _env(sb, tmp_path)
    del env["VISMA_HRM_DUCKDB_PATH"]  # the default file name, as the README assumes
    assert cli_process(["sync", "--dataset", "contracts"], env, tmp_path).returncode == 0
    command = command.replace(".venv/bin/python", sys.executable, 1)
    done = subprocess.run(
        command, shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    for tenant in sb.tenant_ids:
        assert tenant[:8] in done.stdout


def test_dlts_generic_connection_advice_gives_way_to_the_reason() -> None:
    """The load path keeps the first line of dlt's error, which opens with generic advice."""
    from visma_hrm.cli.common import error_line
    from visma_hrm.errors import DestinationError

    dlt_text = (
        "The destination failed (load): DestinationConnectionError: Connection with "
        "`client_type=PostgresSqlClient` to `dataset_name=visma_hrm` failed. Please check if you "
        "configured the credentials at all and provided the right credentials values. You can "
        "be also denied access or your internet connection may be down. The actual reason "
        'given is: connection to server at "db", port 5432 failed: password authentication failed'
    )
    line = error_line(DestinationError.code, dlt_text)
    assert line == (
        "error (destination): The destination failed (load): DestinationConnectionError: "
        'connection to server at "db", port 5432 failed: password authentication failed'
    )
