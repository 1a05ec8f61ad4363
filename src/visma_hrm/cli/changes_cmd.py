"""The ``changes`` command: print or write the change feed (table ``changes``) for scripts.

Its field names and formats are a contract (docs/changes.md): provisioning scripts read them,
whatever ``--lang`` says; the table for people speaks the reader's language. The warehouse is
opened read-only through ``visma_hrm.warehouse.reading``: nothing is created or changed.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
from visma_hrm.cli.read_options import ReadDestinationOpt, SchemaOpt, read_settings, tenant_filter
from visma_hrm.errors import ConfigurationError
from visma_hrm.messages import number, text

if TYPE_CHECKING:  # rich's tables load when something is printed, not for --help
    from rich.console import Console

    from visma_hrm.config import Settings
    from visma_hrm.warehouse.reading import Reading

FORMATS = ("table", "jsonl", "csv")


@app.command("changes")
@errors_to_exit
def changes_command(
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            help="Only events detected from then on: a date (2026-11-01) or a moment "
            "(2026-11-01T06:00:00+00:00).",
        ),
    ] = None,
    tenant: Annotated[
        list[str] | None,
        typer.Option(
            "--tenant", metavar="TENANT_ID", help="Only this tenant's events; repeatable."
        ),
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option("--type", metavar="TYPE", help="Only this event type; repeatable."),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="table, jsonl or csv.")
    ] = "table",
    config: ConfigOpt = None,
    destination: ReadDestinationOpt = None,
    duckdb_path: DuckdbPathOpt = None,
    schema: SchemaOpt = None,
    json_output: JsonOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Print the change feed: hires, leaves, transfers, ... one event per line."""
    from visma_hrm.warehouse.reading import open_for_reading

    set_verbosity(quiet, verbose)
    settings = read_settings(
        config, destination=destination, duckdb_path=duckdb_path, schema=schema, lang=lang
    )
    if json_output and output_format != "table":
        raise ConfigurationError("--json and --format exclude each other: choose one.")
    query = _Query(_since(since), tenant_filter(tenant), _types(kind or ()), output_format)
    with open_for_reading(settings) as reading:
        rows = read_changes(reading, query, settings.lang)
    if json_output:
        print(json.dumps({"count": len(rows), "events": rows}, indent=2, ensure_ascii=False))
        return
    write(rows, output_format, lang=settings.lang)
    if output_format == "table":
        say(text("changes.count", settings.lang, count=number(len(rows), settings.lang)))


class _Query:
    def __init__(
        self, since: dt.datetime | None, tenants: tuple[str, ...], types: tuple[str, ...], fmt: str
    ) -> None:
        if fmt not in FORMATS:
            raise ConfigurationError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}.")
        self.since, self.tenants, self.types = since, tenants, types


def _since(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ConfigurationError(
            f"--since {text!r} is not a date or time (2026-11-01 or 2026-11-01T06:00:00+00:00)."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _types(names: Sequence[str]) -> tuple[str, ...]:
    known = _event_types()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigurationError(
            f"Unknown event type(s) {', '.join(unknown)}; known: {', '.join(known)}."
        )
    return tuple(names)


def _event_types() -> tuple[str, ...]:
    from visma_hrm.sync.steps.changes import CONTRACT_EVENTS

    return ("hire", "rehire", "leave", *CONTRACT_EVENTS, "personal_data_change", "record_deleted")


def read_changes(reading: Reading, query: _Query, lang: str = "en") -> list[dict[str, Any]]:
    """The feed's rows, oldest detection first, filtered as asked."""
    from visma_hrm.analytics.models import quote
    from visma_hrm.sync.steps.changes import CHANGES_TABLE, FIELDS

    if not reading.has_table(CHANGES_TABLE):
        raise ConfigurationError(text("changes.none_yet", lang))
    conditions: list[str] = []
    params: list[Any] = []
    if query.since is not None:
        conditions.append("detected_at >= ?")
        params.append(query.since)
    for column, values in (("tenant_id", query.tenants), ("type", query.types)):
        if values:
            conditions.append(f"{column} IN ({', '.join(['?'] * len(values))})")
            params += list(values)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    columns = ", ".join(quote(c) for c in FIELDS)
    rows = reading.query(
        f"SELECT {columns} FROM {quote(reading.schema)}.{quote(CHANGES_TABLE)}{where} "
        "ORDER BY detected_at, tenant_id, effective_date, event_id",
        params,
    )
    return [_row(dict(zip(FIELDS, r, strict=True))) for r in rows]


def _row(raw: dict[str, Any]) -> dict[str, Any]:
    """One event as the contract has it: before/after objects, ISO dates, times in UTC."""
    out = dict(raw)
    out["before"] = json.loads(raw["before"]) if raw["before"] else {}
    out["after"] = json.loads(raw["after"]) if raw["after"] else {}
    for key in ("effective_date", "detected_at"):
        value = raw[key]
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        out[key] = value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
    return out


def show_latest(settings: Settings, since: str, console: Console, limit: int = 8) -> None:
    """A few events the sync started at ``since`` detected (the demo shows them)."""
    from visma_hrm.warehouse.reading import open_for_reading

    lang = settings.lang
    with open_for_reading(settings) as reading:
        rows = read_changes(reading, _Query(_since(since), (), (), "table"), lang)
    console.print(text("changes.demo_title", lang, count=number(len(rows), lang)))
    write(rows[:limit], "table", console, lang)
    console.print(text("changes.demo_all", lang, path=_shown_path(settings.duckdb_path)))


def _shown_path(path: Path) -> str:
    return str(path) if path.is_absolute() else str(path).replace("\\", "/")


def write(
    rows: list[dict[str, Any]],
    output_format: str,
    console: Console | None = None,
    lang: str = "en",
) -> None:
    if output_format == "jsonl":
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    if output_format == "csv":
        from visma_hrm.sync.steps.changes import FIELDS

        writer = csv.DictWriter(sys.stdout, fieldnames=list(FIELDS), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            flat = dict(row)
            flat["before"] = json.dumps(row["before"], ensure_ascii=False)
            flat["after"] = json.dumps(row["after"], ensure_ascii=False)
            writer.writerow(flat)
        return
    (console or stdout_console()).print(_table(rows, lang))


def _table(rows: list[dict[str, Any]], lang: str) -> Any:
    """The feed for people, narrow enough for a terminal: the day it was detected (the moment
    is in jsonl and csv), the tenant only when there are several, the employment as
    ``employeeid/contractid``; headers in ``lang``, decimals as the reader writes them, event
    types as ``--type`` names them."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    several = len({row["tenant_id"] for row in rows}) > 1
    names = ("detected", *(("tenant",) if several else ()), "type", "employee", "effective")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, collapse_padding=True, pad_edge=False)
    for name in names:
        table.add_column(text(f"changes.col.{name}", lang), no_wrap=True)
    table.add_column(text("changes.col.change", lang), overflow="fold", min_width=16)
    for row in rows:
        change = ", ".join(
            f"{k}: {_value(row['before'].get(k), lang)} -> {_value(v, lang)}"
            for k, v in row["after"].items()
        ) or (row["row_key"] or "")
        employment = "/".join(str(row[k]) for k in ("employeeid", "contractid") if row[k])
        cells = [str(row["detected_at"])[:10], *([str(row["tenant_id"])[:8]] if several else [])]
        cells += [row["type"], employment, row["effective_date"] or "", escape(change)]
        table.add_row(*cells)
    return table


_DECIMAL = re.compile(r"-?\d+\.\d+")


def _value(value: Any, lang: str) -> str:
    """A before/after value (stored as text): a decimal in the reader's notation (``0,8`` in
    Dutch), nothing as ``-``, anything else as stored (dates, ids, names)."""
    if value is None:
        return "-"
    shown = str(value)
    return number(shown, lang) if _DECIMAL.fullmatch(shown) else shown
