"""Settings precedence (flags > environment > file > defaults) and secret handling."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from visma_hrm.config import load_settings, secrets_path, write_config, write_secrets
from visma_hrm.errors import ConfigurationError
from visma_hrm.redact import Secret


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "visma-hrm.toml"
    path.write_text("[visma_hrm]\n" + body, encoding="utf-8")
    return path


def test_flags_beat_environment_beat_file(tmp_path: Path) -> None:
    path = _config(tmp_path, 'client_id = "isv_file"\ntenants = ["t-file"]\nconcurrency = 2\n')
    env = {"VISMA_HRM_CLIENT_ID": "isv_env", "VISMA_HRM_TENANTS": "a, b"}
    settings = load_settings(path, env=env, overrides={"client_id": "isv_flag", "tenants": None})
    assert settings.client_id == "isv_flag"
    assert settings.tenants == ("a", "b")
    assert settings.concurrency == 2


def test_secret_comes_from_environment_or_owner_only_file(tmp_path: Path) -> None:
    path = _config(tmp_path, 'client_id = "isv_x"\n')
    secrets = secrets_path(path, {})
    write_secrets(secrets, Secret("s3cr3t-value"))
    assert stat.S_IMODE(os.stat(secrets).st_mode) == 0o600
    assert load_settings(path, env={}).client_secret == Secret("s3cr3t-value")
    env = {"VISMA_HRM_CLIENT_SECRET": "from-env"}
    assert load_settings(path, env=env).client_secret == Secret("from-env")
    assert "s3cr3t" not in repr(load_settings(path, env={}))


def test_a_secret_in_the_shared_config_file_or_a_flag_is_refused(tmp_path: Path) -> None:
    path = _config(tmp_path, 'client_secret = "oops"\n')
    with pytest.raises(ConfigurationError, match="move it"):
        load_settings(path, env={})
    with pytest.raises(ConfigurationError, match="cannot be given"):
        load_settings(None, env={}, overrides={"client_secret": "x"})


def test_missing_credentials_say_where_to_find_them(tmp_path: Path) -> None:
    settings = load_settings(None, env={})
    with pytest.raises(ConfigurationError, match="Details tab"):
        settings.require_credentials()
    with pytest.raises(ConfigurationError, match="Integrations > Customers"):
        settings.require_tenants()


def test_written_config_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "visma-hrm.toml"
    original = load_settings(None, env={}, overrides={"client_id": "isv_a", "tenants": ("t1",)})
    write_config(path, original)
    again = load_settings(path, env={})
    assert (again.client_id, again.tenants, again.destination) == ("isv_a", ("t1",), "duckdb")
