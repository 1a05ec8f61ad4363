"""``VismaClient``: the public face of the package (architecture.md, Contract 2).

One client serves many tenants and datasets at once: it owns one ``httpx.AsyncClient``, one
token cache and one per-host concurrency limit, so exports started side by side (with
``asyncio.gather`` or a task group) share connections and never overrun a host.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

import httpx

from visma_hrm.catalog import Dataset
from visma_hrm.client.auth import SCOPE_HINT, TokenProvider
from visma_hrm.client.http import Http
from visma_hrm.client.jobs import ExportJob, ExportRequest, ProgressCallback
from visma_hrm.client.models import ApprovalReport, Export
from visma_hrm.client.retry import RetryPolicy, Sleep
from visma_hrm.client.settings import ClientSettings, FieldSelection
from visma_hrm.errors import ConfigurationError


class VismaClient:
    """Async client of the Visma.net HRM analytics export API.

    ``transport`` replaces httpx's network transport (tests, proxies). ``sleep``, ``rng`` and
    ``clock`` replace ``asyncio.sleep``, ``random.random`` and ``time.monotonic``, so a test
    can prove a 30-second backoff without waiting 30 seconds.
    """

    def __init__(
        self,
        settings: ClientSettings,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        sleep: Sleep | None = None,
        rng: Callable[[], float] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or time.monotonic
        self.policy = RetryPolicy(
            max_retries=settings.max_retries,
            backoff_base_s=settings.backoff_base_s,
            backoff_max_s=settings.backoff_max_s,
            rate_limit_patience_s=settings.rate_limit_patience_s,
            sleep=sleep or asyncio.sleep,
            rng=rng or random.random,
        )
        self._http = Http(settings, self.policy, transport)
        self._auth = TokenProvider(self._http, settings, self.clock)

    async def __aenter__(self) -> VismaClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def approved_datasets(
        self, tenant_id: str, datasets: Sequence[Dataset]
    ) -> ApprovalReport:
        """Which of ``datasets`` the tenant approved for this application (cached per tenant).

        Whole-tenant problems raise: AuthenticationError (client id or secret),
        TenantNotLinkedError (invitation not accepted), UnreachableError / ServerError.
        """
        _check_tenant(tenant_id)
        scopes = {d.scope for d in datasets}
        if any(self._auth.known(tenant_id, s) is None for s in scopes):
            await self._auth.token(tenant_id, scopes)
        approved: list[str] = []
        refused: dict[str, str] = {}
        for dataset in datasets:
            if self._auth.known(tenant_id, dataset.scope):
                approved.append(dataset.name)
            else:
                refused[dataset.name] = self._auth.refusal(tenant_id, dataset.scope) or SCOPE_HINT
        return ApprovalReport(tenant_id, tuple(approved), refused)

    async def export(
        self,
        tenant_id: str,
        dataset: Dataset,
        *,
        since: str | None = None,
        fields: FieldSelection | None = None,
        spool_dir: Path,
        progress: ProgressCallback | None = None,
    ) -> Export:
        """Run one export job to the end: every file downloaded and checked in ``spool_dir``.

        ``since`` is the ``change_timestamp_before`` of the previous export, passed verbatim
        (None = a full export). Raises the typed errors of ``visma_hrm.errors`` only.
        """
        _check_tenant(tenant_id)
        request = ExportRequest(tenant_id, dataset, since, fields, Path(spool_dir), progress)
        job = ExportJob(
            request, self._http, self._auth, self.settings, self.policy.sleep, self.clock
        )
        return await job.run()


def _check_tenant(tenant_id: str) -> None:
    if not tenant_id or not tenant_id.strip():
        raise ConfigurationError(
            "No tenant id given: copy it from Integrations > Customers of your application in "
            "the Visma Developer Portal."
        )
