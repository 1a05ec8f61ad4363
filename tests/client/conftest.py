"""The sandbox the client's end-to-end suites share (module-scoped: one server per module)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from visma_hrm.sandbox import FaultConfig, Sandbox, SandboxConfig, start_sandbox


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with start_sandbox(SandboxConfig(tenants=2, employees=25, rows_per_file=20, seed=3)) as sandbox:
        yield sandbox


@pytest.fixture
def faults(sb: Sandbox) -> Iterator[Sandbox]:
    """The shared sandbox, with faults cleared after the test whatever happens."""
    yield sb
    sb.set_faults(FaultConfig())
