"""The client against the sandbox over real HTTP on loopback: every dataset, every fault.

Each test proves an outcome a person would see: rows equal to what Visma holds (the
sandbox's truth), or the typed error with a message that says what to do, never a hang.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.client.sandbox_helpers import (
    Spy,
    canonical,
    expected_rows,
    export_one,
    read_rows,
    settings_for,
    with_client,
)
from visma_hrm.catalog import DATASETS, get_dataset
from visma_hrm.client import Export, ExportProgress, FieldSelection, VismaClient
from visma_hrm.client.csv_files import last_record_is_complete
from visma_hrm.errors import (
    ApiError,
    AuthenticationError,
    DatasetNotApprovedError,
    JobFailedError,
    JobTimedOutError,
    LinkExpiredError,
    MalformedDataError,
    RateLimitedError,
    ServerError,
    TenantNotLinkedError,
)
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


@pytest.fixture(autouse=True)
def no_secrets_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    yield
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "sig=" not in text and "eyJ" not in text and "Bearer " not in text


def assert_matches_truth(sb: Sandbox, export: Export) -> None:
    rows, rejected = read_rows(export)
    assert rejected == []
    truth = sb.truth(export.tenant_id, export.dataset.name)
    assert truth, "the sandbox should hold rows for this dataset"
    assert canonical(rows) == canonical(expected_rows(export.dataset, truth))


# ----------------------------------------------------------------------------- happy path
def test_all_seven_datasets_side_by_side_match_the_truth(sb: Sandbox, tmp_path: Path) -> None:
    spy = Spy()
    tenant = sb.tenant_ids[0]
    reports: list[ExportProgress] = []

    async def body(client: VismaClient) -> list[Export]:
        report = await client.approved_datasets(tenant, list(DATASETS.values()))
        assert report.approved == tuple(DATASETS) and report.refused == {}
        jobs = [
            client.export(tenant, d, spool_dir=tmp_path, progress=reports.append)
            for d in DATASETS.values()
        ]
        return list(await asyncio.gather(*jobs))

    exports = with_client(settings_for(sb), body, spy)
    for export in exports:
        assert_matches_truth(sb, export)
        assert export.change_timestamp_before and export.change_timestamp_before.endswith("Z")
        assert all(p.exists() and p.parent == tmp_path for p in export.files)
        assert export.bytes == sum(p.stat().st_size for p in export.files)
    assert max(len(e.files) for e in exports) >= 3, "several files per export"
    # links are pre-signed: no Authorization header on files, always one on the API
    files = spy.to("/files/")
    assert len(files) == sum(len(e.files) for e in exports)
    assert all("authorization" not in r.headers for r in files)
    assert all("authorization" in r.headers for r in spy.to("/v1/"))
    assert all(not r.content for r in spy.to("/v1/command/"))  # no body sent
    assert len(spy.to("/connect/token")) == 1, "one token per tenant, cached"
    done = [r for r in reports if r.phase == "done"]
    assert len(done) == 7 and all(r.files_done == r.files_total for r in done)


def test_requests_to_one_host_never_exceed_the_per_host_limit(sb: Sandbox, tmp_path: Path) -> None:
    spy = Spy(hold_each_s=0.02)  # every request takes a while: parallel ones overlap
    tenant = sb.tenant_ids[0]

    async def body(client: VismaClient) -> list[Export]:
        jobs = [client.export(tenant, d, spool_dir=tmp_path) for d in DATASETS.values()]
        return list(await asyncio.gather(*jobs))

    exports = with_client(settings_for(sb, max_connections_per_host=2), body, spy)
    assert sum(len(e.files) for e in exports) > 10
    assert spy.most_in_flight == 2  # the token, API and file calls share the host's limit


def test_incremental_export_passes_the_cursor_back_verbatim(sb: Sandbox, tmp_path: Path) -> None:
    spy = Spy()
    tenant = sb.tenant_ids[1]
    settings = settings_for(sb)
    first = export_one(settings, tenant, "contracts", tmp_path / "a", spy)
    sb.advance(days=45)
    second = export_one(
        settings, tenant, "contracts", tmp_path / "b", spy, since=first.change_timestamp_before
    )
    commands = spy.to("/v1/command/")
    assert "changeTimestampAfter" not in commands[0].url.params
    assert commands[1].url.params["changeTimestampAfter"] == first.change_timestamp_before
    assert second.since == first.change_timestamp_before
    assert second.change_timestamp_before != first.change_timestamp_before
    rows, _ = read_rows(second)
    full, _ = read_rows(first)
    assert 0 < len(rows) < len(full) + 10


def test_200_while_running_and_a_byte_order_mark_are_understood(tmp_path: Path) -> None:
    config = SandboxConfig(
        tenants=1, employees=10, in_progress_status=200, csv_bom=True, job_duration_s=0.5
    )
    with start_sandbox(config) as sandbox:
        spy = Spy()
        export = export_one(
            settings_for(sandbox), sandbox.tenant_ids[0], "contracts", tmp_path, spy
        )
        assert len(spy.to("/v1/query/")) >= 2  # polled through 200/InProgress answers
        assert export.files[0].read_bytes().startswith(b"\xef\xbb\xbf")
        assert_matches_truth(sandbox, export)


def test_excluded_fields_are_pushed_down_and_load_as_nulls(sb: Sandbox, tmp_path: Path) -> None:
    spy = Spy()
    tenant = sb.tenant_ids[0]
    selection = FieldSelection(exclude=("emailaddress",))
    export = export_one(settings_for(sb), tenant, "users", tmp_path, spy, fields=selection)
    assert spy.to("/v1/command/")[0].url.params["fields"] == "!emailaddress"
    rows, _ = read_rows(export)
    truth = [dict(r, emailaddress=None) for r in sb.truth(tenant, "users")]
    assert canonical(rows) == canonical(expected_rows(export.dataset, truth))


def test_an_unknown_field_is_an_api_error_that_says_what_to_check(
    sb: Sandbox, tmp_path: Path
) -> None:
    selection = FieldSelection(include=("userid", "nosuchcolumn"))
    config = SandboxConfig(tenants=1, employees=5, unknown_fields="reject", job_duration_s=0)
    with (
        start_sandbox(config) as strict,
        pytest.raises(ApiError, match=r"HTTP 400 \(.*nosuchcolumn.*\)\. Check the field selection"),
    ):
        export_one(settings_for(strict), strict.tenant_ids[0], "users", tmp_path, fields=selection)


# ----------------------------------------------------------------------------- recovered faults
@pytest.mark.parametrize(
    ("fault", "logged"),
    [
        (FaultConfig(error_first=3), "HTTP 50"),
        (FaultConfig(reset_downloads=2), "RemoteProtocolError"),
        (FaultConfig(truncate_downloads=2), "does not end with a line break"),
        (FaultConfig(token_outage_first=2), "getting a token for tenant"),
        (FaultConfig(error_rate=0.5, endpoints=("command", "query", "file"), seed=1), "retry"),
    ],
    ids=["5xx", "reset", "truncated", "token-outage", "random-5xx"],
)
def test_transient_faults_are_recovered_without_losing_or_doubling_rows(
    faults: Sandbox,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    fault: FaultConfig,
    logged: str,
) -> None:
    faults.set_faults(fault)
    export = export_one(settings_for(faults), faults.tenant_ids[0], "employees", tmp_path)
    assert logged in caplog.text, "the fault should have fired and been retried"
    assert len(export.files) >= 2
    assert_matches_truth(faults, export)
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.slow
def test_a_tenant_rate_limit_slows_parallel_exports_but_loses_nothing(
    faults: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    faults.set_faults(FaultConfig(tenant_rate=10, tenant_burst=8))
    tenant = faults.tenant_ids[1]

    async def body(client: VismaClient) -> list[Export]:
        jobs = [client.export(tenant, d, spool_dir=tmp_path) for d in DATASETS.values()]
        return list(await asyncio.gather(*jobs))

    for export in with_client(settings_for(faults), body):
        assert_matches_truth(faults, export)
    assert "429" in caplog.text


@pytest.mark.slow
def test_429_retry_after_is_honoured(faults: Sandbox, tmp_path: Path) -> None:
    faults.set_faults(FaultConfig(rate_limit_first=2, retry_after=1))
    started = time.monotonic()
    export = export_one(settings_for(faults), faults.tenant_ids[0], "users", tmp_path)
    assert time.monotonic() - started >= 2.0  # waited the two Retry-After seconds
    assert_matches_truth(faults, export)


def test_a_file_cut_every_time_fails_the_export_and_keeps_nothing(
    faults: Sandbox, tmp_path: Path
) -> None:
    # Loading it would lose the rows after the cut while the cursor moved past them.
    faults.set_faults(FaultConfig(truncate_downloads=10))
    tenant = faults.tenant_ids[0]
    with pytest.raises(MalformedDataError, match="cut off in each of 3 downloads"):
        export_one(settings_for(faults), tenant, "users", tmp_path)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("a,b\r\n1,2\r\n3,4", True),  # a producer that omits the last line break
        ('a,b\r\n1,"x\r\ny"', True),
        ("a,b\r\n1,2\r\n3", False),  # cut inside the last row
        ('a,b\r\n1,"x\r\n', False),  # cut inside a quoted value, after a line break
        ("a,b\r\n1,2\r\n", True),
    ],
)
def test_only_a_whole_last_record_excuses_a_missing_line_break(
    tmp_path: Path, text: str, kept: bool
) -> None:
    path = tmp_path / "f.csv"
    path.write_text(text, encoding="utf-8", newline="")
    assert last_record_is_complete(path) is kept


# ----------------------------------------------------------------------------- typed errors
@pytest.mark.parametrize(
    ("fault", "tuning", "error", "words"),
    [
        (
            FaultConfig(stuck_datasets=("users",)),
            {"job_timeout_s": 1.0},
            JobTimedOutError,
            "still InProgress",
        ),
        (FaultConfig(failed_datasets=("users",)), {}, JobFailedError, "'Failed'"),
        (
            FaultConfig(rate_limit_rate=1.0, retry_after=1),
            {"rate_limit_patience_s": 1.5},
            RateLimitedError,
            "429",
        ),
        (
            FaultConfig(rate_limit_rate=1.0, retry_after=None),
            {"rate_limit_patience_s": 1.0},
            RateLimitedError,
            "429",
        ),
        (FaultConfig(error_rate=1.0), {"max_retries": 2}, ServerError, "3 times in a row"),
        (FaultConfig(token_outage=True), {"max_retries": 2}, ServerError, "token"),
    ],
    ids=["stuck", "failed", "429-forever", "429-no-header", "5xx-forever", "token-down"],
)
def test_persistent_faults_end_in_a_clear_typed_error_not_a_hang(
    faults: Sandbox,
    tmp_path: Path,
    fault: FaultConfig,
    tuning: dict[str, float],
    error: type[Exception],
    words: str,
) -> None:
    faults.set_faults(fault)
    started = time.monotonic()
    with pytest.raises(error, match=words) as info:
        export_one(settings_for(faults, **tuning), faults.tenant_ids[0], "users", tmp_path)
    assert time.monotonic() - started < 10
    assert getattr(info.value, "tenant_id", None) == faults.tenant_ids[0]
    assert list(tmp_path.glob("*")) == []  # nothing half-done left in the spool


def test_malformed_row_is_rejected_and_the_rest_loads(faults: Sandbox, tmp_path: Path) -> None:
    faults.set_faults(FaultConfig(malformed_datasets=("contracts",)))
    tenant = faults.tenant_ids[0]
    export = export_one(settings_for(faults), tenant, "contracts", tmp_path)
    rows, rejected = read_rows(export)
    truth = expected_rows(export.dataset, faults.truth(tenant, "contracts"))
    assert len(rejected) == 1 and "fields" in rejected[0].reason
    assert len(rows) == len(truth) - 1
    assert set(canonical(rows)) <= set(canonical(truth))


def test_schema_drift_loses_no_data(faults: Sandbox, tmp_path: Path) -> None:
    faults.set_faults(FaultConfig(drift_add=("favouritecolour",), drift_drop=("emailaddress",)))
    tenant = faults.tenant_ids[0]
    export = export_one(settings_for(faults), tenant, "users", tmp_path)
    rows, rejected = read_rows(export)
    assert rejected == [] and rows
    assert all(r["emailaddress"] is None for r in rows)
    truth = faults.truth(tenant, "users")
    assert "favouritecolour" in truth[0]
    assert canonical(rows) == canonical(expected_rows(export.dataset, truth))


def test_wrong_secret_and_unlinked_tenant(sb: Sandbox) -> None:
    datasets = list(DATASETS.values())
    settings = settings_for(sb, secret="not-the-secret-0123")
    with pytest.raises(AuthenticationError, match="Credentials tab") as info:
        with_client(settings, lambda c: c.approved_datasets(sb.tenant_ids[0], datasets))
    assert "not-the-secret-0123" not in str(info.value)
    unlinked = sb.unlinked_tenant_ids[0]
    with pytest.raises(TenantNotLinkedError, match="invitation"):
        with_client(settings_for(sb), lambda c: c.approved_datasets(unlinked, datasets))


# ----------------------------------------------------------------------------- scopes
@pytest.mark.parametrize("mode", ["reject", "narrow"])
def test_unapproved_datasets_are_named_in_both_scope_behaviours(mode: str, tmp_path: Path) -> None:
    config = SandboxConfig(
        tenants=1, employees=10, scope_mode=mode, approvals={0: ["employees", "users"]}
    )
    with start_sandbox(config) as sandbox:
        tenant = sandbox.tenant_ids[0]
        spy = Spy()

        async def body(client: VismaClient) -> None:
            report = await client.approved_datasets(tenant, list(DATASETS.values()))
            # employee_udf_histories shares the employees scope: the token cannot tell
            assert report.approved == ("employees", "employee_udf_histories", "users")
            assert set(report.refused) == {
                "contracts",
                "contract_udf_histories",
                "organization_units",
                "cost_centers",
            }
            with pytest.raises(DatasetNotApprovedError, match="App Store") as info:
                await client.export(tenant, get_dataset("contracts"), spool_dir=tmp_path)
            assert info.value.datasets == ("contracts",)
            # the scope is granted but the dataset is not: the API answers 403
            with pytest.raises(DatasetNotApprovedError, match="HTTP 403") as info:
                await client.export(
                    tenant, get_dataset("employee_udf_histories"), spool_dir=tmp_path
                )
            assert info.value.dataset == "employee_udf_histories"
            users = await client.export(tenant, get_dataset("users"), spool_dir=tmp_path)
            assert_matches_truth(sandbox, users)

        with_client(settings_for(sandbox), body, spy)
        # the refused contracts export never reached the API
        assert not [r for r in spy.to("/v1/command/") if "contracts" in r.url.path]


# ----------------------------------------------------------------------------- tokens and links
@pytest.mark.slow
def test_token_refreshed_in_the_middle_of_a_long_export(tmp_path: Path) -> None:
    config = SandboxConfig(tenants=1, employees=10, job_duration_s=2.5)
    with start_sandbox(config) as sandbox:
        sandbox.set_faults(FaultConfig(token_lifetime_s=1))
        spy = Spy()
        settings = settings_for(sandbox, poll_initial_s=0.2, poll_max_s=0.3)
        export = export_one(settings, sandbox.tenant_ids[0], "contracts", tmp_path, spy)
        assert_matches_truth(sandbox, export)
        assert len(spy.to("/connect/token")) >= 3
        assert len(spy.to("/v1/query/")) >= 6


@pytest.mark.slow
def test_an_expired_link_is_fetched_again_from_fresh_links(tmp_path: Path) -> None:
    config = SandboxConfig(tenants=1, employees=10, link_ttl_s=2, rows_per_file=5)
    with start_sandbox(config) as sandbox:
        spy = Spy(hold_first_file_s=3.2)  # this download reaches storage after its link expired
        export = export_one(settings_for(sandbox), sandbox.tenant_ids[0], "users", tmp_path, spy)
        assert_matches_truth(sandbox, export)
        completed_queries = len(spy.to("/v1/query/"))
        assert completed_queries >= 2  # the job was asked again for fresh links
        assert len(spy.to("/files/")) == len(export.files) + 1


def test_links_that_keep_expiring_end_in_link_expired(tmp_path: Path) -> None:
    config = SandboxConfig(tenants=1, employees=10, link_ttl_s=0)
    with start_sandbox(config) as sandbox:
        with pytest.raises(LinkExpiredError, match="fresh one") as info:
            export_one(settings_for(sandbox), sandbox.tenant_ids[0], "users", tmp_path)
        assert "sig" not in str(info.value)
