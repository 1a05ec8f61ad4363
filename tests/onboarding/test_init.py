"""`visma-hrm init` driven as a person would: at a terminal, and in its non-interactive form.

The interactive runs go through a real pseudo-terminal (the child's controlling terminal), so
the secret prompt's "no echo" is the terminal's, exactly as at a person's keyboard.
"""

from __future__ import annotations

import os
import pty
import select
import stat
import sys
import termios
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import assert_secret_nowhere, run_cli, sandbox_env
from visma_hrm.sandbox import SandboxConfig, start_sandbox

HIDDEN = {"Client secret"}
"""Prompts whose answer must not be echoed."""

CLI = [sys.executable, "-c", "from visma_hrm.cli import main; main()"]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    with start_sandbox(SandboxConfig(tenants=2, employees=2, seed=11)) as sb:
        yield sb


def drive_terminal(args: list[str], answers: list[tuple[str, str]], cwd: Path) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal; wait for each prompt text, then type the answer."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VISMA_HRM_")}
    env.update(COLUMNS="120", LINES="40", TERM="xterm")
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is its controlling terminal
        os.chdir(cwd)
        os.execve(sys.executable, [*CLI, *args], env)
    seen = b""
    try:
        for prompt, answer in answers:
            seen = _read_until(fd, seen, prompt.encode())
            if prompt in HIDDEN:
                _wait_for_echo_off(fd)
            os.write(fd, answer.encode() + b"\r")
        seen = _read_until(fd, seen, None)
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")


def _wait_for_echo_off(fd: int, timeout: float = 20) -> None:
    """A person types the secret once the prompt waits for it: with the terminal's echo off.

    (click prints the prompt text before getpass turns echo off; typing earlier would race.)
    Times out, failing the test, if the program never turns echo off.
    """
    deadline = time.monotonic() + timeout
    while termios.tcgetattr(fd)[3] & termios.ECHO:
        assert time.monotonic() < deadline, "the secret prompt never turned echo off"
        time.sleep(0.01)


def _read_until(fd: int, seen: bytes, wanted: bytes | None, timeout: float = 30) -> bytes:
    """Read until ``wanted`` appears after what was seen already (None: until the child ends)."""
    start, deadline = len(seen), time.monotonic() + timeout
    while wanted is None or wanted not in seen[start:]:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"timed out waiting for {wanted!r}; got:\n{seen.decode()}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            chunk = b""
        if not chunk:
            assert wanted is None, f"ended before {wanted!r}; got:\n{seen.decode()}"
            return seen
        seen += chunk
    return seen


def _secrets(config: Path) -> Path:
    return config.parent / ".visma-hrm.secrets.toml"


def _files(config: Path) -> tuple[dict[str, Any], Path]:
    return tomllib.loads(config.read_text())["visma_hrm"], _secrets(config)


def _assert_written(config: Path, sb: Any, secret: str, tenants: list[str]) -> None:
    table, secrets = _files(config)
    assert table["client_id"] == sb.client_id
    assert table["tenants"] == tenants
    assert table["token_url"] == sb.token_url and table["api_url"] == sb.api_url
    assert "client_secret" not in table
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert tomllib.loads(secrets.read_text()) == {"client_secret": secret}


@pytest.mark.slow
def test_interactive_init_checks_and_writes_without_echoing_the_secret(
    sandbox: Any, tmp_path: Path
) -> None:
    config = tmp_path / "cfg" / "visma-hrm.toml"
    args = ["init", "--config", str(config), "--api-url", sandbox.api_url]
    args += ["--token-url", sandbox.token_url]
    answers = [
        ("Client id", sandbox.client_id),
        ("Client secret", sandbox.client_secret),
        ("Tenant ids", ", ".join(sandbox.tenant_ids)),
    ]
    code, screen = drive_terminal(args, answers, tmp_path)
    assert code == 0, screen
    assert "The credentials work." in screen and "Wrote" in screen
    _assert_written(config, sandbox, sandbox.client_secret, sandbox.tenant_ids)
    assert_secret_nowhere(sandbox.client_secret, screen, tmp_path, allowed=_secrets(config))
    # What init wrote is what check reads: no environment, the secret from the secrets file.
    again = run_cli(["check", "--json", "--config", str(config)])
    assert again.exit_code == 0, again.output


@pytest.mark.slow
def test_interactive_init_asks_again_for_a_tenant_id_that_is_not_a_uuid(
    sandbox: Any, tmp_path: Path
) -> None:
    config = tmp_path / "visma-hrm.toml"
    args = ["init", "--api-url", sandbox.api_url, "--token-url", sandbox.token_url]
    answers = [
        ("Client id", sandbox.client_id),
        ("Client secret", sandbox.client_secret),
        ("Tenant ids", "acme-production"),
        ("Tenant ids", sandbox.tenant_ids[0]),
    ]
    code, screen = drive_terminal(args, answers, tmp_path)
    assert code == 0, screen
    assert "Tenant id 'acme-production' is not a tenant id" in screen
    _assert_written(config, sandbox, sandbox.client_secret, [sandbox.tenant_ids[0]])


@pytest.mark.slow
@pytest.mark.parametrize("write_anyway", [False, True], ids=["declined", "accepted"])
def test_interactive_init_with_a_wrong_secret_says_why_and_asks(
    sandbox: Any, tmp_path: Path, write_anyway: bool
) -> None:
    wrong = "wrong-secret-0815"
    config = tmp_path / "visma-hrm.toml"
    args = ["init", "--api-url", sandbox.api_url, "--token-url", sandbox.token_url]
    args += ["--client-id", sandbox.client_id, "--lang", "nl"]
    answers = [
        ("Client secret", wrong),
        ("Tenant ids", sandbox.tenant_ids[0]),
        ("toch opslaan?", "y" if write_anyway else "n"),
    ]
    code, screen = drive_terminal(args, answers, tmp_path)
    assert "tabblad Credentials" in screen and "[derde partij]" in screen
    assert_secret_nowhere(wrong, screen, tmp_path, allowed=_secrets(config))
    if write_anyway:
        assert code == 0, screen
        _assert_written(config, sandbox, wrong, [sandbox.tenant_ids[0]])
    else:
        assert code == 1, screen
        assert "Er is niets opgeslagen." in screen
        assert list(tmp_path.iterdir()) == []


def test_non_interactive_init_takes_the_secret_from_the_environment(
    sandbox: Any, tmp_path: Path
) -> None:
    env = {"VISMA_HRM_CLIENT_SECRET": sandbox.client_secret}
    args = ["init", "--non-interactive", "--client-id", sandbox.client_id]
    args += ["--tenant", sandbox.tenant_ids[0], "--tenant", sandbox.tenant_ids[1]]
    args += ["--api-url", sandbox.api_url, "--token-url", sandbox.token_url]
    outcome = run_cli(args, env)
    assert outcome.exit_code == 0, outcome.output
    config = tmp_path / "visma-hrm.toml"
    _assert_written(config, sandbox, sandbox.client_secret, sandbox.tenant_ids)
    assert_secret_nowhere(sandbox.client_secret, outcome.output, tmp_path, _secrets(config))


def test_non_interactive_init_reads_the_secret_from_stdin(sandbox: Any, tmp_path: Path) -> None:
    config = tmp_path / "elsewhere" / "prod.toml"
    args = ["init", "--non-interactive", "--secret-stdin", "--config", str(config)]
    args += ["--client-id", sandbox.client_id, "--tenant", sandbox.tenant_ids[1]]
    env = {"VISMA_HRM_API_URL": sandbox.api_url, "VISMA_HRM_TOKEN_URL": sandbox.token_url}
    outcome = run_cli(args, env, stdin=sandbox.client_secret + "\n")
    assert outcome.exit_code == 0, outcome.output
    _assert_written(config, sandbox, sandbox.client_secret, [sandbox.tenant_ids[1]])
    assert_secret_nowhere(sandbox.client_secret, outcome.output, tmp_path, _secrets(config))


def test_non_interactive_init_writes_nothing_when_the_check_fails(
    sandbox: Any, tmp_path: Path
) -> None:
    env = sandbox_env(sandbox, [sandbox.unlinked_tenant_ids[0]])
    args = ["init", "--non-interactive"]
    refused = run_cli(args, env)
    assert refused.exit_code == 1
    assert "tenant_not_linked" not in refused.output  # sentences, not codes, for people
    assert "is not linked to your application" in refused.output
    assert "Nothing was written." in refused.output
    assert list(tmp_path.iterdir()) == []
    forced = run_cli([*args, "--force"], env)
    assert forced.exit_code == 0, forced.output
    table, secrets = _files(tmp_path / "visma-hrm.toml")
    assert table["tenants"] == [sandbox.unlinked_tenant_ids[0]]
    assert_secret_nowhere(sandbox.client_secret, forced.output, tmp_path, secrets)


def test_non_interactive_init_needs_every_value_and_never_a_secret_flag(tmp_path: Path) -> None:
    missing = run_cli(["init", "--non-interactive", "--client-id", "isv_x"])
    assert missing.exit_code == 2
    assert "at least one --tenant, a secret" in missing.output
    assert "VISMA_HRM_CLIENT_SECRET" in missing.output
    flag = run_cli(["init", "--non-interactive", "--client-secret", "s3cret"])
    assert flag.exit_code == 2 and "No such option" in flag.output
    assert list(tmp_path.iterdir()) == []


def test_running_init_again_keeps_the_other_settings_of_the_file(
    sandbox: Any, tmp_path: Path
) -> None:
    config = tmp_path / "visma-hrm.toml"
    config.write_text(
        "# the nightly load of our HR data\n"
        '[visma_hrm]\nclient_id = "isv_old"\ntenants = ["11111111-2222-3333-4444-555555555555"]\n'
        'destination = "postgres"\ndatasets = ["contracts", "employees"]\n'
        'change_feed = true  # joiners and leavers for provisioning\nhistory = ["contracts"]\n'
        "retention = 7\n"
        '[visma_hrm.fields]\nemployees = "!homeemailaddress,homephonenumber"\n'
    )
    env = sandbox_env(sandbox, [sandbox.tenant_ids[0]], VISMA_HRM_LANG="nl")
    del env["VISMA_HRM_CLIENT_ID"]
    outcome = run_cli(["init", "--non-interactive", "--client-id", sandbox.client_id], env)
    assert outcome.exit_code == 0, outcome.output
    assert "De gegevens werken." in outcome.output
    table, secrets = _files(config)
    assert table["client_id"] == sandbox.client_id
    assert table["tenants"] == [sandbox.tenant_ids[0]]
    assert table["destination"] == "postgres" and table["datasets"] == ["contracts", "employees"]
    assert table["change_feed"] is True and table["history"] == ["contracts"]
    assert table["retention"] == 7
    assert table["fields"] == {"employees": "!homeemailaddress,homephonenumber"}
    written = config.read_text()
    assert "# the nightly load of our HR data" in written
    assert "# joiners and leavers for provisioning" in written
    assert "warning" not in outcome.output and "waarschuwing" not in outcome.output
    assert_secret_nowhere(sandbox.client_secret, outcome.output, tmp_path, secrets)


def test_init_refuses_a_tenant_id_that_is_not_a_uuid_before_asking_visma(
    sandbox: Any, tmp_path: Path
) -> None:
    env = {"VISMA_HRM_CLIENT_SECRET": sandbox.client_secret}
    args = ["init", "--non-interactive", "--client-id", sandbox.client_id, "--tenant", "acme"]
    refused = run_cli([*args, "--api-url", sandbox.api_url, "--token-url", sandbox.token_url], env)
    assert refused.exit_code == 2
    assert refused.output.startswith("error (configuration): Tenant id 'acme' (--tenant) is not")
    assert list(tmp_path.iterdir()) == []
    from_env = run_cli(
        ["init", "--non-interactive"], {**sandbox_env(sandbox), "VISMA_HRM_TENANTS": "acme"}
    )
    assert from_env.exit_code == 2 and "(from VISMA_HRM_TENANTS)" in from_env.output


def test_init_keeps_a_file_it_cannot_read_unless_forced(sandbox: Any, tmp_path: Path) -> None:
    config = tmp_path / "visma-hrm.toml"
    config.write_text("[visma_hrm\nchange_feed = true\n")
    env = sandbox_env(sandbox, [sandbox.tenant_ids[0]])
    refused = run_cli(["init", "--non-interactive"], env)
    assert refused.exit_code == 2 and "not valid TOML" in refused.output
    assert "--force" in refused.output
    assert config.read_text() == "[visma_hrm\nchange_feed = true\n"
    forced = run_cli(["init", "--non-interactive", "--force"], env)
    assert forced.exit_code == 0, forced.output
    assert _files(config)[0]["tenants"] == [sandbox.tenant_ids[0]]
