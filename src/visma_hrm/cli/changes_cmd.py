"""The ``changes`` command: print or write the change feed (table ``changes``) for scripts.

Its field names and formats are a contract (docs/changes.md): provisioning scripts read them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from visma_hrm.cli.app import app
from visma_hrm.cli.common import (
    ConfigOpt,
    DestinationOpt,
    DuckdbPathOpt,
    QuietOpt,
    SinceOpt,
    TenantOpt,
    VerboseOpt,
    errors_to_exit,
    set_verbosity,
)
from visma_hrm.config import load_settings
from visma_hrm.errors import ConfigurationError

if TYPE_CHECKING:  # rich's tables load when something is printed, not for --help
    from rich.console import Console

FORMATS = ("table", "jsonl", "csv")


@app.command("changes")
@errors_to_exit
def changes_command(
    since: SinceOpt = None,
    tenant: TenantOpt = None,
    kind: Annotated[
        list[str] | None,
        typer.Option("--type", metavar="TYPE", help="Only this event type; repeatable."),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="table, jsonl or csv.")
    ] = "table",
    config: ConfigOpt = None,
    destination: DestinationOpt = None,
    duckdb_path: DuckdbPathOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Print the change feed: hires, leaves, transfers, ... one event per line."""
    set_verbosity(quiet, verbose)
    query = _Query(_since(since), tuple(tenant or ()), _types(kind or ()), output_format)
    settings = load_settings(
        config, overrides={"destination": destination, "duckdb_path": duckdb_path}
    )
    rows = read_changes(settings, query)
    write(rows, output_format)


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


def read_changes(settings: Any, query: _Query) -> list[dict[str, Any]]:
    """The feed's rows, oldest detection first, filtered as asked."""
    from visma_hrm.load.dlt_internals import DatabaseUndefinedRelation
    from visma_hrm.sync.steps.changes import CHANGES_TABLE, FIELDS
    from visma_hrm.warehouse.base import Warehouse

    pipeline = Warehouse.of(settings).inspect()
    conditions: list[str] = []
    params: list[Any] = []
    if query.since is not None:
        conditions.append("detected_at >= %s")
        params.append(query.since)
    for column, values in (("tenant_id", query.tenants), ("type", query.types)):
        if values:
            conditions.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
            params += list(values)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    try:
        with pipeline.sql_client() as client:
            name = client.make_qualified_table_name(CHANGES_TABLE)
            columns = ", ".join(client.escape_column_name(c) for c in FIELDS)
            rows = client.execute_sql(
                f"SELECT {columns} FROM {name}{where} "
                "ORDER BY detected_at, tenant_id, effective_date, event_id",
                *params,
            )
    except DatabaseUndefinedRelation:
        raise ConfigurationError(
            "This destination has no change feed yet: set change_feed = true and run a sync."
        ) from None
    return [_row(dict(zip(FIELDS, r, strict=True))) for r in rows or []]


def _row(raw: dict[str, Any]) -> dict[str, Any]:
    out = dict(raw)
    out["before"] = json.loads(raw["before"]) if raw["before"] else {}
    out["after"] = json.loads(raw["after"]) if raw["after"] else {}
    for key in ("effective_date", "detected_at"):
        value = raw[key]
        out[key] = value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
    return out


def show_latest(settings: Any, since: str, console: Console, limit: int = 8) -> None:
    """A few events the sync started at ``since`` detected (the demo shows them)."""
    rows = read_changes(settings, _Query(_since(since), (), (), "table"))
    console.print(f"\n[bold]Change feed[/]: {len(rows)} new event(s)")
    write(rows[:limit], "table", console)
    console.print("  all of them: visma-hrm changes --duckdb-path <file> --format jsonl")


def write(rows: list[dict[str, Any]], output_format: str, console: Console | None = None) -> None:
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
    from rich.console import Console
    from rich.table import Table

    table = Table("detected", "tenant", "type", "employee", "contract", "effective", "change")
    for row in rows:
        change = ", ".join(
            f"{k}: {row['before'].get(k)} -> {v}" for k, v in row["after"].items()
        ) or (row["row_key"] or "")
        table.add_row(
            str(row["detected_at"])[:19],
            str(row["tenant_id"])[:8],
            row["type"],
            row["employeeid"] or "",
            row["contractid"] or "",
            row["effective_date"] or "",
            change,
        )
    (console or Console()).print(table)
