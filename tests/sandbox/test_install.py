"""The ``sandbox`` extra: without it the CLI says what to install; the client never needs it.

Each case runs in a subprocess whose import system hides starlette, uvicorn and faker the way a
production ``pip install visma-hrm`` (no extra) leaves them out: a meta-path finder raises
``ModuleNotFoundError`` for them and records every attempt to import one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import cli_env
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox

HIDDEN = ("starlette", "uvicorn", "faker")
INSTALL = "pip install 'visma-hrm[sandbox]'"

WITHOUT_EXTRA = """
import atexit, importlib.abc, json, os, sys

HIDDEN = {"starlette", "uvicorn", "faker"}
attempts = []


class HideSandboxExtra(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in HIDDEN:
            attempts.append(name)
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, HideSandboxExtra())


@atexit.register
def report():
    loaded = sorted(m for m in sys.modules if m.partition(".")[0] in HIDDEN)
    with open(os.environ["IMPORT_REPORT"], "w") as out:
        json.dump({"attempts": attempts, "loaded": loaded}, out)


if sys.argv[1] == "import-client":
    import visma_hrm.client
else:
    from visma_hrm.cli import main

    sys.argv = ["visma-hrm", *sys.argv[1:]]
    main()
"""


def run_without_extra(
    args: list[str], tmp_path: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, list[str]]]:
    report = tmp_path / "imports.json"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("VISMA_HRM_")}
    environment.update(env or {})
    environment.update({"IMPORT_REPORT": str(report), "RUNTIME__DLTHUB_TELEMETRY": "false"})
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRA, *args],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    imports: dict[str, list[str]] = json.loads(report.read_text())
    return done, imports


@pytest.mark.parametrize("command", ["demo", "sandbox"])
def test_demo_and_sandbox_without_the_extra_say_what_to_install_and_exit_2(
    tmp_path: Path, command: str
) -> None:
    done, imports = run_without_extra([command], tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith(INSTALL), done.stderr
    assert imports["attempts"], "the extra's absence was what the command ran into"
    assert not (tmp_path / "visma_hrm_demo.duckdb").exists()


def test_importing_the_client_needs_no_sandbox_dependency(tmp_path: Path) -> None:
    done, imports = run_without_extra(["import-client"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert imports == {"attempts": [], "loaded": []}


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with start_sandbox(SandboxConfig(tenants=1, employees=10, seed=9)) as sandbox:
        yield sandbox


def test_a_sync_never_imports_a_sandbox_dependency(sb: Sandbox, tmp_path: Path) -> None:
    env = cli_env(sb, tmp_path)
    done, imports = run_without_extra(["sync", "--json", "--dataset", "users"], tmp_path, env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["exit_code"] == 0
    assert imports == {"attempts": [], "loaded": []}
