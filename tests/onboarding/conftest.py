"""Fixtures for the onboarding tests: a clean environment (the CLI runner, closed ports and
secret scans are in ``tests.support.cli``).

Every test runs in its own empty working directory with no ``VISMA_HRM_*`` variables, so a
developer's own configuration can never make a test pass (or fail) by accident.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import visma_hrm.cli.onboarding_cmd  # noqa: F401  (registers check, init, datasets)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("VISMA_HRM_"):
            monkeypatch.delenv(name)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.chdir(tmp_path)
    yield
