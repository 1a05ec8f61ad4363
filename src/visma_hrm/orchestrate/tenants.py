"""Which tenants an orchestrator runs: the ``tenants`` of the visma-hrm configuration.

The same list ``visma-hrm sync`` reads (``visma-hrm.toml``, ``$VISMA_HRM_CONFIG``,
``VISMA_HRM_TENANTS``), so adding or removing a tenant is one edit, whichever runs it. Dagster
turns the list into dynamic partitions (a sensor adds new ones and removes dropped ones);
Airflow maps one task over it at each run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from visma_hrm.config import load_settings


def configured_tenants(
    config_file: str | Path | None = None, env: Mapping[str, str] | None = None
) -> tuple[str, ...]:
    """The configured tenant ids, in order, each once (none configured: an actionable error)."""
    path = Path(config_file) if config_file else None
    tenants = load_settings(path, env=env).require_tenants()
    return tuple(dict.fromkeys(tenants))


@dataclass(frozen=True)
class TenantChanges:
    """What to do to an orchestrator's list of tenants to make it the configured one."""

    add: tuple[str, ...]
    remove: tuple[str, ...]


def tenant_changes(known: Sequence[str], configured: Sequence[str]) -> TenantChanges:
    wanted = set(configured)
    have = set(known)
    return TenantChanges(
        add=tuple(t for t in configured if t not in have),
        remove=tuple(t for t in known if t not in wanted),
    )
