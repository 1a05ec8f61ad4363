"""Privacy: personal columns kept out at the source, not filtered after download.

``--privacy-profile contact`` (and ``--fields DATASET=!a,b``) become the API's ``fields=!...``
exclude list, so the columns never leave Visma. Proven from both ends: the recording sandbox
shows the exclude list on every command and a served file header without those columns, and
none of the values the sandbox holds for them appears in the destination or in any file the
run wrote.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.helpers import destination_texts, file_texts, table_rows, working_files
from tests.reliability.recorder import Recording, recording_sandbox
from tests.support.cli import cli_env, cli_process
from visma_hrm.catalog import DATASETS
from visma_hrm.config import Settings
from visma_hrm.sandbox import Sandbox, SandboxConfig

pytestmark = pytest.mark.slow  # every case syncs a recorded sandbox end to end

PERSONAL = set(DATASETS["employees"].contact_columns())
EXTRA = ("nickname", "dateofbirth")
"""Excluded on top of the profile with ``--fields``."""


@pytest.fixture(scope="module")
def recorded() -> Iterator[tuple[Sandbox, Recording]]:
    with recording_sandbox(SandboxConfig(tenants=2, employees=15, seed=95)) as pair:
        yield pair


def test_the_contact_profile_and_field_excludes_never_leave_the_api(
    recorded: tuple[Sandbox, Recording], tmp_path: Path
) -> None:
    sb, recording = recorded
    assert {"homeemailaddress", "mobilephonenumber", "homestreet"} <= PERSONAL
    env = cli_env(sb, tmp_path)
    args = ["sync", "--privacy-profile", "contact", "--fields", f"employees=!{','.join(EXTRA)}"]
    args += ["--dataset", "employees", "--dataset", "users"]
    for _ in range(2):  # a full run and an incremental one
        done = cli_process(args, env, tmp_path)
        assert done.returncode == 0, done.stderr
        sb.advance(days=30)

    hidden = PERSONAL | set(EXTRA)
    commands = [c for c in recording.commands() if c.path.endswith("/nl/hrm/employees")]
    assert len(commands) == 2 * len(sb.tenant_ids)
    for call in commands:
        (fields,) = call.query["fields"]
        assert fields.startswith("!") and set(fields[1:].split(",")) == hidden, fields
    headers = [c.header_line.split(",") for c in recording.calls if c.header_line]
    employee_headers = [h for h in headers if "firstname" in h]
    assert employee_headers, "no employees file was served"
    for header in employee_headers:
        assert not hidden & set(header), header

    settings = Settings(
        duckdb_path=tmp_path / "visma_hrm.duckdb", pipelines_dir=tmp_path / "pipelines"
    )
    rows = table_rows(settings, "employees")
    assert rows and all(r[c] is None for r in rows for c in hidden)
    assert any(r["firstname"] for r in rows) and any(r["businessemailaddress"] for r in rows)

    values = {
        str(r[c])
        for t in sb.tenant_ids
        for r in sb.truth(t, "employees")
        for c in ("homeemailaddress", "mobilephonenumber", "homestreet", "dateofbirth")
        if r.get(c) and len(str(r[c])) >= 6
    }
    assert len(values) > 20, "the sandbox holds no personal values: nothing to look for"
    # finished runs leave no working file behind (downloads, parsed rows, load packages)
    assert not working_files(tmp_path / "pipelines")
    files = file_texts(tmp_path, packages=False)
    places = {**destination_texts(tmp_path / "visma_hrm.duckdb"), **files}
    found = [(where, v) for where, text in places.items() for v in values if v in text]
    assert not found, found[:5]
