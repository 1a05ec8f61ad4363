"""The Dagster resource ``visma_hrm``: the visma-hrm settings, some overridden per deployment.

Unset fields leave the configuration's value (``visma-hrm.toml``, ``$VISMA_HRM_CONFIG``, the
``VISMA_HRM_*`` environment), so the code location reads every setting ``visma-hrm sync``
reads. The assets sync a tenant through it; the freshness checks judge the run log with the
``max_age`` and ``max_full_age`` it gives (the code location's defaults: a day and two hours,
eight days, to match its daily window and weekly full exports).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import dagster as dg

from visma_hrm.catalog import DATASETS
from visma_hrm.config import Settings, load_settings
from visma_hrm.config_values import coerce
from visma_hrm.orchestrate.run import DEFAULT_DELETED_SHARE_LIMIT, TenantOutcome, sync_tenant
from visma_hrm.orchestrate.tenants import configured_tenants
from visma_hrm.redact import Secret
from visma_hrm.sync.status import Freshness, PairStatus, judged_status

DEFAULT_MAX_AGE = dt.timedelta(hours=26)
"""A daily run, spread over a window of a few hours, plus slack."""
DEFAULT_MAX_FULL_AGE = dt.timedelta(days=8)
"""A full export a week, plus a day."""


class VismaHrmResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Where to reach Visma and where to load; unset fields come from the visma-hrm config."""

    config_file: str | None = None
    """visma-hrm.toml (default: ``$VISMA_HRM_CONFIG``, else ./visma-hrm.toml, else the env)."""
    client_id: str | None = None
    client_secret: str | None = None
    api_url: str | None = None
    token_url: str | None = None
    destination: str | None = None
    duckdb_path: str | None = None
    destination_credentials: str | None = None
    dataset_name: str | None = None
    datasets: list[str] | None = None
    """Datasets to load; unset: every one the tenant approved."""
    concurrency: int | None = None
    deleted_share_limit: float = DEFAULT_DELETED_SHARE_LIMIT
    """An asset check fails when a run marks more than this share of a tenant's rows deleted."""
    max_age: str | None = None
    """Freshness: stale when the newest load is older (``26h``; default: the ``max_age``
    setting, else 26 hours)."""
    max_full_age: str | None = None
    """Freshness: stale when the newest full export is older (``8d``; default: the
    ``max_full_age`` setting, else 8 days)."""

    def tenants(self) -> tuple[str, ...]:
        return configured_tenants(self.config_file)

    def settings(self) -> Settings:
        """The configuration's settings with this resource's fields on top."""
        settings = load_settings(Path(self.config_file) if self.config_file else None)
        return replace(
            settings,
            client_id=self.client_id or settings.client_id,
            client_secret=_secret(self.client_secret) or settings.client_secret,
            api_url=self.api_url or settings.api_url,
            token_url=self.token_url or settings.token_url,
            destination=self.destination or settings.destination,
            duckdb_path=Path(self.duckdb_path) if self.duckdb_path else settings.duckdb_path,
            destination_credentials=_secret(self.destination_credentials)
            or settings.destination_credentials,
            dataset_name=self.dataset_name or settings.dataset_name,
            concurrency=self.concurrency or settings.concurrency,
        )

    def sync(self, tenant_id: str, datasets: list[str], full_refresh: bool) -> TenantOutcome:
        """The tenant's selected datasets through the engine, with the configuration's settings
        and this resource's fields on top (unset fields leave the configuration's value)."""
        settings = self.settings()
        explicit = self.datasets or list(settings.datasets)
        chosen = [d for d in datasets if d in explicit] if explicit else datasets
        subset = bool(explicit) or len(chosen) < len(DATASETS)  # selected by name: must approve
        return sync_tenant(
            settings,
            tenant_id,
            chosen if subset else None,
            full_refresh=full_refresh,
            entry_point="dagster",
        )

    def freshness(self) -> Freshness:
        """The rule of ``visma-hrm status``, with the code location's defaults."""
        settings = self.settings()
        return Freshness(
            _duration("max_age", self.max_age) or settings.max_age or DEFAULT_MAX_AGE,
            _duration("max_full_age", self.max_full_age)
            or settings.max_full_age
            or DEFAULT_MAX_FULL_AGE,
        )

    def status(self) -> list[PairStatus]:
        """Every tenant and dataset of the run log, judged by ``freshness`` now."""
        return judged_status(self.settings(), self.freshness()).pairs


def _duration(name: str, value: str | None) -> dt.timedelta | None:
    return coerce(name, value, "in the visma_hrm resource") if value else None


def _secret(value: str | None) -> Secret | None:
    return Secret(value) if value else None
