"""Diagnosis of the access a configuration has: which step of the manual is not done, by whom.

``diagnose`` (``checks``) probes the endpoints (``endpoints``) and every tenant, and answers
with a ``Diagnosis`` (``diagnosis``): per tenant whether a token came, per dataset approved or
refused, and for every problem a stable ``code``, the ``actor`` who must act and one sentence
with the fix (``visma_hrm.messages``, English and Dutch). Nothing here prints: the CLI renders
a ``Diagnosis``.

The result types load with the package; ``diagnose`` and ``adiagnose`` (with httpx and the
client) on first use, so the CLI's ``--help`` does not pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from visma_hrm.onboarding.diagnosis import (
    Actor,
    DatasetStatus,
    Diagnosis,
    EndpointState,
    Problem,
    TenantCheck,
    scrub,
)

if TYPE_CHECKING:
    from visma_hrm.onboarding.checks import adiagnose, diagnose

__all__ = [
    "Actor",
    "DatasetStatus",
    "Diagnosis",
    "EndpointState",
    "Problem",
    "TenantCheck",
    "adiagnose",
    "diagnose",
    "scrub",
]


def __getattr__(name: str) -> Any:
    if name in ("diagnose", "adiagnose"):
        from visma_hrm.onboarding import checks

        return getattr(checks, name)
    raise AttributeError(name)
