"""Sandbox settings: how the simulated Visma behaves (``SandboxConfig``) and what goes wrong
on purpose (``FaultConfig``).

Every behaviour the public notes leave open (202 or 200 while a job runs, reject or narrow an
unapproved scope, a BOM or none, ...) is a setting here, so tests can play each variant.
Faults are a separate object because they change while the server runs (``PUT
/sandbox/faults``, ``Sandbox.set_faults``) and can be given as a one-line spec on the command
line (``--faults rate_limit_rate=0.2,retry_after=1,stuck_datasets=contracts|users``).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from visma_hrm.sandbox.spec import DATASETS

FAULT_ENDPOINTS = ("command", "query", "file", "token")

_STR_TUPLES = {
    "endpoints",
    "stuck_datasets",
    "failed_datasets",
    "malformed_datasets",
    "drift_datasets",
    "drift_add",
    "drift_drop",
}
_INT_TUPLES = {"error_statuses"}

TokenFailure = str
"""One of "unknown_client", "wrong_secret", "unlinked_tenant", "scope"."""

TOKEN_ERROR_SHAPES: dict[str, dict[TokenFailure, tuple[int, str, str]]] = {
    # the sandbox's first guess: RFC 6749 codes, descriptive texts
    "standard": {
        "unknown_client": (401, "invalid_client", "Unknown client id {client_id!r}."),
        "wrong_secret": (401, "invalid_client", "The client secret is not valid for this client."),
        "unlinked_tenant": (
            400,
            "invalid_grant",
            "The application is not linked to tenant {tenant}: the customer has not accepted "
            "the invitation.",
        ),
        "scope": (400, "invalid_scope", "Scope(s) not approved by tenant {tenant}: {scopes}."),
    },
    # IdentityServer's own answers: 400 and a bare code
    "bare": {
        "unknown_client": (400, "invalid_client", ""),
        "wrong_secret": (400, "invalid_client", ""),
        "unlinked_tenant": (400, "invalid_grant", ""),
        "scope": (400, "invalid_scope", ""),
    },
    # what public clients report: 401 Unauthorized for everything
    "status401": {
        "unknown_client": (401, "invalid_client", "Client authentication failed."),
        "wrong_secret": (401, "invalid_client", "Client authentication failed."),
        "unlinked_tenant": (401, "invalid_grant", "Tenant {tenant} is not available."),
        "scope": (401, "invalid_scope", "The requested scope is not granted."),
    },
    # one code for everything; only the description tells the cause
    "unauthorized_client": {
        "unknown_client": (401, "unauthorized_client", "Unknown client."),
        "wrong_secret": (401, "unauthorized_client", "Invalid client secret."),
        "unlinked_tenant": (
            400,
            "unauthorized_client",
            "The client is not authorized for tenant {tenant}.",
        ),
        "scope": (400, "unauthorized_client", "The client may not request scope {scopes}."),
    },
    "invalid_request": {
        "unknown_client": (400, "invalid_request", "Client not found."),
        "wrong_secret": (400, "invalid_request", "Secret does not match."),
        "unlinked_tenant": (400, "invalid_request", "Unknown tenant_id {tenant}."),
        "scope": (400, "invalid_request", "Scope {scopes} is not allowed."),
    },
    # nothing to go by: the diagnosis must say so and list the likely causes
    "opaque": {
        "unknown_client": (400, "access_denied", "The request was denied."),
        "wrong_secret": (400, "access_denied", "The request was denied."),
        "unlinked_tenant": (400, "access_denied", "The request was denied."),
        "scope": (400, "access_denied", "The request was denied."),
    },
}
"""Per shape, per token failure: HTTP status, OAuth2 ``error`` and ``error_description``."""
_OPTIONAL_INTS = {"retry_after", "token_lifetime_s"}
_DATASET_LISTS = ("stuck_datasets", "failed_datasets", "malformed_datasets", "drift_datasets")


# Share of persons (per 30 days) each kind of change touches.
MONTHLY_RATES = {
    "hire": 0.015,
    "terminate": 0.01,
    "transfer": 0.01,
    "salary": 0.02,
    "address": 0.01,
    "udf": 0.01,
    "delete": 0.003,
    "unit": 0.004,
}

EXTRA_RATES = {
    "function": 0.008,
    "hours": 0.008,
    "manager": 0.006,
    "costcentre": 0.006,
    "correction": 0.006,
    "future_leave": 0.006,
}
"""Kinds added by ``SandboxConfig.all_changes`` (drawn after the others, so without it every
seed gives the data it always gave)."""


@dataclass(frozen=True)
class FaultConfig:
    """Injected faults; everything is off by default.

    "first N" counters count from the moment the faults were set, and rate faults draw from
    an RNG seeded with ``seed`` at that moment, so a run is reproducible.
    """

    endpoints: tuple[str, ...] = ("command", "query")
    """Which endpoints the rate-limit, 5xx and delay faults hit: command, query, file, token."""
    rate_limit_rate: float = 0.0
    """Probability that a call answers 429."""
    rate_limit_first: int = 0
    """The first N calls answer 429."""
    retry_after: int | None = 1
    """Retry-After seconds sent with 429 (None: no header)."""
    error_rate: float = 0.0
    """Probability that a call answers one of ``error_statuses``."""
    error_first: int = 0
    error_statuses: tuple[int, ...] = (500, 502, 503)
    delay_s: float = 0.0
    """Every targeted call waits this long before answering."""
    reset_downloads: int = 0
    """The first N file downloads send part of the body, then drop the connection."""
    truncate_downloads: int = 0
    """The first N file downloads end mid-row, with a Content-Length that matches the cut."""
    stuck_datasets: tuple[str, ...] = ()
    """Jobs of these datasets never leave InProgress."""
    failed_datasets: tuple[str, ...] = ()
    """Jobs of these datasets end with ``failed_status`` and no files."""
    failed_status: str = "Failed"
    malformed_datasets: tuple[str, ...] = ()
    """Exports of these datasets carry one row with an extra field."""
    revoked_tokens_first: int = 0
    """The first N API calls (command, query) answer 401 ``invalid_token`` whatever the
    token: tokens revoked before they expired."""
    late_command_answers: int = 0
    """The first N export commands start their job, then hold the answer back for
    ``late_answer_s``: a client with a shorter read timeout never learns the job's id."""
    late_answer_s: float = 3.0
    token_outage_first: int = 0
    """The first N token requests answer 503."""
    token_outage: bool = False
    """Every token request answers 503."""
    token_lifetime_s: int | None = None
    """Overrides the configured token lifetime (very short lifetimes)."""
    tenant_rate: float = 0.0
    """Per-tenant token bucket: requests per second (0: no limit)."""
    tenant_burst: int = 5
    drift_datasets: tuple[str, ...] = ()
    """Datasets whose schema drifts (empty: all, when drift_add or drift_drop is set)."""
    drift_add: tuple[str, ...] = ()
    """Extra columns appended to drifting datasets."""
    drift_drop: tuple[str, ...] = ()
    """Columns dropped from drifting datasets (where they exist)."""
    seed: int = 0

    def __post_init__(self) -> None:
        for name in _DATASET_LISTS:
            unknown = [d for d in getattr(self, name) if d not in DATASETS]
            if unknown:
                raise ValueError(f"{name}: unknown dataset(s) {unknown}; known: {list(DATASETS)}")
        bad = [e for e in self.endpoints if e not in FAULT_ENDPOINTS]
        if bad:
            raise ValueError(f"endpoints: unknown {bad}; known: {list(FAULT_ENDPOINTS)}")
        for name in ("rate_limit_rate", "error_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")

    def drifts(self, dataset: str) -> bool:
        if not (self.drift_add or self.drift_drop):
            return False
        return not self.drift_datasets or dataset in self.drift_datasets

    def to_json(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in _items(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaultConfig:
        """Build from a JSON object; unknown keys are an error (a typo must not pass silently)."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown fault setting(s) {unknown}; known: {sorted(names)}")
        values: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in data.items()
        }
        return cls(**values)

    @classmethod
    def parse(cls, spec: str) -> FaultConfig:
        """Parse ``key=value,key=value``; lists use ``|``; ``none`` clears an optional number.

        Example: ``rate_limit_rate=0.2,retry_after=none,stuck_datasets=contracts|users``.
        """
        defaults = cls()
        values: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            key, sep, raw = part.partition("=")
            key, raw = key.strip(), raw.strip()
            if not sep or not hasattr(defaults, key):
                raise ValueError(f"bad fault setting {part!r}: expected one of {_names()}")
            values[key] = _convert(key, raw, getattr(defaults, key))
        return cls(**values)


def _names() -> list[str]:
    return [f.name for f in dataclasses.fields(FaultConfig)]


def _items(obj: FaultConfig) -> list[tuple[str, Any]]:
    return [(f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj)]


def _convert(key: str, raw: str, default: Any) -> Any:
    try:
        if key in _STR_TUPLES:
            return tuple(x.strip() for x in raw.split("|") if x.strip())
        if key in _INT_TUPLES:
            return tuple(int(x) for x in raw.split("|") if x.strip())
        if key in _OPTIONAL_INTS:
            return None if raw.lower() in ("", "none", "null") else int(raw)
        if isinstance(default, bool):
            if raw.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(raw)
            return raw.lower() in ("true", "1", "yes")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        return raw
    except ValueError:
        raise ValueError(f"bad value for fault setting {key}: {raw!r}") from None


@dataclass(frozen=True)
class SandboxConfig:
    """How the simulated Visma behaves. All settings have defaults; same seed, same data."""

    seed: int = 42
    tenants: int = 2
    employees: int = 100
    """Persons per tenant at the start (each may have several employeeids and contracts)."""
    client_id: str = "isv_sandbox"
    client_secret: str | None = None
    """None: derived from the seed (printed by ``visma-hrm sandbox``)."""
    unlinked_tenants: int = 1
    """Tenant ids that exist but never accepted the invitation (token: invalid_grant)."""
    approvals: Mapping[int | str, Sequence[str]] | None = None
    """Approved datasets per tenant (key: tenant index or id). None or missing: all seven."""
    contact_information: bool = True
    """Whether tenants approve the optional contactinformation scope."""
    scope_mode: str = "reject"
    """Unapproved scope: "reject" (400 invalid_scope) or "narrow" (token with granted scopes)."""
    token_lifetime_s: int = 3600
    job_duration_s: float = 0.2
    """How long a job stays InProgress at least (wall-clock seconds)."""
    in_progress_status: int = 202
    """HTTP status of the query answer while the job runs: 202 (the manual) or 200."""
    rows_per_file: int = 1000
    link_ttl_s: float = 300.0
    csv_bom: bool = False
    incremental_unchanged_fraction: float = 0.05
    """Share of unchanged rows an incremental export carries anyway (the filter is inexact)."""
    unknown_fields: str = "ignore"
    """An *include* list (``fields=a,b``) naming an unknown column: "ignore" (the column is
    simply not there) or "reject" (400). What Visma does is not known. An *exclude* list
    (``fields=!a,b``) naming a column the dataset lacks is always accepted: a public client
    sends such lists in production."""
    token_errors: str = "standard"
    """How the token endpoint words its refusals (Visma Connect's are not documented): one of
    ``TOKEN_ERROR_SHAPES``, e.g. "bare" (IdentityServer style: 400, a code, no description)."""
    start: str = "2026-01-01T00:00:00Z"
    """The sandbox clock at start; it moves only through advance()."""
    all_changes: bool = False
    """advance() also changes functions, hours, managers and cost centres, corrects names and
    registers leaves ahead (off by default: the data of every seed stays as it was)."""
    host: str = "127.0.0.1"
    port: int = 0
    """0: pick a free port."""
    faults: FaultConfig = field(default_factory=FaultConfig)

    def __post_init__(self) -> None:
        if self.scope_mode not in ("reject", "narrow"):
            raise ValueError("scope_mode must be 'reject' or 'narrow'")
        if self.in_progress_status not in (200, 202):
            raise ValueError("in_progress_status must be 200 or 202")
        if self.unknown_fields not in ("reject", "ignore"):
            raise ValueError("unknown_fields must be 'reject' or 'ignore'")
        if self.token_errors not in TOKEN_ERROR_SHAPES:
            raise ValueError(f"token_errors must be one of {', '.join(TOKEN_ERROR_SHAPES)}")
        if self.tenants < 1 or self.employees < 1 or self.rows_per_file < 1:
            raise ValueError("tenants, employees and rows_per_file must be at least 1")
        for datasets in (self.approvals or {}).values():
            unknown = [d for d in datasets if d not in DATASETS]
            if unknown:
                raise ValueError(f"approvals: unknown dataset(s) {unknown}")

    @property
    def secret(self) -> str:
        if self.client_secret is not None:
            return self.client_secret
        return hashlib.sha256(f"visma-hrm-sandbox-secret:{self.seed}".encode()).hexdigest()[:40]

    @property
    def signing_key(self) -> bytes:
        """Key for JWTs and link signatures; stable per seed so restarts keep links valid."""
        return hashlib.sha256(f"visma-hrm-sandbox-key:{self.seed}:{self.secret}".encode()).digest()
