"""Diagnosis of the access a configuration has: which step of the manual is not done, by whom.

Getting access to Visma.net HRM takes two parties and several steps (seed manual): the *third
party* makes an application in the Developer Portal (client id on the Details tab, secret on
the Credentials tab, datasets requested on the Integrations tab, an invite-only invitation code
on the Visma App Store tab); the *customer*'s admin gives the App Store role, enters the code
under My Apps, accepts (green) or rejects (grey) each dataset and presses Integrate, once per
database (tenant id). When a step is missing the API only says 401 or 400. ``diagnose`` turns
that into a ``Diagnosis``: per tenant whether a token came, per dataset approved or refused, and
for every problem a stable ``code``, the ``actor`` who must act and one sentence with the fix
(``visma_hrm.messages``, English and Dutch).

How it probes, and why:

* the token endpoint gets one POST without any credentials: a healthy OAuth2 server answers
  4xx, so 5xx means an outage and a connection error means network, proxy or URL. Deciding
  this once, up front, keeps a closed port or an outage from costing every tenant the client's
  full retry patience, and tells "token endpoint unreachable" apart from "API unreachable"
  (the client reports both as ``UnreachableError``);
* the API gets one unauthenticated GET: any HTTP answer proves it is reachable. The client's
  approval probe may not touch the API at all (when Visma refuses unapproved scopes at the
  token endpoint), so without this an unreachable API would pass the check;
* per tenant, ``VismaClient.approved_datasets`` gets a token and finds the refused datasets,
  in both ways Visma may refuse a scope.

Nothing here prints: the CLI renders a ``Diagnosis`` (rich table or ``to_json``). No secret,
token or signed link reaches a ``Problem``: details go through ``visma_hrm.redact`` and the
secret itself is masked.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

import httpx

from visma_hrm import errors
from visma_hrm.catalog import DATASETS, Dataset
from visma_hrm.config import Settings
from visma_hrm.messages import text
from visma_hrm.redact import Secret, mask_secret, redact_text, redact_url

Actor = Literal["third_party", "customer", "visma"]
"""Who must act: the third party (the application's owner, our user), the customer (the
organisation whose data it is) or Visma (an outage nobody else can fix; wait and retry)."""

PROBE_TIMEOUT_S = 10.0


class DatasetStatus(enum.Enum):
    APPROVED = "approved"
    REFUSED = "refused"
    UNKNOWN = "unknown"
    """Not determined: the tenant got no token, or the check failed before."""


class EndpointState(enum.Enum):
    OK = "ok"
    UNREACHABLE = "unreachable"
    OUTAGE = "outage"
    NOT_TOKEN_ENDPOINT = "not_a_token_endpoint"
    NOT_CHECKED = "not_checked"


@dataclass(frozen=True)
class Problem:
    """One thing that keeps a configuration from working, and who can fix it.

    ``blocking`` problems make ``check`` fail; a dataset refused that nobody asked for is
    reported (so a person knows how to get it) but does not.
    """

    code: str
    actor: Actor
    blocking: bool = True
    tenant_id: str | None = None
    dataset: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    """Placeholders of the sentence besides tenant and dataset (url, status, client id)."""
    detail: str = ""
    """The technical cause (an error's redacted message), for bug reports and ``--json``."""

    def sentence(self, lang: str = "en") -> str:
        return text(
            f"problem.{self.code}",
            lang,
            tenant=self.tenant_id or "",
            dataset=self.dataset or "",
            **self.values,
        )

    def to_json(self, lang: str = "en") -> dict[str, Any]:
        return {
            "code": self.code,
            "actor": self.actor,
            "blocking": self.blocking,
            "tenant_id": self.tenant_id,
            "dataset": self.dataset,
            "message": self.sentence(lang),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class TenantCheck:
    """What one tenant (customer database) gives this application.

    ``token_ok`` is None when it could not be determined (the API failed after a token came,
    or the check never asked because the configuration or the token endpoint was broken).
    """

    tenant_id: str
    token_ok: bool | None
    datasets: Mapping[str, DatasetStatus]
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return self.token_ok is True and not any(p.blocking for p in self.problems)

    def approved(self) -> tuple[str, ...]:
        return tuple(n for n, s in self.datasets.items() if s is DatasetStatus.APPROVED)

    def to_json(self, lang: str = "en") -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "ok": self.ok,
            "token_ok": self.token_ok,
            "datasets": {name: status.value for name, status in self.datasets.items()},
            "problems": [p.to_json(lang) for p in self.problems],
        }


@dataclass(frozen=True)
class Diagnosis:
    """The whole answer of ``check``; ``ok`` is the exit-code rule (see ``docs/onboarding.md``).

    Everything configured must be reachable: at least one tenant, every tenant with a token,
    and every dataset asked for approved (when none is asked for: at least one per tenant).
    """

    client_id: str | None
    token_url: str
    api_url: str
    datasets_asked: tuple[str, ...]
    token_endpoint: EndpointState
    api: EndpointState
    tenants: tuple[TenantCheck, ...]
    problems: tuple[Problem, ...] = ()
    """Problems that belong to no single tenant (configuration)."""

    @property
    def ok(self) -> bool:
        blocking = any(p.blocking for p in self.problems)
        return bool(self.tenants) and not blocking and all(t.ok for t in self.tenants)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def all_problems(self) -> tuple[Problem, ...]:
        return (*self.problems, *(p for t in self.tenants for p in t.problems))

    def to_json(self, lang: str = "en") -> dict[str, Any]:
        """Stable keys for machines; messages in ``lang``; no secret, token or link."""
        return {
            "ok": self.ok,
            "exit_code": self.exit_code,
            "lang": lang,
            "client_id": self.client_id,
            "token_url": self.token_url,
            "api_url": self.api_url,
            "datasets_asked": list(self.datasets_asked),
            "endpoints": {"token": self.token_endpoint.value, "api": self.api.value},
            "tenants": [t.to_json(lang) for t in self.tenants],
            "problems": [p.to_json(lang) for p in self.problems],
        }


# ----------------------------------------------------------------------------------- probing
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
    from visma_hrm.client import ClientSettings, VismaClient

    client_id, secret = settings.require_credentials()
    client_settings = ClientSettings(
        api_url=settings.api_url,
        token_url=settings.token_url,
        client_id=client_id,
        client_secret=secret,
        max_retries=2,
        backoff_base_s=0.2,
        backoff_max_s=2.0,
        rate_limit_patience_s=20.0,
        connect_timeout_s=PROBE_TIMEOUT_S,
        read_timeout_s=30.0,
        verify_tls=settings.verify_tls,
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
    token_state, api_state = await _probe_endpoints(settings, timeout_s)
    base = replace(base, token_endpoint=token_state[0], api=api_state)
    endpoint_problems = _endpoint_problems(settings, token_state, api_state)
    if token_state[0] is not EndpointState.OK:
        unchecked = tuple(_unchecked(t, names, endpoint_problems) for t in settings.tenants)
        return replace(base, tenants=unchecked)
    async with probe_factory(settings) as probe:
        checks: list[TenantCheck] = await asyncio.gather(
            *(_check_tenant(probe, settings, t, names, bool(asked)) for t in settings.tenants)
        )
    if endpoint_problems:
        checks = [_with_api_problems(c, endpoint_problems) for c in checks]
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


# ----------------------------------------------------------------------------- endpoints
TokenState = tuple[EndpointState, int | None, str]


async def _probe_endpoints(
    settings: Settings, timeout_s: float
) -> tuple[TokenState, EndpointState]:
    async with httpx.AsyncClient(timeout=timeout_s, verify=settings.verify_tls) as http:
        token, api = await asyncio.gather(
            probe_token_endpoint(http, settings.token_url),
            probe_api(http, settings.api_url),
        )
    return token, api


async def probe_token_endpoint(
    http: httpx.AsyncClient, url: str, *, attempts: int = 3, pause_s: float = 0.5
) -> TokenState:
    """POST a token request *without* credentials and judge the endpoint by its answer.

    A healthy OAuth2 token endpoint refuses it with a 4xx and a JSON ``error``: that is OK.
    5xx (after a few short retries, so a blip is not called an outage) is an outage; any other
    answer (404, an HTML page, a redirect) means the URL is not a token endpoint. No client id
    or secret is sent, so this can neither lock an application nor leak a secret.
    """
    for attempt in range(attempts):
        try:
            response = await http.post(url, data={"grant_type": "client_credentials"})
        except httpx.HTTPError as exc:
            return EndpointState.UNREACHABLE, None, _describe(exc)
        status = response.status_code
        if status < 500:
            break
        if attempt + 1 < attempts:
            await asyncio.sleep(pause_s)
    if status >= 500:
        return EndpointState.OUTAGE, status, f"HTTP {status}"
    if status == 429 or (400 <= status < 500 and _oauth_error(response)):
        return EndpointState.OK, status, ""
    return EndpointState.NOT_TOKEN_ENDPOINT, status, f"HTTP {status}"


def _oauth_error(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("error"), str)


async def probe_api(http: httpx.AsyncClient, url: str) -> EndpointState:
    """Any HTTP answer from the API's base URL proves it is reachable; no token is sent."""
    try:
        await http.get(url)
    except httpx.HTTPError:
        return EndpointState.UNREACHABLE
    return EndpointState.OK


def _endpoint_problems(settings: Settings, token: TokenState, api: EndpointState) -> list[Problem]:
    state, status, detail = token
    problems = []
    if state is EndpointState.UNREACHABLE:
        values = {"url": redact_url(settings.token_url)}
        problems.append(Problem("token_endpoint_unreachable", "third_party", values=values))
    elif state is EndpointState.OUTAGE:
        values = {"url": redact_url(settings.token_url), "status": str(status)}
        problems.append(Problem("token_endpoint_outage", "visma", values=values))
    elif state is EndpointState.NOT_TOKEN_ENDPOINT:
        values = {"url": redact_url(settings.token_url), "status": str(status)}
        problems.append(Problem("token_endpoint_wrong", "third_party", values=values))
    if api is EndpointState.UNREACHABLE:
        values = {"url": redact_url(settings.api_url)}
        problems.append(Problem("api_unreachable", "third_party", values=values))
    return [replace(p, detail=detail) if p.code.startswith("token") else p for p in problems]


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


def scrub(message: str, secret: Secret | None) -> str:
    """Redact tokens and signed links, and mask the secret itself should it ever appear."""
    cleaned = redact_text(message)
    if secret and secret.reveal():
        cleaned = mask_secret(cleaned, secret.reveal())
    return cleaned


def _describe(exc: httpx.HTTPError) -> str:
    return redact_text(f"{type(exc).__name__}: {exc}") if str(exc) else type(exc).__name__
