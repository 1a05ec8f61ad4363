"""Shared fixtures: a real PostgreSQL server for the session (started only when a test asks)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

from tests.support.postgres_server import PostgresServer, find_bindir, running_postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    if find_bindir() is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    with running_postgres() as server:
        yield server
