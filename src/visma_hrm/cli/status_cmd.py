"""The ``status`` command: per tenant and dataset, how fresh it is and whether it fails.

Read from the run log in the warehouse (``visma_hrm.sync.status``), so it says the same
whichever machine or orchestrator ran the syncs. Made for monitoring as much as for people:
exit 0 when every tenant is fresh, 1 when one fails or is staler than ``--max-age`` (newest
load) or ``--max-full-age`` (newest full export), so cron, Nagios or a container's health
check use it as it is; ``--json`` for scripts; ``--notify-command`` runs a command of the
user's with the problems on its standard input (mail, a chat webhook with curl): no vendor
SDK here.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
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
    warn,
)
from visma_hrm.cli.read_options import SchemaOpt, read_settings, tenant_filter
from visma_hrm.config_values import coerce
from visma_hrm.messages import number, text

if TYPE_CHECKING:
    from visma_hrm.config import Settings
    from visma_hrm.sync.status import Freshness, PairStatus

EXIT_FRESH = 0
EXIT_PROBLEM = 1
NOTIFY_TIMEOUT_S = 60

FilesDestinationOpt = Annotated[
    str | None,
    typer.Option(
        "--destination",
        metavar="NAME",
        help="Where the synced tables are: duckdb, postgres or filesystem (Delta files; "
        "default: the destination setting, duckdb).",
    ),
]
MaxAgeOpt = Annotated[
    str | None,
    typer.Option(
        "--max-age",
        metavar="DURATION",
        help="Stale when the newest load is older (26h, 2d; default: the max_age setting).",
    ),
]
MaxFullAgeOpt = Annotated[
    str | None,
    typer.Option(
        "--max-full-age",
        metavar="DURATION",
        help="Stale when the newest full export is older (8d; default: max_full_age).",
    ),
]


@app.command("status")
@errors_to_exit
def status_command(
    max_age: MaxAgeOpt = None,
    max_full_age: MaxFullAgeOpt = None,
    tenant: Annotated[
        list[str] | None,
        typer.Option("--tenant", metavar="TENANT_ID", help="Only this tenant; repeatable."),
    ] = None,
    notify_command: Annotated[
        str | None,
        typer.Option(
            "--notify-command",
            metavar="COMMAND",
            help="When something is stale or failing, run COMMAND (in a shell) with the "
            "problems on its standard input.",
        ),
    ] = None,
    config: ConfigOpt = None,
    destination: FilesDestinationOpt = None,
    duckdb_path: DuckdbPathOpt = None,
    schema: SchemaOpt = None,
    json_output: JsonOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Show each tenant's freshness and failures; exit 1 when one is stale or failing."""
    set_verbosity(quiet, verbose)
    settings = read_settings(
        config, destination=destination, duckdb_path=duckdb_path, schema=schema, lang=lang
    )
    rule = freshness(settings, max_age, max_full_age)
    from visma_hrm.sync.status import judged_status

    overview = judged_status(settings, rule, tenant_filter(tenant))
    pairs, label = overview.pairs, overview.label
    now = dt.datetime.now(dt.UTC)
    troubled = [p for p in pairs if p.problems]
    if json_output:
        print(json.dumps(status_document(pairs, rule, now), indent=2, ensure_ascii=False))
    else:
        stdout_console().print(status_table(pairs, now, settings.lang))
        say(verdict(pairs, troubled, settings.lang))
    if troubled and notify_command:
        notify(notify_command, summary(troubled, label, now, settings.lang), settings.lang)
    raise typer.Exit(EXIT_PROBLEM if troubled else EXIT_FRESH)


def freshness(settings: Settings, max_age: str | None, max_full_age: str | None) -> Freshness:
    """The rule: the flags, else the settings (each value checked, naming where it came from)."""
    from visma_hrm.sync.status import Freshness

    return Freshness(
        coerce("max_age", max_age, "from --max-age") if max_age else settings.max_age,
        coerce("max_full_age", max_full_age, "from --max-full-age")
        if max_full_age
        else settings.max_full_age,
    )


def status_table(pairs: Sequence[PairStatus], now: dt.datetime, lang: str) -> Any:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from visma_hrm.sync.status import age

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, collapse_padding=True, pad_edge=False)
    for name in ("tenant", "dataset", "incremental", "full", "rows", "rejected", "state"):
        justify: Literal["right", "left"] = "right" if name in ("rows", "rejected") else "left"
        table.add_column(text(f"status.col.{name}", lang), no_wrap=True, justify=justify)
    for pair in pairs:
        table.add_row(
            pair.tenant_id,
            pair.dataset,
            age(now, pair.last_incremental, lang),
            age(now, pair.last_full, lang),
            number(pair.rows, lang) if pair.rows is not None else "-",
            number(pair.rows_rejected, lang),
            escape(state(pair, lang)),
        )
    return table


def state(pair: PairStatus, lang: str) -> str:
    """One word for the pair: ok, failing, stale, stale (full), never loaded, ..."""
    if pair.problems:
        return ", ".join(dict.fromkeys(text(f"status.state.{p.kind}", lang) for p in pair.problems))
    if pair.status == "skipped":
        return text("status.state.skipped", lang)
    if not pair.judged:
        return text("status.state.not_configured", lang)
    return text("status.state.ok" if pair.last_ok else "status.state.none", lang)


def verdict(pairs: Sequence[PairStatus], troubled: Sequence[PairStatus], lang: str) -> str:
    tenants = number(len({p.tenant_id for p in pairs}), lang)
    if not troubled:
        return text("status.fresh", lang, pairs=number(len(pairs), lang), tenants=tenants)
    return text("status.troubled", lang, problems=number(len(troubled), lang), tenants=tenants)


def summary(troubled: Sequence[PairStatus], label: str, now: dt.datetime, lang: str) -> str:
    """The problems as lines of text (``--notify-command``'s standard input)."""
    lines = [text("status.summary", lang, problems=number(len(troubled), lang), where=label)]
    for pair in troubled:
        for problem in pair.problems:
            lines.append(f"{pair.tenant_id} {pair.dataset}: {problem.in_lang(lang, now)}")
    return "\n".join(lines) + "\n"


def notify(command: str, message: str, lang: str) -> None:
    """Run the user's command with ``message`` on its standard input; a failure is a warning
    (the exit code already says something is wrong)."""
    try:
        done = subprocess.run(
            command, shell=True, input=message, text=True, timeout=NOTIFY_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        warn(text("status.notify_timeout", lang, seconds=NOTIFY_TIMEOUT_S), lang)
        return
    if done.returncode != 0:
        warn(text("status.notify_failed", lang, code=done.returncode), lang)


def status_document(
    pairs: Sequence[PairStatus], rule: Freshness, now: dt.datetime
) -> dict[str, Any]:
    """``--json``: every pair with its moments (ISO, UTC), ages in seconds and problems."""
    troubled = [p for p in pairs if p.problems]

    def when(value: dt.datetime | None) -> str | None:
        return value.astimezone(dt.UTC).isoformat() if value else None

    def seconds(value: dt.datetime | None) -> int | None:
        return int((now - value).total_seconds()) if value else None

    return {
        "ok": not troubled,
        "exit_code": EXIT_PROBLEM if troubled else EXIT_FRESH,
        "checked_at": now.isoformat(),
        "max_age_seconds": int(rule.max_age.total_seconds()) if rule.max_age else None,
        "max_full_age_seconds": (
            int(rule.max_full_age.total_seconds()) if rule.max_full_age else None
        ),
        "datasets": [
            {
                "tenant_id": p.tenant_id,
                "dataset": p.dataset,
                "last_incremental": when(p.last_incremental),
                "last_incremental_age_seconds": seconds(p.last_incremental),
                "last_full": when(p.last_full),
                "last_full_age_seconds": seconds(p.last_full),
                "failing_since": when(p.failing_since),
                "status": p.status,
                "error_code": p.error_code,
                "message": p.message,
                "rows": p.rows,
                "rows_rejected": p.rows_rejected,
                "judged": p.judged,
                "problems": [
                    {"kind": q.kind, "since": when(q.since), "text": q.in_lang("en", now)}
                    for q in p.problems
                ],
            }
            for p in pairs
        ],
    }
