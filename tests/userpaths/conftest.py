"""Fixtures of the user-path suite: a small sandbox, project folders, dlt's folders cleaned up."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.userpaths.helpers import DEFAULT_FILE, destination_folder, remove_destination_folder
from visma_hrm.load.dlt_internals import default_pipelines_dir
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox

SMALL = SandboxConfig(tenants=2, employees=15, seed=10)


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with start_sandbox(SMALL) as sandbox:
        yield sandbox


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A person's HOME; dlt's pipelines folder stays dlt's default (``/var/dlt`` as root)."""
    return tmp_path / "home"


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Project folders (``project("a")``: a fresh folder to run ``visma-hrm`` in); at the end,
    dlt's folder of each one's default warehouse is removed (it lives outside ``tmp_path``)."""
    made: list[Path] = []

    def make(name: str) -> Path:
        folder = tmp_path / name
        folder.mkdir(parents=True, exist_ok=True)
        made.append(folder / DEFAULT_FILE)
        return folder

    yield make
    for db in made:
        remove_destination_folder(db)


@pytest.fixture(autouse=True)
def _dlt_default_location(tmp_path: Path) -> None:
    """The suite is about dlt's real default folder: refuse to run with a redirected one."""
    assert not any(k.startswith("DLT_DATA_DIR") for k in os.environ)
    expected = Path("/var/dlt/pipelines") if os.geteuid() == 0 else Path.home() / ".dlt/pipelines"
    assert Path(default_pipelines_dir()) == expected
    probe = destination_folder(tmp_path / "probe.duckdb")
    assert probe.parent == expected
    remove_destination_folder(tmp_path / "probe.duckdb")
