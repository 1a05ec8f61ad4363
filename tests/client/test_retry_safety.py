"""Retry safety and token renewal over real HTTP, with faults the sandbox injects.

retry.py decides that an export command is repeated after its answer was lost, accepting that
Visma may run a second job: these tests prove what that costs (one job never read) and what
it does not (rows lost or doubled, a cursor from the wrong job). bearer.py renews a token the
API refuses with 401 exactly once.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from visma_hrm.catalog import get_dataset
from visma_hrm.client import Export, VismaClient
from visma_hrm.errors import DatasetNotApprovedError
from visma_hrm.sandbox import FaultConfig, Sandbox

from .sandbox_helpers import Spy, assert_matches_truth, export_one, settings_for, with_client


class HeaderSpy(Spy):
    """A Spy that also keeps each request's Authorization as sent (httpx reuses the request
    object when an auth flow sends it again)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent_auth: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent_auth.append((request.url.path, request.headers.get("authorization", "")))
        return await super().handle_async_request(request)


def test_a_command_whose_answer_is_lost_is_repeated_and_only_the_second_job_is_read(
    faults: Sandbox, tmp_path: Path
) -> None:
    tenant = faults.tenant_ids[0]
    faults.set_faults(FaultConfig(late_command_answers=1, late_answer_s=2.0))
    spy = Spy()
    settings = settings_for(faults, read_timeout_s=0.5)
    export = export_one(settings, tenant, "contracts", tmp_path, spy)

    assert len(spy.to("/v1/command/", "POST")) == 2, "the command was sent again"
    jobs = [j for j in faults.jobs(tenant) if j.dataset == "contracts"]
    assert len(jobs) == 2, "the lost answer's job did start on the server"
    lost, used = jobs
    assert lost.queries == 0, "the first job's id never reached the client"
    assert used.queries > 0 and export.job_id == used.id
    assert_matches_truth(faults, export)  # nothing lost, nothing doubled


def test_a_revoked_token_is_renewed_once_and_the_call_sent_again(
    faults: Sandbox, tmp_path: Path
) -> None:
    tenant = faults.tenant_ids[1]
    spy = HeaderSpy()

    async def body(client: VismaClient) -> Export:
        await client.approved_datasets(tenant, [get_dataset("users")])  # token cached
        faults.set_faults(FaultConfig(revoked_tokens_first=1))
        return await client.export(tenant, get_dataset("users"), spool_dir=tmp_path)

    export = with_client(settings_for(faults), body, spy)
    tokens = spy.to("/connect/token")
    commands = spy.to("/v1/command/")
    assert len(tokens) == 2, "one token, then exactly one fresh one after the 401"
    assert len(commands) == 2
    first, second = (a for path, a in spy.sent_auth if path.startswith("/v1/command/"))
    assert first != second, "the repeated command carries the fresh token"
    assert_matches_truth(faults, export)


def test_a_401_that_survives_a_fresh_token_is_not_retried_again(
    faults: Sandbox, tmp_path: Path
) -> None:
    tenant = faults.tenant_ids[0]
    faults.set_faults(FaultConfig(revoked_tokens_first=5))
    spy = Spy()
    with pytest.raises(DatasetNotApprovedError, match=r"HTTP 401.*with a fresh token"):
        export_one(settings_for(faults), tenant, "users", tmp_path, spy)
    assert len(spy.to("/v1/command/")) == 2
    assert len(spy.to("/connect/token")) == 2
