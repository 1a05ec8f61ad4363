"""Settings from a TOML file, the environment and command-line flags.

Precedence, highest first: **flags > environment > config file > defaults**. The client secret
is the exception: it is read only from ``VISMA_HRM_CLIENT_SECRET`` or from a secrets file, never
from a flag (flags end up in shell history and process listings) and never from the main config
file (which people commit and share).

Files:

* config file: ``--config PATH``, else ``$VISMA_HRM_CONFIG``, else ``./visma-hrm.toml``; a
  ``[visma_hrm]`` table (see ``docs/configuration.md``);
* secrets file: ``$VISMA_HRM_SECRETS_FILE``, else ``.visma-hrm.secrets.toml`` next to the config
  file, holding ``client_secret = "..."``; written by ``visma-hrm init`` readable by its owner only
  (the config file by ``visma_hrm.onboarding.config_file``, keeping what init does not manage).
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import stat
import tomllib
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from visma_hrm.config_values import LIST_SETTINGS, check_tenant_ids, coerce, split_names
from visma_hrm.errors import ConfigurationError
from visma_hrm.messages import LANGUAGES, is_known_lang, text
from visma_hrm.redact import Secret
from visma_hrm.warehouse.duckdb_file import DEFAULT_FILE

if TYPE_CHECKING:
    from visma_hrm.client.settings import ClientSettings

DEFAULT_API_URL = "https://api.analytics1.hrm.visma.net"
DEFAULT_TOKEN_URL = "https://connect.visma.com/connect/token"
DEFAULT_CONFIG_FILE = Path("visma-hrm.toml")
SECRETS_FILE_NAME = ".visma-hrm.secrets.toml"
SECTION = "visma_hrm"

ENV_PREFIX = "VISMA_HRM_"
SECRET_ENV = "VISMA_HRM_CLIENT_SECRET"
PSEUDONYM_KEY_ENV = "VISMA_HRM_PSEUDONYM_KEY"
DESTINATION_CREDENTIALS_ENV = "VISMA_HRM_DESTINATION_CREDENTIALS"
_SECRET_NAMES = ("client_secret", "pseudonym_key", "destination_credentials")


@dataclass(frozen=True)
class Settings:
    """Everything a run needs. Immutable: derive variants with ``dataclasses.replace``."""

    api_url: str = DEFAULT_API_URL
    token_url: str = DEFAULT_TOKEN_URL
    client_id: str | None = None
    client_secret: Secret | None = field(default=None, repr=False)
    tenants: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    """Datasets asked for explicitly; empty means every dataset the customer approved."""
    destination: str = "duckdb"
    destination_credentials: Secret | None = field(default=None, repr=False)
    """The destination's connection string, like a secret (None: dlt's own configuration)."""
    duckdb_path: Path = DEFAULT_FILE
    duckdb_memory_limit: str = "128MB"
    """DuckDB's memory limit for a run; beyond it DuckDB spills to disk instead of growing. A
    300,000-employee tenant, history and the change feed on, syncs in 128 MB (BENCHMARKS.md,
    2026-12-06: one load job at a time, and the feed's scope in aggregates)."""
    table_format: str | None = None
    """Filesystem destination only: ``delta`` (the default there); ``parquet`` is refused, see
    ``visma_hrm.warehouse.files``."""
    dataset_name: str = "visma_hrm"
    pipeline_name: str = "visma_hrm"
    pipelines_dir: Path | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    """Per dataset, the API's ``fields`` value: ``a,b`` to include, ``!a,b`` to exclude."""
    privacy_profile: str | None = None
    """One profile or several, comma-separated: ``contact``, ``pseudonymize``."""
    pseudonym_key: Secret | None = field(default=None, repr=False)
    """HMAC key of the ``pseudonymize`` profile: from the secrets file or the environment only."""
    pseudonymize_keys: bool = False
    """With ``pseudonymize``: replace employeeid, contractid and userid too."""
    retention: int | None = None
    """Years after a person's last employment ended; then their personal data is emptied."""
    retention_action: str = "empty"
    """``empty`` (personal columns) or ``remove`` (the person's rows)."""
    change_feed: bool | None = None
    """Derive business events into table ``changes`` after each sync (docs/changes.md); unset:
    on wherever the destination can keep it (not on Delta files)."""
    history: tuple[str, ...] = ()
    """Datasets (or ``all``) whose every version is kept in ``<dataset>_history``."""
    compact_after_erasure: bool = True
    """After retention, an exclusion or ``tenants forget`` removed personal data, erase it from
    the destination's bytes (a DuckDB file compacted, Delta tables vacuumed)."""
    max_age: dt.timedelta | None = None
    """``status`` and Dagster's freshness checks: a dataset not loaded for longer is stale."""
    max_full_age: dt.timedelta | None = None
    """The same for the newest full export (deletions are only seen in full exports)."""
    change_feed_events: tuple[str, ...] = ()
    """Opt-in feed events: ``salary_change``, ``scale_change``, ``step_change``,
    ``custom_field:<field name>`` (docs/changes.md); pay is sensitive, so none by default."""
    model_custom_fields: tuple[str, ...] = ("all",)
    """Custom fields on the star model's dimensions: ``all``, or field names (empty: none)."""
    concurrency: int = 4
    job_timeout_s: float = 3600.0
    verify_tls: bool = True
    lang: str = "en"

    def require_credentials(self) -> tuple[str, Secret]:
        """The client id and secret, or an error that says where each one comes from."""
        if not self.client_id:
            raise ConfigurationError(
                "No client id configured. Set client_id in visma-hrm.toml, VISMA_HRM_CLIENT_ID "
                "or --client-id (the isv_... value on the Details tab of your application in "
                "the Visma Developer Portal), or run `visma-hrm init`."
            )
        if not self.client_secret:
            raise ConfigurationError(
                "No client secret configured. Set VISMA_HRM_CLIENT_SECRET or put client_secret "
                f"in {SECRETS_FILE_NAME} (made on the Credentials tab of your application in the "
                "Visma Developer Portal), or run `visma-hrm init`."
            )
        return self.client_id, self.client_secret

    def client_settings(self, **tuning: Any) -> ClientSettings:
        """The API client's settings for these settings: the one place that builds them.

        ``tuning`` overrides the client's waits (``check`` gives up sooner than a nightly
        sync); the sync and the reusable dlt source keep the client's defaults.
        """
        from visma_hrm.client.settings import ClientSettings  # httpx stays out of --help

        client_id, secret = self.require_credentials()
        values: dict[str, Any] = {
            "api_url": self.api_url,
            "token_url": self.token_url,
            "client_id": client_id,
            "client_secret": secret,
            "job_timeout_s": self.job_timeout_s,
            "verify_tls": self.verify_tls,
        }
        return ClientSettings(**{**values, **tuning})

    def require_tenants(self) -> tuple[str, ...]:
        if not self.tenants:
            raise ConfigurationError(
                "No tenant configured. Add tenant ids (Integrations > Customers in the Developer "
                "Portal) to tenants in visma-hrm.toml, VISMA_HRM_TENANTS or --tenant."
            )
        return self.tenants


# ----------------------------------------------------------------------------------- loading
_ENV_KEYS = {
    "api_url": "API_URL",
    "token_url": "TOKEN_URL",
    "client_id": "CLIENT_ID",
    "tenants": "TENANTS",
    "datasets": "DATASETS",
    "destination": "DESTINATION",
    "duckdb_path": "DUCKDB_PATH",
    "duckdb_memory_limit": "DUCKDB_MEMORY_LIMIT",
    "dataset_name": "DATASET_NAME",
    "table_format": "TABLE_FORMAT",
    "pipelines_dir": "PIPELINES_DIR",
    "privacy_profile": "PRIVACY_PROFILE",
    "pseudonymize_keys": "PSEUDONYMIZE_KEYS",
    "retention": "RETENTION",
    "retention_action": "RETENTION_ACTION",
    "change_feed": "CHANGE_FEED",
    "history": "HISTORY",
    "compact_after_erasure": "COMPACT_AFTER_ERASURE",
    "max_age": "MAX_AGE",
    "max_full_age": "MAX_FULL_AGE",
    "change_feed_events": "CHANGE_FEED_EVENTS",
    "model_custom_fields": "MODEL_CUSTOM_FIELDS",
    "concurrency": "CONCURRENCY",
    "job_timeout_s": "JOB_TIMEOUT",
    "lang": "LANG",
}


def load_settings(
    config_path: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Merge defaults, the config file, the environment and flag overrides (``None`` = unset).

    Every value is checked before anything runs: its type (the message names the setting, the
    value, where it came from and what was expected), tenant ids (UUIDs) and the language.
    """
    env = os.environ if env is None else env
    path = _config_path(config_path, env)
    flags = {k: v for k, v in (overrides or {}).items() if v not in (None, (), [])}
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    from_env = _from_env(env)
    for source, origin in ((_from_file(path), f"in {path}"), (from_env, ""), (flags, "")):
        values.update(source)
        for name in source:
            env_name = f"from {ENV_PREFIX}{_ENV_KEYS[name]}" if source is from_env else ""
            origins[name] = origin or env_name or "from the command line"
    if "client_secret" in values:
        raise ConfigurationError("The client secret cannot be given as a setting or flag.")
    if "pseudonym_key" in values:
        raise ConfigurationError("The pseudonym key cannot be given as a setting or flag.")
    if "destination_credentials" in values:
        raise ConfigurationError(
            f"Give the destination's credentials as {DESTINATION_CREDENTIALS_ENV}."
        )
    values["client_secret"] = _secret(env, path)
    values["pseudonym_key"] = _secret(env, path, "pseudonym_key", PSEUDONYM_KEY_ENV)
    values["destination_credentials"] = _secret(
        env, path, "destination_credentials", DESTINATION_CREDENTIALS_ENV
    )
    return _build(values, origins)


def build_settings(
    values: Mapping[str, Any], secrets: Mapping[str, str | None] | None = None
) -> Settings:
    """Settings from values given in code (the dlt source's arguments), checked and coerced as
    a config file's are; ``secrets`` by their setting names. None or empty means unset."""
    given = {k: v for k, v in values.items() if v not in (None, (), [], {})}
    for name, secret in (secrets or {}).items():
        if name not in _SECRET_NAMES:
            raise ConfigurationError(f"{name} is not a secret setting.")
        given[name] = Secret(str(secret)) if secret else None
    return _build(given)


def _config_path(explicit: Path | None, env: Mapping[str, str]) -> Path | None:
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigurationError(f"Config file {explicit} does not exist.")
        return explicit
    named = env.get(f"{ENV_PREFIX}CONFIG")
    if named:
        return _config_path(Path(named), env)
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


def _from_file(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path} is not valid TOML: {exc}") from None
    table = document.get(SECTION, document)
    if not isinstance(table, dict):
        raise ConfigurationError(f"{path}: [{SECTION}] must be a table of settings.")
    for name in _SECRET_NAMES:
        if name in table:
            raise ConfigurationError(
                f"{path} contains {name}: move it to {SECRETS_FILE_NAME} (owner-only) or "
                f"{ENV_PREFIX}{name.upper()}, and rotate it if the file was shared."
            )
    return dict(table)


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, suffix in _ENV_KEYS.items():
        raw = env.get(ENV_PREFIX + suffix)
        if raw:
            out[name] = split_names(raw) if name in LIST_SETTINGS else raw
    return out


def secrets_path(config_path: Path | None, env: Mapping[str, str] | None = None) -> Path:
    """Where the secrets file is looked for (and written by ``init``)."""
    env = os.environ if env is None else env
    named = env.get(f"{ENV_PREFIX}SECRETS_FILE")
    if named:
        return Path(named)
    base = config_path.parent if config_path is not None else Path()
    return base / SECRETS_FILE_NAME


def _secret(
    env: Mapping[str, str],
    config_path: Path | None,
    name: str = "client_secret",
    env_name: str = SECRET_ENV,
) -> Secret | None:
    """One secret from its environment variable, else from the secrets file."""
    if env.get(env_name):
        return Secret(env[env_name])
    path = secrets_path(config_path, env)
    if not path.is_file():
        return None
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        warnings.warn(
            f"{path} is readable by other users; run `chmod 600 {path}`.",
            stacklevel=2,
        )
    try:
        value = tomllib.loads(path.read_text(encoding="utf-8")).get(name)
    except tomllib.TOMLDecodeError:
        raise ConfigurationError(f"{path} is not valid TOML.") from None
    return Secret(str(value)) if value else None


_KNOWN = {f.name for f in fields(Settings)}


def _build(values: dict[str, Any], origins: Mapping[str, str] | None = None) -> Settings:
    unknown = set(values) - _KNOWN
    if unknown:
        raise ConfigurationError(" ".join(_unknown_setting(name) for name in sorted(unknown)))
    where = origins or {}
    coerced = {k: coerce(k, v, where.get(k, "")) for k, v in values.items()}
    settings = replace(Settings(), **coerced)
    if settings.concurrency < 1:
        raise ConfigurationError("concurrency must be at least 1.")
    check_tenant_ids(settings.tenants, where.get("tenants", ""))
    if not is_known_lang(settings.lang):
        shown = f"{settings.lang} ({where['lang']})" if "lang" in where else settings.lang
        raise ConfigurationError(text("error.lang", "en", value=shown, known=", ".join(LANGUAGES)))
    return settings


def _unknown_setting(name: str) -> str:
    """Name the unknown setting and, for a likely typo, the setting that was meant."""
    close = close_match(name, sorted(_KNOWN - set(_SECRET_NAMES)), cutoff=0.6)
    hint = f" Did you mean {close}?" if close else ""
    return f"Unknown setting {name!r}.{hint} (docs/configuration.md lists every setting.)"


def close_match(name: str, known: Iterable[str], cutoff: float = 0.75) -> str | None:
    """The known name ``name`` most likely is a typo of (difflib's ratio >= ``cutoff``)."""
    return next(iter(difflib.get_close_matches(name, list(known), n=1, cutoff=cutoff)), None)


# ----------------------------------------------------------------------------------- writing
def write_secrets(path: Path, secret: Secret) -> None:
    """Write the secrets file readable and writable by its owner only (mode 0600).

    The file is created with mode 0600 from the start (no window in which it is world-readable)
    and its mode is forced again in case it already existed with a wider one. A
    ``pseudonym_key`` already in the file is kept: losing it would change every pseudonym.
    """
    kept = _existing_pseudonym_key(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        text = f"client_secret = {_toml_str(secret.reveal())}\n"
        if kept:
            text += f"pseudonym_key = {_toml_str(kept)}\n"
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _existing_pseudonym_key(path: Path) -> str | None:
    try:
        value = tomllib.loads(path.read_text(encoding="utf-8")).get("pseudonym_key")
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return str(value) if value else None


def _toml_str(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
