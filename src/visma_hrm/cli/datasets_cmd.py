"""``visma-hrm datasets``: the dataset catalog and, with credentials configured, what each
tenant approved (in the same table as ``check``, without the verdict).

Exit code 1 when a whole tenant could not be asked (no token), 2 for an unusable command line.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any

import typer

from visma_hrm.catalog import DATASETS, Dataset, get_dataset
from visma_hrm.cli.app import app
from visma_hrm.cli.common import (
    EXIT_PROBLEM,
    ApiUrlOpt,
    ClientIdOpt,
    ConfigOpt,
    JsonOpt,
    LangOpt,
    QuietOpt,
    TenantOpt,
    TokenUrlOpt,
    VerboseOpt,
    errors_to_exit,
    fail_usage,
    load_with_lang,
    set_verbosity,
    suggestion,
)
from visma_hrm.messages import text

if TYPE_CHECKING:
    from rich.table import Table

    from visma_hrm.config import Settings
    from visma_hrm.onboarding import Diagnosis


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
    from visma_hrm.cli.diagnosis_view import dump_json
    from visma_hrm.onboarding import diagnose

    set_verbosity(quiet, verbose)
    flags = {"api_url": api_url, "token_url": token_url, "client_id": client_id}
    settings, lang = load_with_lang(config, {**flags, "tenants": tuple(tenant or ())}, lang)
    chosen = _chosen_datasets(name, lang)
    diagnosis = None
    if not offline and settings.client_id and settings.client_secret and settings.tenants:
        diagnosis = diagnose(replace(settings, datasets=tuple(d.name for d in chosen)))
    if as_json:
        typer.echo(dump_json(_datasets_json(chosen, diagnosis, lang)))
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
        fail_usage(message + suggestion(name, DATASETS), lang)


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
    from visma_hrm.cli.diagnosis_view import light_table, plain_console

    console = plain_console()
    table = light_table(title=text("datasets.title", lang), caption=text("datasets.key_note", lang))
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
    from visma_hrm.cli.diagnosis_view import light_table

    table = light_table(title=f"{dataset.name}: {dataset.description}", title_justify="left")
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
    from visma_hrm.cli.diagnosis_view import (
        plain_console,
        print_problems,
        tenant_table,
        unique_problems,
    )

    console = plain_console()
    if diagnosis is None:
        if not (settings.client_id and settings.client_secret and settings.tenants):
            console.print(text("datasets.no_credentials", lang), soft_wrap=True)
        return
    problems = list(diagnosis.all_problems())
    console.print(tenant_table(diagnosis, unique_problems(problems, lang), lang))
    print_problems(console, problems, lang, settings.client_secret)
