"""The ``visma-hrm`` command as the suites run it: in a subprocess, or in-process via typer.

A subprocess is what a person runs (real exit codes, signals, a fresh interpreter);
``run_cli`` invokes the typer app in-process, cheaper where the process itself is not under
test. ``cli_env`` and ``sandbox_env`` give the environment a user of the sandbox would set: the
secret only ever from there, never on the command line.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from visma_hrm.cli import app

CLI = str(Path(sys.executable).parent / "visma-hrm")
"""The installed console script next to this interpreter."""


def cli_env(sb: Any, tmp_path: Path, **extra: str) -> dict[str, str]:
    """This process's environment without ``VISMA_HRM_*``, plus the sandbox's credentials and
    tenants, the default DuckDB file name under ``tmp_path`` and dlt's folders there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VISMA_HRM_")}
    env.update(
        {
            "RUNTIME__DLTHUB_TELEMETRY": "false",
            "VISMA_HRM_API_URL": sb.api_url,
            "VISMA_HRM_TOKEN_URL": sb.token_url,
            "VISMA_HRM_CLIENT_ID": sb.client_id,
            "VISMA_HRM_CLIENT_SECRET": sb.client_secret,
            "VISMA_HRM_TENANTS": ",".join(sb.tenant_ids),
            # the default file name: its catalog is called like the dataset (see duckdb_schema)
            "VISMA_HRM_DUCKDB_PATH": str(tmp_path / "visma_hrm.duckdb"),
            "VISMA_HRM_PIPELINES_DIR": str(tmp_path / "pipelines"),
        }
    )
    env.update(extra)
    return env


def cli_process(
    args: list[str], env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """Run ``visma-hrm ARGS`` in a subprocess to its end; output captured as text."""
    return subprocess.run(
        [CLI, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=240
    )


def run_and_kill(env: dict[str, str], cwd: Path, anchor: str, delay: float) -> bool:
    """Start a sync; SIGKILL it ``delay`` seconds after a log line containing ``anchor``.

    ``-v``: the verbose log has a line for every step (the short log leaves the downloads out).
    Returns whether the process was still running when the signal was due (killed).
    """
    proc = subprocess.Popen(
        [CLI, "sync", "-v"],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = threading.Event()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            if anchor in line:
                seen.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    seen.wait(timeout=120)
    time.sleep(delay)
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    reader.join(timeout=10)
    return killed


@dataclass
class Outcome:
    """One in-process command: its exit code and its output (stdout and stderr merged)."""

    exit_code: int
    output: str

    @property
    def json(self) -> Any:
        return json.loads(self.output)


def run_cli(
    args: list[str], env: Mapping[str, str] | None = None, stdin: str | None = None
) -> Outcome:
    """Run ``visma-hrm ARGS`` in-process, as typer's test runner does, stdout and stderr merged.

    An exception other than the command's own exit is raised, so that a crash is never read
    as an exit code.
    """
    result = CliRunner().invoke(app, args, env=dict(env or {}), input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Outcome(result.exit_code, result.output)


def sandbox_env(sb: Any, tenants: list[str] | None = None, **extra: str) -> dict[str, str]:
    """The ``VISMA_HRM_*`` variables a user of the sandbox would set (the secret only from here)."""
    env = {
        "VISMA_HRM_API_URL": sb.api_url,
        "VISMA_HRM_TOKEN_URL": sb.token_url,
        "VISMA_HRM_CLIENT_ID": sb.client_id,
        "VISMA_HRM_CLIENT_SECRET": sb.client_secret,
        "VISMA_HRM_TENANTS": ",".join(tenants if tenants is not None else sb.tenant_ids),
    }
    env.update(extra)
    return env


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def assert_secret_nowhere(
    secret: str, output: str, root: Path, allowed: Path | None = None
) -> None:
    """The secret is in no output and in no file under ``root`` except ``allowed``."""
    assert secret not in output
    for path in root.rglob("*"):
        if path.is_file() and path != allowed:
            assert secret.encode() not in path.read_bytes(), f"secret leaked into {path}"
