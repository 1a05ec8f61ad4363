"""Start-up stays light: `--help`, `sync --help` and `check` load no dlt, pyarrow or pandas.

Every command's module is imported for `--help` (that is how the commands register), so one
module-level `import dlt` anywhere in the CLI, the settings, the catalog, the messages or the
onboarding would add seconds to every `visma-hrm --help` and to every `check` a person runs
while getting access. The CLI runs in a fresh interpreter as `visma-hrm` does; at exit the
wrapper prints the top-level names of every module loaded. `check` runs for real against the
sandbox, token and approvals included. (How fast it is belongs to the bench, not here.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from visma_hrm.sandbox import SandboxConfig, start_sandbox

HEAVY = ("dlt", "pyarrow", "pandas", "duckdb", "plotly", "starlette", "uvicorn", "faker")
"""Libraries a command loads when it works with data, never to start or to check access."""

WRAPPER = """
import atexit, sys
atexit.register(lambda: print("LOADED " + " ".join(sorted({m.split('.')[0] for m in sys.modules})),
                              file=sys.stderr))
sys.argv[0] = "visma-hrm"
from visma_hrm.cli import main
main()
"""


def _loaded(
    args: list[str], cwd: Path, **env: str
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VISMA_HRM_")}
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *args],
        env={**clean, "NO_PROXY": "127.0.0.1,localhost", **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in done.stderr.splitlines() if line.startswith("LOADED ")]
    assert len(lines) == 1, done.stderr
    return done, set(lines[0].split()[1:])


@pytest.mark.parametrize("args", [["--help"], ["sync", "--help"], ["check", "--help"]])
def test_help_loads_no_data_library(args: list[str], tmp_path: Path) -> None:
    done, loaded = _loaded(args, tmp_path)
    assert done.returncode == 0 and "Usage: visma-hrm" in done.stdout, done.stderr
    assert "visma_hrm" in loaded  # the wrapper did see the CLI's modules
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_check_against_the_sandbox_loads_no_data_library(tmp_path: Path) -> None:
    with start_sandbox(SandboxConfig(tenants=2, employees=5, seed=3)) as sb:
        env = {
            "VISMA_HRM_CLIENT_ID": sb.client_id,
            "VISMA_HRM_CLIENT_SECRET": sb.client_secret,
            "VISMA_HRM_TENANTS": ",".join(sb.tenant_ids),
            "VISMA_HRM_TOKEN_URL": sb.token_url,
            "VISMA_HRM_API_URL": sb.api_url,
        }
        done, loaded = _loaded(["check"], tmp_path, **env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert all(t in done.stdout for t in sb.tenant_ids), done.stdout  # it did ask every tenant
    assert {"httpx", "visma_hrm"} <= loaded  # it did go over HTTP
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
