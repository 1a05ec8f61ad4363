"""``diagnose``: probe everything a configuration names and say which step of the manual is
missing, by whom, per tenant.

Getting access to Visma.net HRM takes two parties and several steps (seed manual): the *third
party* makes an application in the Developer Portal (client id on the Details tab, secret on
the Credentials tab, datasets requested on the Integrations tab, an invite-only invitation code
on the Visma App Store tab); the *customer*'s admin gives the App Store role, enters the code
under My Apps, accepts (green) or rejects (grey) each dataset and presses Integrate, once per
database (tenant id). When a step is missing the API only says 401 or 400. After the endpoint
probes (``visma_hrm.onboarding.endpoints``), ``VismaClient.approved_datasets`` gets a token per
tenant and finds the refused datasets, in both ways Visma may refuse a scope; each failure is
mapped to a ``Problem`` (``visma_hrm.onboarding.diagnosis``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from typing import Any, Protocol

from visma_hrm import errors
from visma_hrm.catalog import DATASETS, Dataset
from visma_hrm.config import Settings
from visma_hrm.onboarding.diagnosis import (
    Actor,
    DatasetStatus,
    Diagnosis,
    EndpointState,
    Problem,
    TenantCheck,
    scrub,
)
from visma_hrm.onboarding.endpoints import endpoint_problems, probe_endpoints
from visma_hrm.redact import redact_text, redact_url

PROBE_TIMEOUT_S = 10.0


class ApprovalProbe(Protocol):
    """The part of ``VismaClient`` the diagnosis needs (Contract 2)."""

    async def approved_datasets(self, tenant_id: str, datasets: Sequence[Dataset]) -> Any: ...


ProbeFactory = Callable[[Settings], AbstractAsyncContextManager[ApprovalProbe]]


@asynccontextmanager
async def client_probe(settings: Settings) -> AsyncIterator[ApprovalProbe]:
    """A ``VismaClient`` tuned for a quick check: few retries, short waits.

    The sync's patience (many retries, minutes of 429s) is right for a nightly export and
    wrong for a person waiting at a prompt; a check that gives up sooner and says why helps more.
    """
    from visma_hrm.client import VismaClient

    client_settings = settings.client_settings(
        max_retries=2,
        backoff_base_s=0.2,
        backoff_max_s=2.0,
        rate_limit_patience_s=20.0,
        connect_timeout_s=PROBE_TIMEOUT_S,
        read_timeout_s=30.0,
    )
    async with VismaClient(client_settings) as client:
        yield client


def diagnose(
    settings: Settings,
    *,
    probe_factory: ProbeFactory = client_probe,
    timeout_s: float = PROBE_TIMEOUT_S,
) -> Diagnosis:
    """Probe everything ``settings`` configures and explain what does not work.

    Synchronous (runs its own event loop), for the CLI; async callers use ``adiagnose``.
    """
    return asyncio.run(adiagnose(settings, probe_factory=probe_factory, timeout_s=timeout_s))


async def adiagnose(
    settings: Settings,
    *,
    probe_factory: ProbeFactory = client_probe,
    timeout_s: float = PROBE_TIMEOUT_S,
) -> Diagnosis:
    """``diagnose`` for callers that already run an event loop."""
    asked, unknown = _asked_datasets(settings.datasets)
    settings = replace(settings, tenants=tuple(dict.fromkeys(settings.tenants)))  # no repeats
    base = Diagnosis(
        client_id=settings.client_id,
        token_url=redact_url(settings.token_url),
        api_url=redact_url(settings.api_url),
        datasets_asked=asked,
        token_endpoint=EndpointState.NOT_CHECKED,
        api=EndpointState.NOT_CHECKED,
        tenants=(),
        problems=(*_configuration_problems(settings), *unknown),
    )
    names = asked or tuple(DATASETS)
    if any(p.code in _NO_PROBE_CODES for p in base.problems):
        return replace(base, tenants=tuple(_unchecked(t, names) for t in settings.tenants))
    token_state, api_state = await probe_endpoints(settings, timeout_s)
    base = replace(base, token_endpoint=token_state[0], api=api_state)
    reachability = endpoint_problems(settings, token_state, api_state)
    if token_state[0] is not EndpointState.OK:
        unchecked = tuple(_unchecked(t, names, reachability) for t in settings.tenants)
        return replace(base, tenants=unchecked)
    async with probe_factory(settings) as probe:
        checks: list[TenantCheck] = await asyncio.gather(
            *(_check_tenant(probe, settings, t, names, bool(asked)) for t in settings.tenants)
        )
    if reachability:
        checks = [_with_api_problems(c, reachability) for c in checks]
    return replace(base, tenants=tuple(checks))


_NO_PROBE_CODES = {"missing_client_id", "missing_secret", "no_tenants"}


def _configuration_problems(settings: Settings) -> list[Problem]:
    """What is missing before anything can be probed."""
    problems = []
    if not settings.client_id:
        problems.append(Problem("missing_client_id", "third_party"))
    if not settings.client_secret:
        problems.append(Problem("missing_secret", "third_party"))
    if not settings.tenants:
        problems.append(Problem("no_tenants", "third_party"))
    return problems


def _asked_datasets(names: Sequence[str]) -> tuple[tuple[str, ...], list[Problem]]:
    known = tuple(n for n in names if n in DATASETS)
    unknown = [
        Problem("unknown_dataset", "third_party", dataset=n) for n in names if n not in known
    ]
    return known, unknown


def _unchecked(
    tenant_id: str, names: Sequence[str], problems: Sequence[Problem] = ()
) -> TenantCheck:
    statuses = dict.fromkeys(names, DatasetStatus.UNKNOWN)
    own = tuple(replace(p, tenant_id=tenant_id) for p in problems)
    token_ok = False if own else None
    return TenantCheck(tenant_id, token_ok, statuses, own)


def _with_api_problems(check: TenantCheck, problems: Sequence[Problem]) -> TenantCheck:
    """Add the API's unreachability to a tenant whose token came: its data cannot come."""
    own = [replace(p, tenant_id=check.tenant_id) for p in problems]
    kept = tuple(p for p in check.problems if p.code not in _API_NOISE)
    return replace(check, problems=(*own, *kept))


_API_NOISE = {"unexpected", "server_error", "api_unreachable"}
"""Problems that an unreachable API explains already (the client failing to reach it)."""


# ----------------------------------------------------------------------------- one tenant
async def _check_tenant(
    probe: ApprovalProbe,
    settings: Settings,
    tenant_id: str,
    names: Sequence[str],
    asked: bool,
) -> TenantCheck:
    datasets = [DATASETS[n] for n in names]
    try:
        report = await probe.approved_datasets(tenant_id, datasets)
    except Exception as exc:  # one tenant's failure must not hide the others' results
        return _failed(settings, tenant_id, names, asked, exc)
    approved = set(_names(report.approved))
    refused: Mapping[str, str] = report.refused
    statuses = {
        n: DatasetStatus.APPROVED if n in approved else DatasetStatus.REFUSED for n in names
    }
    return TenantCheck(tenant_id, True, statuses, _refusals(tenant_id, statuses, refused, asked))


def _names(items: Collection[Any]) -> list[str]:
    """Dataset names, whether the client hands back names or ``Dataset`` objects."""
    return [item if isinstance(item, str) else str(item.name) for item in items]


def _refusals(
    tenant_id: str,
    statuses: Mapping[str, DatasetStatus],
    reasons: Mapping[str, str],
    asked: bool,
) -> tuple[Problem, ...]:
    refused = [n for n, s in statuses.items() if s is DatasetStatus.REFUSED]
    if not asked and len(refused) == len(statuses):
        return (Problem("no_dataset_approved", "customer", tenant_id=tenant_id),)
    return tuple(
        Problem(
            "dataset_refused",
            "customer",
            blocking=asked,
            tenant_id=tenant_id,
            dataset=name,
            detail=redact_text(reasons.get(name, "")),
        )
        for name in refused
    )


def _failed(
    settings: Settings, tenant_id: str, names: Sequence[str], asked: bool, exc: BaseException
) -> TenantCheck:
    """Map the client's whole-tenant errors to the step of the manual that is missing."""
    statuses = dict.fromkeys(names, DatasetStatus.UNKNOWN)
    detail = scrub(f"{type(exc).__name__}: {exc}", settings.client_secret)
    if isinstance(exc, errors.DatasetNotApprovedError):
        refused = set(exc.datasets) & set(names) or set(names)
        statuses = {
            n: DatasetStatus.REFUSED if n in refused else DatasetStatus.UNKNOWN for n in names
        }
        problems = _refusals(tenant_id, statuses, {}, asked)
        return TenantCheck(tenant_id, True, statuses, problems)
    code, actor, token_ok = _classify(exc)
    values = _values_for(code, settings, exc)
    problem = Problem(code, actor, tenant_id=tenant_id, values=values, detail=detail)
    return TenantCheck(tenant_id, token_ok, statuses, (problem,))


def _classify(exc: BaseException) -> tuple[str, Actor, bool | None]:
    if isinstance(exc, errors.AuthenticationError):
        return "invalid_client", "third_party", False
    if isinstance(exc, errors.TokenRefusedError):
        return "token_refused", "third_party", False
    if isinstance(exc, errors.TenantNotLinkedError):
        return "tenant_not_linked", "customer", False
    if isinstance(exc, errors.UnreachableError):
        return "api_unreachable", "third_party", None
    if isinstance(exc, errors.RateLimitedError):
        return "rate_limited", "third_party", None
    if isinstance(exc, errors.ServerError):
        return "server_error", "visma", None
    return "unexpected", "third_party", None


def _values_for(code: str, settings: Settings, exc: BaseException) -> dict[str, str]:
    if code == "invalid_client":
        return {"client_id": settings.client_id or ""}
    if code == "api_unreachable":
        return {"url": redact_url(settings.api_url)}
    if code == "token_refused" and isinstance(exc, errors.TokenRefusedError):
        said = exc.error or "-"
        if exc.description:
            said += f': "{exc.description}"'
        return {"status": str(exc.status), "said": scrub(said, settings.client_secret)}
    if code == "unexpected":
        message = getattr(exc, "message", None) or str(exc)
        return {"error": scrub(f"{type(exc).__name__}: {message}", settings.client_secret)}
    return {}
