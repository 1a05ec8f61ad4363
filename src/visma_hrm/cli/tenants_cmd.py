"""The ``tenants`` commands: a customer's lifecycle in the warehouse.

``list`` shows the configured tenants and those the warehouse holds rows of, what it holds of
each and how fresh each is (the rule of ``status``); ``reload TENANT_ID`` makes the tenant's
next sync take full exports; ``forget TENANT_ID --yes`` deletes every row of the tenant from
every table and erases them from the destination's bytes (``visma_hrm.sync.upkeep``). All of
it on DuckDB, PostgreSQL and Delta files.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from visma_hrm.cli.app import app
from visma_hrm.cli.common import (
    ConfigOpt,
    DuckdbPathOpt,
    JsonOpt,
    LangOpt,
    QuietOpt,
    VerboseOpt,
    errors_to_exit,
    say,
    set_verbosity,
    stdout_console,
)
from visma_hrm.cli.read_options import SchemaOpt, read_settings
from visma_hrm.cli.status_cmd import FilesDestinationOpt, freshness, state
from visma_hrm.config_values import check_tenant_ids
from visma_hrm.errors import ConfigurationError
from visma_hrm.messages import number, text

if TYPE_CHECKING:
    from visma_hrm.config import Settings
    from visma_hrm.sync.status import PairStatus

tenants_app = typer.Typer(
    name="tenants",
    help="A customer's lifecycle: list, reload or forget a tenant in the warehouse.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(tenants_app)

TenantArg = Annotated[str, typer.Argument(metavar="TENANT_ID", help="The tenant's id.")]


@tenants_app.callback()
def tenants_root(quiet: QuietOpt = False, verbose: VerboseOpt = False) -> None:
    """A customer's lifecycle: list, reload or forget a tenant in the warehouse."""
    set_verbosity(quiet, verbose)


def _settings(
    config: Any, destination: str | None, duckdb_path: Any, schema: str | None, lang: str | None
) -> Settings:
    return read_settings(
        config, destination=destination, duckdb_path=duckdb_path, schema=schema, lang=lang
    )


@tenants_app.command("list")
@errors_to_exit
def list_command(
    config: ConfigOpt = None,
    destination: FilesDestinationOpt = None,
    duckdb_path: DuckdbPathOpt = None,
    schema: SchemaOpt = None,
    json_output: JsonOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """The configured tenants and those in the warehouse: rows held, freshness."""
    from visma_hrm.sync.status import judged_status

    set_verbosity(quiet, verbose)
    settings = _settings(config, destination, duckdb_path, schema, lang)
    overview = judged_status(settings, freshness(settings, None, None), held_too=True)
    rows = tenant_rows(settings.tenants, overview.held, overview.pairs)
    if json_output:
        document = {"tenants": [{k: v for k, v in r.items() if k != "pairs"} for r in rows]}
        print(json.dumps(document, indent=2, ensure_ascii=False))
        return
    stdout_console().print(_table(rows, settings.lang))
    configured = sum(1 for r in rows if r["configured"])
    say(
        text(
            "tenants.count",
            settings.lang,
            tenants=number(len(rows), settings.lang),
            configured=number(configured, settings.lang),
            held=number(sum(1 for r in rows if r["rows"]), settings.lang),
        )
    )


def tenant_rows(
    configured: Sequence[str], held: dict[str, dict[str, int]], pairs: Sequence[PairStatus]
) -> list[dict[str, Any]]:
    """One entry per tenant, configured ones first, as ``--json`` gives them."""
    tenants = list(dict.fromkeys([*configured, *sorted(held), *(p.tenant_id for p in pairs)]))
    out = []
    for tenant in tenants:
        mine = [p for p in pairs if p.tenant_id == tenant]
        loads = [p.last_ok for p in mine if p.last_ok is not None]
        out.append(
            {
                "tenant_id": tenant,
                "configured": tenant in configured,
                "tables": len(held.get(tenant, {})),
                "rows": sum(held.get(tenant, {}).values()),
                "datasets": sum(1 for p in mine if p.last_ok is not None),
                "last_load": max(loads).astimezone(dt.UTC).isoformat() if loads else None,
                "problems": [q.kind for p in mine for q in p.problems],
                "pairs": mine,  # for the table's states, not in --json
            }
        )
    return out


def _table(rows: Sequence[dict[str, Any]], lang: str) -> Any:
    from rich import box
    from rich.table import Table

    from visma_hrm.sync.status import age

    now = dt.datetime.now(dt.UTC)
    names = ("tenant", "configured", "tables", "rows", "datasets", "last_load", "state")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, collapse_padding=True, pad_edge=False)
    for name in names:
        justify: Literal["right", "left"] = (
            "right" if name in ("tables", "rows", "datasets") else "left"
        )
        table.add_column(text(f"tenants.col.{name}", lang), no_wrap=True, justify=justify)
    for row in rows:
        last = dt.datetime.fromisoformat(row["last_load"]) if row["last_load"] else None
        states = dict.fromkeys(state(p, lang) for p in row["pairs"]) or {"-": None}
        table.add_row(
            row["tenant_id"],
            text("tenants.yes" if row["configured"] else "tenants.no", lang),
            number(row["tables"], lang),
            number(row["rows"], lang),
            number(row["datasets"], lang),
            age(now, last, lang),
            ", ".join(states),
        )
    return table


@tenants_app.command("reload")
@errors_to_exit
def reload_command(
    tenant: TenantArg,
    config: ConfigOpt = None,
    destination: FilesDestinationOpt = None,
    duckdb_path: DuckdbPathOpt = None,
    schema: SchemaOpt = None,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Make the tenant's next sync take full exports (its data stays)."""
    from visma_hrm.sync.upkeep import reload_tenant

    set_verbosity(quiet, verbose)
    settings = _settings(config, destination, duckdb_path, schema, lang)
    check_tenant_ids([tenant], "the tenant to reload")
    rows = reload_tenant(settings, tenant)
    key = "tenants.reloaded" if rows else "tenants.reload_nothing"
    say(text(key, settings.lang, tenant=tenant, rows=number(rows, settings.lang)))


@tenants_app.command("forget")
@errors_to_exit
def forget_command(
    tenant: TenantArg,
    yes: Annotated[
        bool, typer.Option("--yes", help="Really delete: forgetting cannot be undone.")
    ] = False,
    config: ConfigOpt = None,
    destination: FilesDestinationOpt = None,
    duckdb_path: DuckdbPathOpt = None,
    schema: SchemaOpt = None,
    json_output: JsonOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Delete every row of a tenant from every table, and erase it from the files."""
    from visma_hrm.sync.upkeep import forget_tenant

    set_verbosity(quiet, verbose)
    settings = _settings(config, destination, duckdb_path, schema, lang)
    lang = settings.lang
    check_tenant_ids([tenant], "the tenant to forget")
    if tenant.casefold() in {t.casefold() for t in settings.tenants}:  # UUIDs: either case
        raise ConfigurationError(text("tenants.still_configured", lang, tenant=tenant))
    if not yes:
        _refuse_without_yes(settings, tenant)
    done = forget_tenant(settings, tenant)
    rows = sum(done.deleted.values())
    if json_output:
        document = {
            "tenant_id": tenant,
            "deleted": done.deleted,
            "notes": [str(n) for n in done.notes],
        }
        print(json.dumps(document, indent=2, ensure_ascii=False))
        return
    if rows:
        tables = number(len(done.deleted), lang)
        say(text("tenants.forgotten", lang, tenant=tenant, rows=number(rows, lang), tables=tables))
    else:
        say(text("tenants.nothing", lang, tenant=tenant))
    for note in done.notes:
        say(note.in_lang(lang))


def _refuse_without_yes(settings: Settings, tenant: str) -> None:
    """Say what ``--yes`` would delete, and stop (exit 2)."""
    from visma_hrm.sync.upkeep import held_of

    spellings, where = held_of(settings, tenant)
    mine = [n for rows in spellings.values() for n in rows.values()]
    tables = {table for rows in spellings.values() for table in rows}
    lang = settings.lang
    raise ConfigurationError(
        text(
            "tenants.confirm",
            lang,
            tenant=tenant,
            rows=number(sum(mine), lang),
            tables=number(len(tables), lang),
            where=where,
        )
    )
