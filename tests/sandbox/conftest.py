"""The sandbox suite's shared fixture: a small sandbox per module (the plain-httpx client the
tests talk to it with is ``tests.support.sandbox_api``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox

SMALL = SandboxConfig(tenants=2, employees=30, rows_per_file=40, job_duration_s=0.3)


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    """A small sandbox shared by a test module (tests that change it use their own)."""
    with start_sandbox(SMALL) as sandbox:
        yield sandbox
