"""How a ``Diagnosis`` looks: one table (tenant, token, datasets, problem numbers), then the
numbered sentences, then the verdict; or the same as JSON.

``check`` and ``init`` show it whole, ``datasets`` its table and sentences. Tables are light (no
side borders, single spaces) so an 80-column terminal fits a tenant id; every line that may
carry user input is scrubbed of secrets. The commands import this module when they render, so
``--help`` does not load rich's tables.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from visma_hrm.cli.common import VERBOSITY, console_class
from visma_hrm.messages import text
from visma_hrm.onboarding import DatasetStatus, Diagnosis, Problem, scrub
from visma_hrm.redact import Secret


def emit(diagnosis: Diagnosis, lang: str, as_json: bool, secret: Secret | None) -> None:
    """The whole diagnosis on stdout: the table and sentences, or ``--json``."""
    if as_json:
        typer.echo(scrub(dump_json(diagnosis.to_json(lang)), secret))
    else:
        render_diagnosis(diagnosis, lang, secret)


def render_diagnosis(diagnosis: Diagnosis, lang: str, secret: Secret | None = None) -> None:
    """One table (tenant, token, datasets, problem numbers), then the numbered sentences.

    The sentences go below the table rather than in a cell: they stay whole, one per line,
    easy to read and to copy into a mail to the customer, at any terminal width.
    """
    console = plain_console()
    table = tenant_table(diagnosis, unique_problems(diagnosis.all_problems(), lang), lang)
    console.print(table)
    print_problems(console, list(diagnosis.all_problems()), lang, secret)
    verdict = "check.all_ok" if diagnosis.ok else "check.not_ok"
    console.print(text(verdict, lang), soft_wrap=True)


def tenant_table(diagnosis: Diagnosis, footnotes: list[tuple[str, str]], lang: str) -> Table:
    """Tenant, token, datasets by status, and the numbers of the footnotes that concern it."""
    table = light_table(title=text("check.title", lang, client_id=diagnosis.client_id or "-"))
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


def print_problems(
    console: Console, problems: list[Problem], lang: str, secret: Secret | None
) -> None:
    keys = unique_problems(problems, lang)
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


def unique_problems(problems: Iterable[Problem], lang: str) -> list[tuple[str, str]]:
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


def light_table(**options: Any) -> Table:
    """Light tables (no side borders, single spaces): an 80-column terminal fits a tenant id."""
    return Table(
        box=box.SIMPLE_HEAD, show_edge=False, collapse_padding=True, pad_edge=False, **options
    )


def plain_console() -> Console:
    return console_class()(highlight=False, markup=False, emoji=False)


def dump_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)
