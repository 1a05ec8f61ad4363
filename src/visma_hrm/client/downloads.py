"""Every file of a completed job: fetched side by side, re-fetched when cut, fresh links on 403.

Public clients read only the first file, or give up on an expired link; this module fetches
each one into the spool (whole files only: ``Http.download`` renames a ``.part`` when it is
complete), asks the job for freshly signed links once when one expired, and refuses a file
that stays cut, since loading it would lose the rows after the cut while the cursor moves on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from visma_hrm.client.answers import JobResult
from visma_hrm.client.csv_files import file_is_whole, last_record_is_complete
from visma_hrm.client.http import Http
from visma_hrm.client.retry import Context
from visma_hrm.errors import LinkExpiredError, MalformedDataError, VismaHrmError

log = logging.getLogger("visma_hrm.client")

NEWLINE_ATTEMPTS = 3
"""Downloads of one file that may end without a final newline before we keep it as it is."""


@dataclass
class _Links:
    """The job's file links; refreshed at most once per generation when one has expired."""

    uris: list[str]
    generation: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass
class JobFiles:
    """What the downloads need of their job: how to ask it again, name calls, map answers."""

    requery: Callable[[], Awaitable[JobResult | None]]
    """Ask the query endpoint once more (a Completed job hands out fresh links)."""
    context: Callable[[str, str], Context]
    """(what, url) -> the Context of a call of this job."""
    unexpected: Callable[[httpx.Response, Context], VismaHrmError]
    """The error for an answer nobody expected."""
    file_done: Callable[[Path], None]
    """Told of each whole file, for progress reports."""


class Downloader:
    """Downloads the files of one job into ``paths`` (one path per link, in list order)."""

    def __init__(self, http: Http, job: JobFiles) -> None:
        self.http = http
        self.job = job

    async def download_all(self, uris: list[str], paths: list[Path]) -> list[Path]:
        """Download every file side by side (bounded per host); on failure delete them all."""
        links = _Links(list(uris))
        try:
            async with asyncio.TaskGroup() as group:
                for index, path in enumerate(paths):
                    group.create_task(self._fetch(links, index, path))
        except BaseExceptionGroup as failed:
            for path in paths:
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)
            raise _first_error(failed) from None
        return paths

    async def _fetch(self, links: _Links, index: int, dest: Path) -> None:
        """One file: re-fetched when it lacks its final newline, fresh link on a 403."""
        refreshed = False
        for attempt in range(1, NEWLINE_ATTEMPTS + 1):
            while True:
                generation, url = links.generation, links.uris[index]
                ctx = self.job.context(f"downloading file {index + 1}", url)
                response = await self.http.download(url, dest, ctx)
                if response.status_code == 403 and not refreshed:
                    refreshed = True
                    await self._refresh_links(links, generation, ctx)
                    continue
                break
            if response.status_code == 403:
                raise _link_expired(ctx)
            if response.status_code != 200:
                raise self.job.unexpected(response, ctx)
            if file_is_whole(dest):
                break
            log.warning(
                "%s: file does not end with a line break outside quotes (attempt %d/%d)",
                ctx.what,
                attempt,
                NEWLINE_ATTEMPTS,
            )
        else:
            _keep_unterminated(dest, ctx)
        self.job.file_done(dest)

    async def _refresh_links(self, links: _Links, generation: int, ctx: Context) -> None:
        """Ask the query endpoint again: a Completed job hands out freshly signed links."""
        async with links.lock:
            if links.generation != generation:
                return  # another file already refreshed them
            log.info("%s: link expired (403); asking the job for fresh links", ctx.what)
            result = await self.job.requery()
            if result is None or len(result.uris) != len(links.uris):
                raise LinkExpiredError(
                    f"{ctx.what}: the link expired and the job did not hand out the same "
                    f"number of fresh links. Run the sync again.",
                    tenant_id=ctx.tenant_id,
                    dataset=ctx.dataset,
                )
            links.uris = result.uris
            links.generation += 1


def _keep_unterminated(dest: Path, ctx: Context) -> None:
    """Keep a file that never ended in a line break only if it ends in a whole record.

    A file still cut after every attempt would load without the rows after the cut while
    the cursor moved past them: no later incremental run would bring them back.
    """
    if not last_record_is_complete(dest):
        raise MalformedDataError(
            f"{ctx.what} was cut off in each of {NEWLINE_ATTEMPTS} downloads, so nothing "
            "of this export was loaded. Run the sync again later; if it keeps happening, "
            "the files Visma produces for this dataset are damaged: contact Visma support.",
            tenant_id=ctx.tenant_id,
            dataset=ctx.dataset,
        )
    log.warning(
        "%s: kept without a final line break after %d downloads (its last record is whole)",
        ctx.what,
        NEWLINE_ATTEMPTS,
    )


def _link_expired(ctx: Context) -> LinkExpiredError:
    return LinkExpiredError(
        f"{ctx.what}: the link ({ctx.where}) was refused with 403 even after asking the "
        "job for a fresh one. The links expire before the download finishes: check the "
        "machine's clock and bandwidth, lower the number of parallel syncs, and run again.",
        tenant_id=ctx.tenant_id,
        dataset=ctx.dataset,
    )


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first real failure inside a task group (typed errors first, then anything)."""
    leaves: list[BaseException] = []

    def walk(exc: BaseException) -> None:
        if isinstance(exc, BaseExceptionGroup):
            for inner in exc.exceptions:
                walk(inner)
        else:
            leaves.append(exc)

    walk(group)
    typed = [e for e in leaves if isinstance(e, VismaHrmError)]
    return (typed or leaves)[0]
