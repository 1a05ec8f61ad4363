"""Which employeeids the change feed reads in a run: the digests over HTTP and a DuckDB file.

The feed derives only the employeeids whose digest moved (``visma_hrm.sync.steps.feed_scope``).
The events tests prove the events are right whatever the scope; these prove the scope itself:
a run over unchanged rows reads nobody (the digest is stable), and a value changed in place,
even from empty text to NULL, puts exactly its employeeid in scope (the digest sees it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.settings import sandbox_settings
from tests.support.tables import duckdb_query
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox
from visma_hrm.sync import SyncSettings, sync
from visma_hrm.sync.steps import feed_scope


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with start_sandbox(SandboxConfig(tenants=1, employees=40, seed=5)) as sandbox:
        yield sandbox


def test_unchanged_rows_put_nobody_in_scope_and_a_value_changed_in_place_its_employee(
    sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_scope: list[int] = []
    prepare = feed_scope.prepare

    def counted(*args: Any, **kwargs: Any) -> int:
        in_scope.append(prepare(*args, **kwargs))
        return in_scope[-1]

    monkeypatch.setattr(feed_scope, "prepare", counted)
    settings = sandbox_settings(sb, tmp_path, change_feed=True)
    db = tmp_path / "hrm.duckdb"

    def scope_of_a_run() -> list[int]:
        in_scope.clear()
        assert sync(SyncSettings(settings)).ok
        return list(in_scope)

    first = scope_of_a_run()
    everyone = duckdb_query(
        db,
        "SELECT count(*) FROM (SELECT employeeid FROM visma_hrm.contracts UNION "
        "SELECT employeeid FROM visma_hrm.employees)",
    )
    assert first == [everyone[0][0]], "a first run reads every employeeid"
    assert scope_of_a_run() == [0], "nothing changed, yet the digests moved"
    (someone,) = duckdb_query(db, "SELECT min(employeeid) FROM visma_hrm.contracts")[0]
    for value, moved in (("", True), (None, True), (None, False)):
        duckdb_query(
            db, "UPDATE visma_hrm.contracts SET orgunit = ? WHERE employeeid = ?", [value, someone]
        )
        assert scope_of_a_run() == [1 if moved else 0], f"orgunit set to {value!r}"
