"""Settings for a sync against a running sandbox, built the two ways the suites need.

``sandbox_settings`` builds ``Settings`` directly (the secret wrapped as the loader would);
``loaded_sandbox_settings`` goes through ``load_settings`` with the secret in the environment,
as a person's configuration does. Both write a DuckDB file and dlt's folders under ``tmp_path``.
``clock_date`` is the sandbox's day, the as-of date of what a sync brought.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from visma_hrm.config import Settings, load_settings
from visma_hrm.redact import Secret


def _sandbox_values(sb: Any, tmp_path: Path) -> dict[str, Any]:
    return {
        "api_url": sb.api_url,
        "token_url": sb.token_url,
        "client_id": sb.client_id,
        "tenants": tuple(sb.tenant_ids),
        "duckdb_path": tmp_path / "hrm.duckdb",
        "pipelines_dir": tmp_path / "pipelines",
    }


def sandbox_settings(sb: Any, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a sync against a running sandbox into a DuckDB file under ``tmp_path``."""
    values = _sandbox_values(sb, tmp_path)
    values.update(client_secret=Secret(sb.client_secret), pipeline_name="visma_hrm_test")
    values.update(overrides)
    return Settings(**values)


def loaded_sandbox_settings(sb: Any, tmp_path: Path, **overrides: Any) -> Settings:
    """Like ``sandbox_settings``, but read by ``load_settings`` (secret from the environment)."""
    values = _sandbox_values(sb, tmp_path)
    values.update(pipeline_name="visma_hrm_analytics_test")
    values.update(overrides)
    return load_settings(None, env={"VISMA_HRM_CLIENT_SECRET": sb.client_secret}, overrides=values)


def cli_settings(sb: Any, tmp_path: Path) -> Settings:
    """The settings a ``visma-hrm`` run with ``tests.support.cli.cli_env`` works with: the
    default file and pipeline names, dlt's folders under ``tmp_path``."""
    return sandbox_settings(
        sb,
        tmp_path,
        duckdb_path=tmp_path / "visma_hrm.duckdb",
        pipelines_dir=tmp_path / "pipelines",
        pipeline_name="visma_hrm",
    )


def clock_date(sb: Any) -> dt.date:
    """The sandbox's current day (its clock moves with ``advance``): the day a sync covers."""
    return dt.date.fromisoformat(str(sb.clock)[:10])
