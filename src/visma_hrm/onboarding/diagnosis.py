"""What ``check`` found: per tenant a token or not, per dataset approved or refused, and every
problem with a stable code, who must act and one sentence with the fix.

Plain values only (no HTTP here): the CLI renders a ``Diagnosis`` as a table or ``to_json``,
and importing these types costs nothing. No secret, token or signed link reaches a ``Problem``:
details go through ``scrub``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from visma_hrm.messages import text
from visma_hrm.redact import Secret, mask_secret, redact_text

Actor = Literal["third_party", "customer", "visma"]
"""Who must act: the third party (the application's owner, our user), the customer (the
organisation whose data it is) or Visma (an outage nobody else can fix; wait and retry)."""


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


def scrub(message: str, secret: Secret | None) -> str:
    """Redact tokens and signed links, and mask the secret itself should it ever appear."""
    cleaned = redact_text(message)
    if secret and secret.reveal():
        cleaned = mask_secret(cleaned, secret.reveal())
    return cleaned
