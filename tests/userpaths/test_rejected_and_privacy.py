"""Deletions on complete evidence only, and exclusions that reach the rows already stored.

Issue 10, case 3: a full refresh with one malformed users row rejected the row and then marked
the real user deleted (exit 0), and a later incremental run kept it deleted. Case 4: a privacy
profile or an exclude list added to an existing warehouse left the personal columns in 277 of
294 stored rows, and dlt's ``*_staging`` schema kept a full copy of them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.userpaths.helpers import (
    DEFAULT_FILE,
    all_pairs,
    assert_no_run_left,
    assert_truth,
    cli,
    rows_of,
    sync_ok,
    tables_of,
    truth_problems,
    user_env,
)
from visma_hrm.catalog import (
    DATASETS,
    DELETED_COLUMN,
    REJECTED_ROWS_TABLE,
    SYNCED_AT_COLUMN,
    privacy_excludes,
)
from visma_hrm.sandbox import FaultConfig, Sandbox

pytestmark = pytest.mark.slow  # whole user journeys: several CLI syncs each

Project = Callable[[str], Path]
PERSONAL = privacy_excludes("contact", DATASETS["employees"])  # what the profile keeps out
EXTRA = ("nickname", "dateofbirth")


def _keys(dataset: str, rows: list[dict[str, object]]) -> set[tuple[object, ...]]:
    """Keys within a tenant (the truth's rows carry no tenant column)."""
    return {tuple(str(r[k]) for k in DATASETS[dataset].primary_key) for r in rows}


def test_a_rejected_row_in_a_full_refresh_is_never_marked_deleted(
    sb: Sandbox, home: Path, project: Project
) -> None:
    folder = project("hr")
    db, env = folder / DEFAULT_FILE, user_env(sb, home)
    sync_ok(env, folder)
    sb.advance(days=60)  # rows change and some go away at the source
    sb.set_faults(FaultConfig(malformed_datasets=("users",)))

    bad = cli(["sync", "--full-refresh"], env, folder, as_json=False)
    assert bad.code == 3, bad.explain()
    assert "Traceback" not in bad.stderr
    summary = " ".join(bad.stdout.split())  # the summary table, unwrapped
    for tenant in sb.tenant_ids:
        assert f"{tenant} users: the full export had 1 rejected row(s)" in summary, summary
        assert "no row was marked deleted" in summary
    assert "everything loaded" not in summary
    assert f"loaded except {len(sb.tenant_ids)} rejected row(s)" in summary, summary
    rejected = rows_of(db, REJECTED_ROWS_TABLE)
    assert {(r["tenant_id"], r["dataset"]) for r in rejected} == set(
        all_pairs(sb, datasets=["users"])
    )
    users = rows_of(db, "users")
    started = max(r[SYNCED_AT_COLUMN] for r in users)
    # the rejected row is the one the refresh did not receive: its earlier version stays current
    kept = [r for r in users if r[SYNCED_AT_COLUMN] < started]
    truth_users = {t: _keys("users", sb.truth(t, "users")) for t in sb.tenant_ids}
    held_back = [r for r in kept if _keys("users", [r]) <= truth_users[str(r["tenant_id"])]]
    assert len(held_back) == len(sb.tenant_ids), held_back
    assert not any(r[DELETED_COLUMN] for r in users)
    # nothing marked deleted for users, in this run; the other datasets' deletions are marked
    others = [(t, d) for t, d in all_pairs(sb) if d != "users"]
    assert_truth(sb, db, others)
    problems = truth_problems(sb, db, all_pairs(sb, datasets=["users"]), linger=True)
    assert all("missing" not in p and "marked deleted" not in p for p in problems), problems

    sb.set_faults(FaultConfig())  # Visma fixes the row
    later = sync_ok(env, folder)
    # no position past the rejected row: users are asked for in full again, the rest goes on
    modes = later.modes()
    assert {m for (_, d), m in modes.items() if d == "users"} == {"full"}
    assert {m for (_, d), m in modes.items() if d != "users"} == {"incremental"}
    assert _keys("users", held_back) <= _keys("users", rows_of(db, "users"))
    assert_truth(sb, db)  # complete now: the users gone at the source are marked deleted too

    fixed = sync_ok(env, folder, "--full-refresh")
    assert all(t["rows_rejected"] == 0 for t in fixed.pairs().values())
    assert_truth(sb, db)  # now the users gone at the source are marked deleted too


def test_a_privacy_profile_added_later_empties_the_stored_rows_in_the_same_run(
    sb: Sandbox, home: Path, project: Project
) -> None:
    folder = project("hr")
    db, env = folder / DEFAULT_FILE, user_env(sb, home)
    sync_ok(env, folder)
    stored = rows_of(db, "employees")
    telling = [c for c in PERSONAL if any(w in c for w in ("street", "email", "phone", "zip"))]
    values = {str(r[c]) for r in stored for c in telling if r[c] is not None}
    assert len(values) > 10, "no personal values stored: the case would prove nothing"
    # dlt's merge copies every load into <schema>_staging: emptied after each load, even
    # before any exclusion, so that no second copy of personal data stays in the file (a
    # first load appends, visma_hrm.load.first_load: then there is no staging copy at all)
    assert _staging_rows(db, required=False) == {}, "the first load's staging copy is there"
    sb.advance(days=30)

    run = cli(["sync", "--privacy-profile", "contact"], env, folder, as_json=False)
    assert run.code == 0, run.explain()
    summary = " ".join(run.stdout.split())
    # the changed selection makes the export full (rows it carries come without the columns);
    # rows it does not carry (gone at the source) are emptied by the same run
    assert "employees: the column selection (fields, privacy profile) changed" in summary
    assert_truth(sb, db, linger=True, excluded={"employees": PERSONAL})
    _assert_nothing_personal_left(db, values)
    assert _staging_rows(db) == {}
    assert_no_run_left(db)

    # an exclude list on top, by a flag: the same, for those columns
    more = cli(
        ["sync", "--privacy-profile", "contact", "--fields", f"employees=!{','.join(EXTRA)}"],
        env,
        folder,
        as_json=False,
    )
    assert more.code == 0, more.explain()
    assert "employees: the column selection" in " ".join(more.stdout.split())
    hidden = (*PERSONAL, *EXTRA)
    assert_truth(sb, db, linger=True, excluded={"employees": hidden})
    births = {str(r["dateofbirth"]) for r in stored if r["dateofbirth"] is not None}
    _assert_nothing_personal_left(db, values | births)


def _staging_rows(db: Path, required: bool = True) -> dict[str, int]:
    """Data tables of dlt's ``*_staging`` schemas that hold rows, with their row counts (dlt's
    own ``_dlt_version`` there holds its schema, no data). ``required``: a merge ran, so a
    staging schema must exist for the check to mean anything."""
    counts = {
        f"{schema}.{table}": len(rows_of(db, table, schema))
        for schema, tables in tables_of(db).items()
        if schema.endswith("_staging")
        for table in tables
        if not table.startswith("_dlt")
    }
    assert counts or not required, "no staging schema: the check would prove nothing"
    return {name: n for name, n in counts.items() if n}


def _assert_nothing_personal_left(db: Path, values: set[str]) -> None:
    """No personal value in any table of any schema: dlt's staging copies included."""
    schemas = tables_of(db)
    staging = [s for s in schemas if s.endswith("_staging")]
    assert staging, f"no staging schema to check: {sorted(schemas)}"
    found = []
    for schema, tables in schemas.items():
        for table in tables:
            text = "\n".join(str(r) for r in rows_of(db, table, schema))
            found += [(schema, table, v) for v in values if v in text]
    assert not found, found[:5]
