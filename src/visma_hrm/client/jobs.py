"""One export job's life: start it, poll it until done (with a time limit), hand its files on.

The protocol (``docs/client.md``): ``POST /v1/command/{path}`` answers a job id;
``GET /v1/query/{path}/{jobId}`` answers 202/InProgress while the job runs and 200/Completed
with a list of pre-signed file links when it is done. Public clients poll forever; we stop at
``job_timeout_s`` with ``JobTimedOutError``. Fetching every file (and fresh links when one
expired) is ``downloads.py``; reading the JSON answers is ``answers.py``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from visma_hrm.catalog import Dataset
from visma_hrm.client import answers
from visma_hrm.client.answers import JobResult
from visma_hrm.client.auth import SCOPE_HINT, TokenProvider
from visma_hrm.client.bearer import TenantBearer
from visma_hrm.client.downloads import Downloader, JobFiles
from visma_hrm.client.http import Http
from visma_hrm.client.models import Export, ExportProgress, Phase
from visma_hrm.client.retry import Context, Sleep
from visma_hrm.client.settings import ClientSettings, FieldSelection
from visma_hrm.errors import (
    ApiError,
    DatasetNotApprovedError,
    JobFailedError,
    JobTimedOutError,
    ServerError,
    VismaHrmError,
)

log = logging.getLogger("visma_hrm.client")

ProgressCallback = Callable[[ExportProgress], None]


@dataclass
class ExportRequest:
    """One export to run: what, from when, where to put the files, whom to tell."""

    tenant_id: str
    dataset: Dataset
    since: str | None
    fields: FieldSelection | None
    spool_dir: Path
    progress: ProgressCallback | None = None


class ExportJob:
    """Runs one export job from start to downloaded files."""

    def __init__(
        self,
        request: ExportRequest,
        http: Http,
        auth: TokenProvider,
        settings: ClientSettings,
        sleep: Sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.req = request
        self.http = http
        self.settings = settings
        self.sleep = sleep
        self.clock = clock
        self.job_id: str | None = None
        self._bearer = TenantBearer(
            auth, request.tenant_id, request.dataset.scope, self._not_approved
        )
        self._started = clock()
        self._files_total: int | None = None
        self._files_done = 0
        self._bytes = 0

    # ------------------------------------------------------------------ the whole export
    async def run(self) -> Export:
        self._report("starting")
        self.job_id = await self.start()
        self._report("waiting")
        result = await self.wait()
        files = await self.download_all(result.uris)
        self._report("done")
        return Export(
            tenant_id=self.req.tenant_id,
            dataset=self.req.dataset,
            job_id=self.job_id,
            since=self.req.since,
            change_timestamp_before=result.change_timestamp_before,
            files=files,
            bytes=self._bytes,
            seconds=self.clock() - self._started,
        )

    # ------------------------------------------------------------------ API calls
    def _ctx(self, what: str, url: str) -> Context:
        name = self.req.dataset.name
        return Context(
            f"{what} of {name} for tenant {self.req.tenant_id}", url, self.req.tenant_id, name
        )

    def _not_approved(self, reason: str) -> DatasetNotApprovedError:
        name = self.req.dataset.name
        return DatasetNotApprovedError(
            f"Dataset {name} (scope {self.req.dataset.scope}) is not approved for tenant "
            f"{self.req.tenant_id}: {reason}",
            tenant_id=self.req.tenant_id,
            dataset=name,
        )

    async def _api(
        self, method: str, url: str, ctx: Context, params: dict[str, str] | None = None
    ) -> httpx.Response:
        """An authorized API call (token and its renewal on 401: ``bearer.py``).

        A 401 that survived a fresh token, or a 403, means the API will not serve this dataset
        to this tenant: the customer did not approve it (the token cannot say so when one scope
        covers two datasets).
        """
        headers = {"Accept": "application/json"}
        response = await self.http.request(
            method, url, ctx, headers=headers, params=params, auth=self._bearer
        )
        if response.status_code in (401, 403):
            said = answers.server_message(response)
            fresh = " with a fresh token" if response.status_code == 401 else ""
            raise self._not_approved(
                f"the API answered HTTP {response.status_code}"
                f"{f' ({said})' if said else ''}{fresh}: {SCOPE_HINT}."
            )
        return response

    def _unexpected(self, response: httpx.Response, ctx: Context) -> VismaHrmError:
        said = answers.server_message(response)
        hint = (
            "Check the field selection (fields) and the cursor (since) sent with the export."
            if response.status_code == 400
            else "Check api_url in your settings; if it is right, report this to Visma support."
        )
        return ApiError(
            f"{ctx.what}: {ctx.where} answered HTTP {response.status_code}"
            f"{f' ({said})' if said else ''}. {hint}",
            tenant_id=self.req.tenant_id,
            dataset=self.req.dataset.name,
        )

    async def start(self) -> str:
        """Start the job; returns its id. No body is sent (one public client sends none)."""
        url = self.settings.api_base + self.req.dataset.command_path
        ctx = self._ctx("starting the export", url)
        params: dict[str, str] = {}
        if self.req.since:
            params["changeTimestampAfter"] = self.req.since
        selected = self.req.fields.to_param() if self.req.fields else None
        if selected:
            params["fields"] = selected
        response = await self._api("POST", url, ctx, params)
        if not response.is_success:
            raise self._unexpected(response, ctx)
        job_id = answers.field(answers.json_object(response), "jobId")
        if not isinstance(job_id, str) or not job_id:
            raise ServerError(
                f"{ctx.what}: the API accepted the command but answered no job id. "
                "Try again later; report it to Visma support if it lasts.",
                tenant_id=self.req.tenant_id,
                dataset=self.req.dataset.name,
            )
        return job_id

    async def query(self) -> JobResult | None:
        """Ask the job's state once: a result when Completed, None while InProgress."""
        assert self.job_id is not None
        url = self.settings.api_base + self.req.dataset.query_path(self.job_id)
        ctx = self._ctx(f"polling export job {self.job_id}", url)
        response = await self._api("GET", url, ctx)
        if response.status_code not in (200, 202):
            raise self._unexpected(response, ctx)
        body = answers.json_object(response)
        status = answers.field(body, "status")
        if status is None and response.status_code == 202:
            return None  # the manual: 202 while the job runs; a body is optional
        if status is None:
            raise ServerError(
                f"{ctx.what}: the API answered 200 without a job status. "
                "Try again later; report it to Visma support if it lasts.",
                tenant_id=self.req.tenant_id,
                dataset=self.req.dataset.name,
            )
        if str(status).lower() == "inprogress":
            return None
        if str(status).lower() != "completed":
            raise JobFailedError(
                f"{ctx.what}: the job ended with status {status!r}. Run the sync again; if it "
                f"keeps failing, give Visma support the job id {self.job_id}.",
                tenant_id=self.req.tenant_id,
                dataset=self.req.dataset.name,
            )
        return self._result(body or {}, ctx)

    def _result(self, body: answers.JsonObject, ctx: Context) -> JobResult:
        uris = answers.file_uris(body, self.req.dataset.uris_field)
        if uris is None:
            raise ServerError(
                f"{ctx.what}: the job is Completed but its file list is not a list of links. "
                "Report it to Visma support with the job id.",
                tenant_id=self.req.tenant_id,
                dataset=self.req.dataset.name,
            )
        before = answers.field(body, "changeTimestampBefore")
        return JobResult(before if isinstance(before, str) else None, uris)

    async def wait(self) -> JobResult:
        """Poll with a growing interval until Completed, or raise ``JobTimedOutError``.

        The first poll comes after ``poll_initial_s`` (small exports finish in well under a
        second), the interval grows by ``poll_factor`` up to ``poll_max_s``; the last sleep is
        cut short so the final poll lands on the time limit, not after it.
        """
        deadline = self._started + self.settings.job_timeout_s
        delay = self.settings.poll_initial_s
        while True:
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise self._timed_out()
            await self.sleep(min(delay, remaining))
            result = await self.query()
            if result is not None:
                return result
            delay = min(delay * self.settings.poll_factor, self.settings.poll_max_s)

    def _timed_out(self) -> JobTimedOutError:
        return JobTimedOutError(
            f"Export job {self.job_id} of {self.req.dataset.name} for tenant "
            f"{self.req.tenant_id} was still InProgress after {self.settings.job_timeout_s:.0f}s. "
            "Visma's export service may be stuck: run the sync again later, raise job_timeout_s "
            "for very large exports, or give Visma support the job id.",
            tenant_id=self.req.tenant_id,
            dataset=self.req.dataset.name,
        )

    # ------------------------------------------------------------------ downloads
    async def download_all(self, uris: list[str]) -> list[Path]:
        """Download every file of the job into the spool, in list order (``downloads.py``)."""
        self._files_total = len(uris)
        self._report("downloading")
        spool = self.req.spool_dir
        spool.mkdir(parents=True, exist_ok=True)
        stem = f"{self.req.dataset.name}.{_safe(self.req.tenant_id)}.{_safe(self.job_id or '')}"
        paths = [spool / f"{stem}.{i:04d}.csv" for i in range(len(uris))]
        files = JobFiles(self.query, self._ctx, self._unexpected, self._file_done)
        return await Downloader(self.http, files).download_all(uris, paths)

    def _file_done(self, path: Path) -> None:
        self._files_done += 1
        self._bytes += path.stat().st_size
        self._report("downloading")

    def _report(self, phase: Phase) -> None:
        if self.req.progress is None:
            return
        self.req.progress(
            ExportProgress(
                tenant_id=self.req.tenant_id,
                dataset=self.req.dataset.name,
                phase=phase,
                job_id=self.job_id,
                files_total=self._files_total,
                files_done=self._files_done,
                bytes_done=self._bytes,
                elapsed_s=self.clock() - self._started,
            )
        )


def _safe(text: str) -> str:
    """A file-name-safe form of an id that comes from the server."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)[:80]
