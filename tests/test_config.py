"""Settings precedence (flags > environment > file > defaults), secret handling, and every value
checked before anything runs (types, tenant ids, the language); init's writing of the file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from visma_hrm.config import load_settings, secrets_path, write_secrets
from visma_hrm.errors import ConfigurationError
from visma_hrm.onboarding.config_file import write_config
from visma_hrm.redact import Secret

T1 = "2319d23a-7c4b-4c52-9d8e-5a1f0b6e3c21"
T2 = "17063fae-1b2c-4d3e-8f40-5a6b7c8d9e0f"
T3 = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "visma-hrm.toml"
    path.write_text("[visma_hrm]\n" + body, encoding="utf-8")
    return path


def test_flags_beat_environment_beat_file(tmp_path: Path) -> None:
    path = _config(tmp_path, f'client_id = "isv_file"\ntenants = ["{T1}"]\nconcurrency = 2\n')
    env = {"VISMA_HRM_CLIENT_ID": "isv_env", "VISMA_HRM_TENANTS": f"{T2}, {T3}"}
    settings = load_settings(path, env=env, overrides={"client_id": "isv_flag", "tenants": None})
    assert settings.client_id == "isv_flag"
    assert settings.tenants == (T2, T3)
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
    original = load_settings(None, env={}, overrides={"client_id": "isv_a", "tenants": (T1,)})
    write_config(path, original)
    again = load_settings(path, env={})
    assert (again.client_id, again.tenants, again.destination) == ("isv_a", (T1,), "duckdb")


def test_init_sets_its_keys_and_keeps_every_other_key_table_and_comment(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        f'# our warehouse\nclient_id = "isv_old"\ntenants = ["{T1}"]\nchange_feed = true\n'
        'history = ["contracts", "employees"]\ndestination = "postgres"  # shared\n'
        '[visma_hrm.fields]\nemployees = "!homeemailaddress"\n',
    )
    settings = load_settings(None, env={}, overrides={"client_id": "isv_new", "tenants": (T2,)})
    write_config(path, settings)
    again = load_settings(path, env={})
    assert (again.client_id, again.tenants) == ("isv_new", (T2,))
    assert again.change_feed and again.history == ("contracts", "employees")
    assert again.destination == "postgres" and dict(again.fields) == {
        "employees": "!homeemailaddress"
    }
    written = path.read_text(encoding="utf-8")
    assert "# our warehouse" in written and "# shared" in written
    assert "duckdb_path" not in written  # only a new file gets the defaults spelled out


def test_init_refuses_to_replace_a_file_it_cannot_read_unless_forced(tmp_path: Path) -> None:
    path = tmp_path / "visma-hrm.toml"
    path.write_text("[visma_hrm\nchange_feed = true\n", encoding="utf-8")
    settings = load_settings(None, env={}, overrides={"client_id": "isv_a", "tenants": (T1,)})
    with pytest.raises(ConfigurationError, match=r"not valid TOML.*--force"):
        write_config(path, settings)
    assert path.read_text(encoding="utf-8").startswith("[visma_hrm\n")  # untouched
    write_config(path, settings, replace_unreadable=True)
    assert load_settings(path, env={}).tenants == (T1,)


WRONG_TYPES = [
    ("duckdb_path = 123", "duckdb_path = 123", "expected text (a path), not a whole number"),
    ("history = 5", "history = 5", 'expected true, false, "all" or a list of dataset names'),
    ("concurrency = 2.5", "concurrency = 2.5", "expected a whole number, not a decimal number"),
    ('retention = "soon"', 'retention = "soon"', "expected a whole number, not text"),
    ('change_feed = "maybe"', 'change_feed = "maybe"', "expected true or false, not text"),
    ("job_timeout_s = true", "job_timeout_s = true", "expected a number of seconds"),
    ("tenants = 7", "tenants = 7", "expected text or a list of texts"),
    ("client_id = 42", "client_id = 42", "expected text, not a whole number"),
    ("fields = 3", "fields = 3", 'expected a table of dataset = "columns"'),
    ("[visma_hrm.fields]\nemployees = 5", "fields.employees = 5", "or a list, not a whole"),
]


@pytest.mark.parametrize(
    ("body", "named", "expected"), WRONG_TYPES, ids=[w[1] for w in WRONG_TYPES]
)
def test_a_value_of_the_wrong_type_is_named_with_its_file_and_what_it_takes(
    tmp_path: Path, body: str, named: str, expected: str
) -> None:
    path = _config(tmp_path, body + "\n")
    with pytest.raises(ConfigurationError) as refused:
        load_settings(path, env={})
    assert refused.value.message.startswith(f"{named} (in {path}): ")
    assert expected in refused.value.message


@pytest.mark.parametrize(
    ("source", "origin"),
    [("file", "in "), ("env", "from VISMA_HRM_TENANTS"), ("flag", "from the command line")],
)
def test_a_tenant_id_that_is_no_uuid_is_refused_wherever_it_comes_from(
    tmp_path: Path, source: str, origin: str
) -> None:
    bad = "acme-production"
    path = _config(tmp_path, f'tenants = ["{bad}"]\n' if source == "file" else "")
    env = {"VISMA_HRM_TENANTS": f"{T1},{bad}"} if source == "env" else {}
    flags = {"tenants": (bad,)} if source == "flag" else {}
    with pytest.raises(ConfigurationError) as refused:
        load_settings(path, env=env, overrides=flags)
    assert refused.value.message.startswith(f"Tenant id '{bad}' ({origin}")
    assert "UUID" in refused.value.message


def test_an_unknown_language_from_the_environment_is_refused_like_the_flag() -> None:
    with pytest.raises(ConfigurationError, match=r"Unknown language xx \(from VISMA_HRM_LANG\)"):
        load_settings(None, env={"VISMA_HRM_LANG": "xx"})
    assert load_settings(None, env={"VISMA_HRM_LANG": "NL"}).lang == "NL"
    assert load_settings(None, env={"VISMA_HRM_LANG": "xx"}, overrides={"lang": "nl"}).lang == "nl"
