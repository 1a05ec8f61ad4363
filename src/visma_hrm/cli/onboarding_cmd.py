"""`visma-hrm check` and `init`: getting access, and checking it before it is written down.

The commands only gather options, call ``visma_hrm.onboarding`` and render its ``Diagnosis``
(``visma_hrm.cli.diagnosis_view``); every decision about what is wrong lives there, so
``check``, ``init`` and ``datasets`` (``datasets_cmd``) can never disagree.

Exit codes (documented in docs/onboarding.md): 0 everything configured works; 1 a problem was
diagnosed (or ``init`` wrote nothing); 2 the command line or configuration is unusable.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from visma_hrm.cli.app import app
from visma_hrm.cli.common import (
    EXIT_PROBLEM,
    ApiUrlOpt,
    ClientIdOpt,
    ConfigOpt,
    DatasetOpt,
    ForceOpt,
    JsonOpt,
    LangOpt,
    QuietOpt,
    TenantOpt,
    TokenUrlOpt,
    VerboseOpt,
    check_lang,
    errors_to_exit,
    fail_usage,
    load_with_lang,
    say,
    set_verbosity,
    warn,
)
from visma_hrm.config import (
    DEFAULT_CONFIG_FILE,
    ENV_PREFIX,
    SECRET_ENV,
    Settings,
    load_settings,
    secrets_path,
    write_secrets,
)
from visma_hrm.config_values import check_tenant_ids
from visma_hrm.errors import ConfigurationError
from visma_hrm.messages import env_lang, text
from visma_hrm.redact import Secret, redact_url

if TYPE_CHECKING:
    from visma_hrm.onboarding import Diagnosis


# ----------------------------------------------------------------------------------- check
@app.command()
@errors_to_exit
def check(
    config: ConfigOpt = None,
    api_url: ApiUrlOpt = None,
    token_url: TokenUrlOpt = None,
    client_id: ClientIdOpt = None,
    tenant: TenantOpt = None,
    dataset: DatasetOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Get a token for every tenant and show which datasets each one approved, and what to fix."""
    from visma_hrm.cli.diagnosis_view import emit
    from visma_hrm.onboarding import diagnose

    set_verbosity(quiet, verbose)
    flags = {"api_url": api_url, "token_url": token_url, "client_id": client_id}
    overrides = {**flags, "tenants": tuple(tenant or ()), "datasets": tuple(dataset or ())}
    settings, lang = load_with_lang(config, overrides, lang)
    diagnosis = diagnose(settings)
    emit(diagnosis, lang, as_json, settings.client_secret)
    raise typer.Exit(diagnosis.exit_code)


# ----------------------------------------------------------------------------------- init
@app.command()
@errors_to_exit
def init(
    config: ConfigOpt = None,
    api_url: ApiUrlOpt = None,
    token_url: TokenUrlOpt = None,
    client_id: ClientIdOpt = None,
    tenant: TenantOpt = None,
    non_interactive: Annotated[
        bool, typer.Option("--non-interactive", help="Ask nothing; take everything from flags.")
    ] = False,
    secret_stdin: Annotated[
        bool, typer.Option("--secret-stdin", help="Read the client secret from standard input.")
    ] = False,
    force: ForceOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Ask for (or take) the client id, secret and tenant ids, check them, write the config.

    The secret is typed without echo, or comes from VISMA_HRM_CLIENT_SECRET or --secret-stdin.
    """
    from visma_hrm.cli.diagnosis_view import emit
    from visma_hrm.onboarding import diagnose

    set_verbosity(quiet, verbose)
    # Never a --secret flag: flags end up in shell history and process listings.
    target = config or Path(os.environ.get(f"{ENV_PREFIX}CONFIG") or DEFAULT_CONFIG_FILE)
    base = _init_defaults(target, api_url, token_url)
    lang = check_lang(lang, env_lang() or base.lang)
    if non_interactive:
        settings = _from_flags(base, client_id, tenant, secret_stdin, lang)
    else:
        settings = _from_prompts(base, client_id, tenant, secret_stdin, lang)
    secret = settings.client_secret
    say(text("init.validating", lang, token_url=redact_url(settings.token_url)))
    diagnosis = diagnose(settings)
    emit(diagnosis, lang, False, secret)
    typer.echo(text("init.valid" if diagnosis.ok else "init.invalid", lang))
    if not _may_write(diagnosis, target, non_interactive, force, lang):
        typer.echo(text("init.not_written", lang))
        raise typer.Exit(EXIT_PROBLEM)
    assert secret is not None  # both ways of building settings guarantee a secret
    _write(target, settings, secret, force, lang)


def _init_defaults(target: Path, api_url: str | None, token_url: str | None) -> Settings:
    """Start from the file being replaced (when readable) and the environment, then flags."""
    base = Settings()
    if target.is_file():
        try:
            base = replace(load_settings(target), client_secret=None)
        except ConfigurationError:
            base = Settings()  # init is how a broken file gets repaired
    env = os.environ
    values: dict[str, Any] = {
        "api_url": api_url or env.get(f"{ENV_PREFIX}API_URL"),
        "token_url": token_url or env.get(f"{ENV_PREFIX}TOKEN_URL"),
        "client_id": env.get(f"{ENV_PREFIX}CLIENT_ID"),
        "tenants": check_tenant_ids(
            _split(env.get(f"{ENV_PREFIX}TENANTS", "")), f"from {ENV_PREFIX}TENANTS"
        ),
    }
    return replace(base, **{k: v for k, v in values.items() if v})


def _from_flags(
    base: Settings, client_id: str | None, tenants: list[str] | None, stdin: bool, lang: str
) -> Settings:
    secret = _read_stdin_secret(lang) if stdin else os.environ.get(SECRET_ENV, "").strip()
    chosen_id = client_id or base.client_id
    chosen_tenants = check_tenant_ids(tenants or (), "--tenant") or base.tenants
    missing = [
        text(f"init.what.{what}", lang)
        for what, value in (
            ("client_id", chosen_id),
            ("tenant", chosen_tenants),
            ("secret", secret),
        )
        if not value
    ]
    if missing:
        fail_usage(text("init.missing", lang, what=", ".join(missing)), lang)
    return replace(base, client_id=chosen_id, tenants=chosen_tenants, client_secret=Secret(secret))


def _from_prompts(
    base: Settings, client_id: str | None, tenants: list[str] | None, stdin: bool, lang: str
) -> Settings:
    typer.echo(text("init.intro", lang))
    chosen_id = client_id or typer.prompt(
        text("init.prompt.client_id", lang), default=base.client_id or None
    )
    if stdin:
        secret = _read_stdin_secret(lang)
    elif os.environ.get(SECRET_ENV):
        secret = os.environ[SECRET_ENV]
        typer.echo(text("init.secret_from_env", lang))
    else:
        secret = typer.prompt(text("init.prompt.secret", lang), hide_input=True)
    if not secret.strip():
        fail_usage(text("init.empty_secret", lang), lang)
    chosen_tenants = check_tenant_ids(tenants or (), "--tenant") or typer.prompt(
        text("init.prompt.tenants", lang),
        default=",".join(base.tenants) or None,
        value_proc=_typed_tenants,
    )
    return replace(
        base,
        client_id=chosen_id.strip(),
        tenants=chosen_tenants,
        client_secret=Secret(secret.strip()),
    )


def _typed_tenants(typed: str) -> tuple[str, ...]:
    """The tenant ids typed at the prompt; one that is not a UUID asks again (click shows why)."""
    try:
        return check_tenant_ids(_split(typed))
    except ConfigurationError as exc:
        raise typer.BadParameter(exc.message) from None


def _read_stdin_secret(lang: str) -> str:
    secret = sys.stdin.readline().strip()
    if not secret:
        fail_usage(text("init.empty_secret", lang), lang)
    return secret


def _may_write(
    diagnosis: Diagnosis, target: Path, non_interactive: bool, force: bool, lang: str
) -> bool:
    """Non-interactive: only a working configuration, unless --force. Interactive: ask."""
    if non_interactive:
        return diagnosis.ok or force
    if not diagnosis.ok and not typer.confirm(
        text("init.confirm_write_anyway", lang), default=False
    ):
        return False
    if target.exists() and not force:
        return typer.confirm(text("init.confirm_overwrite", lang, path=target), default=True)
    return True


def _write(target: Path, settings: Settings, secret: Secret, force: bool, lang: str) -> None:
    """Set init's keys in the config file (keeping every other one) and write the secret.

    A key init does not manage that was already wrong stays wrong: said as a warning, since
    the next command would refuse the file.
    """
    from visma_hrm.onboarding.config_file import write_config

    target.parent.mkdir(parents=True, exist_ok=True)
    secrets = secrets_path(target)
    write_config(target, settings, replace_unreadable=force)
    write_secrets(secrets, secret)
    typer.echo(text("init.written", lang, config=target, secrets=secrets))
    try:
        load_settings(target, env={})
    except ConfigurationError as exc:
        warn(exc.message, lang)


def _split(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.replace(" ", ",").split(",") if part.strip())
