"""`visma-hrm check`, `init` and `datasets`: getting access, and seeing what access there is.

The commands only gather options, call ``visma_hrm.onboarding`` and render its ``Diagnosis``;
every decision about what is wrong lives there, so ``check`` and ``init`` can never disagree.

Exit codes (documented in docs/onboarding.md): 0 everything configured works; 1 a problem was
diagnosed (or ``init`` wrote nothing); 2 the command line or configuration is unusable.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from visma_hrm.catalog import DATASETS, Dataset, get_dataset
from visma_hrm.cli.app import app
from visma_hrm.cli.common import (
    EXIT_PROBLEM,
    EXIT_USAGE,
    VERBOSITY,
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
    fail,
    say,
    set_verbosity,
    suggestion,
)
from visma_hrm.config import (
    DEFAULT_CONFIG_FILE,
    ENV_PREFIX,
    SECRET_ENV,
    Settings,
    load_settings,
    secrets_path,
    write_config,
    write_secrets,
)
from visma_hrm.errors import ConfigurationError
from visma_hrm.messages import env_lang, text
from visma_hrm.onboarding import DatasetStatus, Diagnosis, Problem, diagnose, scrub
from visma_hrm.redact import Secret, redact_url


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
    set_verbosity(quiet, verbose)
    flags = {"api_url": api_url, "token_url": token_url, "client_id": client_id}
    overrides = {**flags, "tenants": tuple(tenant or ()), "datasets": tuple(dataset or ())}
    settings, lang = _load(config, overrides, lang)
    diagnosis = diagnose(settings)
    _emit(diagnosis, lang, as_json, settings.client_secret)
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
    _emit(diagnosis, lang, False, secret)
    typer.echo(text("init.valid" if diagnosis.ok else "init.invalid", lang))
    if not _may_write(diagnosis, target, non_interactive, force, lang):
        typer.echo(text("init.not_written", lang))
        raise typer.Exit(EXIT_PROBLEM)
    assert secret is not None  # both ways of building settings guarantee a secret
    _write(target, settings, secret, lang)


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
        "tenants": _split(env.get(f"{ENV_PREFIX}TENANTS", "")),
    }
    return replace(base, **{k: v for k, v in values.items() if v})


def _from_flags(
    base: Settings, client_id: str | None, tenants: list[str] | None, stdin: bool, lang: str
) -> Settings:
    secret = _read_stdin_secret(lang) if stdin else os.environ.get(SECRET_ENV, "").strip()
    chosen_id = client_id or base.client_id
    chosen_tenants = tuple(tenants or ()) or base.tenants
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
        _fail_usage(text("init.missing", lang, what=", ".join(missing)), lang)
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
        _fail_usage(text("init.empty_secret", lang), lang)
    chosen_tenants = tuple(tenants or ()) or _split(
        typer.prompt(text("init.prompt.tenants", lang), default=",".join(base.tenants) or None)
    )
    return replace(
        base,
        client_id=chosen_id.strip(),
        tenants=chosen_tenants,
        client_secret=Secret(secret.strip()),
    )


def _read_stdin_secret(lang: str) -> str:
    secret = sys.stdin.readline().strip()
    if not secret:
        _fail_usage(text("init.empty_secret", lang), lang)
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


def _write(target: Path, settings: Settings, secret: Secret, lang: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    secrets = secrets_path(target)
    write_config(target, settings)
    write_secrets(secrets, secret)
    typer.echo(text("init.written", lang, config=target, secrets=secrets))


# ----------------------------------------------------------------------------------- datasets
@app.command()
@errors_to_exit
def datasets(
    name: Annotated[
        str | None, typer.Argument(metavar="DATASET", show_default=False, hidden=True)
    ] = None,
    columns: Annotated[bool, typer.Option("--columns", help="List every column.")] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Do not ask Visma what the tenants approved.")
    ] = False,
    config: ConfigOpt = None,
    api_url: ApiUrlOpt = None,
    token_url: TokenUrlOpt = None,
    client_id: ClientIdOpt = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """The dataset catalog and, with credentials configured, what each tenant approved.

    With a DATASET name: that dataset and its columns.
    """
    set_verbosity(quiet, verbose)
    flags = {"api_url": api_url, "token_url": token_url, "client_id": client_id}
    settings, lang = _load(config, {**flags, "tenants": tuple(tenant or ())}, lang)
    chosen = _chosen_datasets(name, lang)
    diagnosis = None
    if not offline and settings.client_id and settings.client_secret and settings.tenants:
        diagnosis = diagnose(replace(settings, datasets=tuple(d.name for d in chosen)))
    if as_json:
        typer.echo(_dump(_datasets_json(chosen, diagnosis, lang)))
    else:
        _render_catalog(chosen, columns or name is not None, lang)
        _render_approvals(diagnosis, settings, lang)
    whole_tenant = diagnosis is not None and any(t.token_ok is not True for t in diagnosis.tenants)
    raise typer.Exit(EXIT_PROBLEM if whole_tenant else 0)


def _chosen_datasets(name: str | None, lang: str) -> list[Dataset]:
    if name is None:
        return list(DATASETS.values())
    try:
        return [get_dataset(name)]
    except KeyError:
        message = text("datasets.unknown", lang, name=name, known=", ".join(DATASETS))
        _fail_usage(message + suggestion(name, DATASETS), lang)
        raise  # unreachable: _fail_usage exits


def _datasets_json(chosen: list[Dataset], diagnosis: Diagnosis | None, lang: str) -> dict[str, Any]:
    return {
        "datasets": [
            {
                "name": d.name,
                "table": d.table,
                "path": d.path,
                "scope": d.scope,
                "primary_key": list(d.key),
                "description": d.description,
                "columns": [
                    {
                        "name": c.name,
                        "type": c.type.value,
                        "personal": c.personal,
                        "contact": c.contact,
                    }
                    for c in d.columns
                ],
            }
            for d in chosen
        ],
        "approvals": None
        if diagnosis is None
        else {t.tenant_id: {n: s.value for n, s in t.datasets.items()} for t in diagnosis.tenants},
        "problems": []
        if diagnosis is None
        else [p.to_json(lang) for p in diagnosis.all_problems()],
    }


def _render_catalog(chosen: list[Dataset], with_columns: bool, lang: str) -> None:
    """A compact overview; with columns, one small table of columns per dataset below it."""
    console = _console()
    table = _table(title=text("datasets.title", lang), caption=text("datasets.key_note", lang))
    for key in ("name", "table", "scope", "key", "columns"):
        table.add_column(text(f"datasets.col.{key}", lang), overflow="fold")
    for d in chosen:
        count = text("datasets.columns_count", lang, count=len(d.columns))
        table.add_row(d.name, d.table, d.scope, ", ".join(d.primary_key), count)
    console.print(table)
    if with_columns:
        for d in chosen:
            console.print(_columns_table(d, lang))


def _columns_table(dataset: Dataset, lang: str) -> Table:
    table = _table(title=f"{dataset.name}: {dataset.description}", title_justify="left")
    table.title_style = "bold"
    for key in ("column", "type", "personal"):
        table.add_column(text(f"datasets.col.{key}", lang), overflow="fold")
    personal, contact = text("status.yes", lang), text("datasets.personal_contact", lang)
    for c in dataset.columns:
        label = contact if c.contact else personal if c.personal else ""
        table.add_row(c.name, c.type.value, label)
    return table


def _render_approvals(diagnosis: Diagnosis | None, settings: Settings, lang: str) -> None:
    """Per tenant what it approved, in the same table as ``check`` (without the verdict)."""
    console = _console()
    if diagnosis is None:
        if not (settings.client_id and settings.client_secret and settings.tenants):
            console.print(text("datasets.no_credentials", lang), soft_wrap=True)
        return
    problems = list(diagnosis.all_problems())
    console.print(_tenant_table(diagnosis, _unique(problems, lang), lang))
    _print_problems(console, problems, lang, settings.client_secret)


# ----------------------------------------------------------------------------------- rendering
def _emit(diagnosis: Diagnosis, lang: str, as_json: bool, secret: Secret | None) -> None:
    if as_json:
        typer.echo(scrub(_dump(diagnosis.to_json(lang)), secret))
    else:
        render_diagnosis(diagnosis, lang, secret)


def render_diagnosis(diagnosis: Diagnosis, lang: str, secret: Secret | None = None) -> None:
    """One table (tenant, token, datasets, problem numbers), then the numbered sentences.

    The sentences go below the table rather than in a cell: they stay whole, one per line,
    easy to read and to copy into a mail to the customer, at any terminal width.
    """
    console = _console()
    table = _tenant_table(diagnosis, _unique(diagnosis.all_problems(), lang), lang)
    console.print(table)
    _print_problems(console, list(diagnosis.all_problems()), lang, secret)
    verdict = "check.all_ok" if diagnosis.ok else "check.not_ok"
    console.print(text(verdict, lang), soft_wrap=True)


def _tenant_table(diagnosis: Diagnosis, footnotes: list[tuple[str, str]], lang: str) -> Table:
    """Tenant, token, datasets by status, and the numbers of the footnotes that concern it."""
    table = _table(title=text("check.title", lang, client_id=diagnosis.client_id or "-"))
    # Tenant ids are copied whole into mails and the portal's search: never wrap or cut them.
    table.add_column(text("check.col.tenant", lang), no_wrap=True, min_width=36)
    table.add_column(text("check.col.token", lang), overflow="fold")
    table.add_column(text("check.col.datasets", lang), overflow="fold", min_width=24)  # names
    table.add_column(text("check.col.problems", lang), overflow="fold")
    for t in diagnosis.tenants:
        numbers = sorted({footnotes.index(_key(p, lang)) + 1 for p in t.problems})
        table.add_row(
            t.tenant_id,
            _token(t.token_ok, lang),
            _dataset_cell(t.datasets, lang),
            ", ".join(map(str, numbers)) or text("check.none", lang),
        )
    return table


def _dataset_cell(statuses: Mapping[str, DatasetStatus], lang: str) -> str:
    """Datasets grouped under their status, one name per line (narrow enough for 80 columns)."""
    lines = []
    for status in DatasetStatus:
        names = [n for n, s in statuses.items() if s is status]
        if len(names) == len(statuses) > 1:
            lines.append(f"{_status(status, lang)}: {text('check.all', lang)}")
        elif names:
            lines += [f"{_status(status, lang)}:", *(f"  {n}" for n in names)]
    return "\n".join(lines)


def _print_problems(
    console: Console, problems: list[Problem], lang: str, secret: Secret | None
) -> None:
    keys = _unique(problems, lang)
    if not keys:
        return
    console.print(text("check.problems_heading", lang))
    for number, (actor, sentence) in enumerate(keys, start=1):
        who = text(f"actor.{actor}", lang)
        line = text("check.problem_line", lang, number=number, who=who, sentence=sentence)
        console.print(scrub(line, secret), soft_wrap=True)
        if VERBOSITY.verbose:  # the technical cause, as --json carries it
            details = {p.detail for p in problems if _key(p, lang) == (actor, sentence)}
            for detail in sorted(d for d in details if d):
                console.print("   " + scrub(detail, secret), soft_wrap=True)


def _key(problem: Problem, lang: str) -> tuple[str, str]:
    return problem.actor, problem.sentence(lang)


def _unique(problems: Any, lang: str) -> list[tuple[str, str]]:
    """Distinct (actor, sentence) pairs in order: one footnote for a cause many tenants share."""
    seen: list[tuple[str, str]] = []
    for p in problems:
        if _key(p, lang) not in seen:
            seen.append(_key(p, lang))
    return seen


def _token(ok: bool | None, lang: str) -> str:
    if ok is None:
        return text("status.token_unknown", lang)
    return text("status.yes" if ok else "status.no", lang)


def _status(status: DatasetStatus, lang: str) -> str:
    return text(f"status.{status.value}", lang)


def _table(**options: Any) -> Table:
    """Light tables (no side borders, single spaces): an 80-column terminal fits a tenant id."""
    return Table(
        box=box.SIMPLE_HEAD, show_edge=False, collapse_padding=True, pad_edge=False, **options
    )


def _console() -> Console:
    return Console(highlight=False, markup=False, emoji=False)


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)


# ----------------------------------------------------------------------------------- loading
def _load(
    config: Path | None, overrides: dict[str, Any], lang_flag: str | None
) -> tuple[Settings, str]:
    """Settings with flags on top, and the language: --lang > settings (env, file) > en.

    An unknown --lang is refused first; a broken configuration is reported (by
    ``errors_to_exit``) in the --lang or VISMA_HRM_LANG language.
    """
    check_lang(lang_flag)
    settings = load_settings(config, overrides=overrides)
    return settings, check_lang(lang_flag, settings.lang)


def _split(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.replace(" ", ",").split(",") if part.strip())


def _fail_usage(message: str, lang: str = "en") -> Any:
    fail("configuration", message, EXIT_USAGE, lang)
