"""What the commands that read the warehouse share: changes, analytics, report and model.

One vocabulary, as ``sync`` has it: ``--config``, ``--destination``, ``--duckdb-path``,
``--schema``, ``--tenant``, ``--lang``, ``--json``, ``-q`` and ``-v`` (the shared ones from
``visma_hrm.cli.common``), and for the commands that count, ``--as-of``, ``--months`` and
``--analytics-schema`` with one default each. Their settings load as the sync's do (flags >
environment > file, every value checked first), and the date they count on without ``--as-of``
is the one reference date (``visma_hrm.analytics.as_of``), said the same way by each.

Imported for ``--help``: nothing heavy at module level.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from visma_hrm.cli.common import check_lang, parse_date, say
from visma_hrm.config import Settings, load_settings
from visma_hrm.config_values import check_tenant_ids
from visma_hrm.errors import ConfigurationError
from visma_hrm.messages import text

if TYPE_CHECKING:
    from visma_hrm.warehouse.reading import Reading

DEFAULT_ANALYTICS_SCHEMA = "visma_hrm_analytics"
"""``visma_hrm.analytics.build.DEFAULT_TARGET_SCHEMA``, spelled here so ``--help`` needs no
analytics import (a test keeps the two equal)."""
DEFAULT_MONTHS = 12
"""Months shown by ``analytics`` and ``report``: a year, as HR reports count turnover."""

ReadDestinationOpt = Annotated[
    str | None,
    typer.Option(
        "--destination",
        metavar="NAME",
        help="Where the synced tables are: duckdb or postgres (default: the destination "
        "setting, duckdb).",
    ),
]
SchemaOpt = Annotated[
    str | None,
    typer.Option(
        "--schema",
        metavar="SCHEMA",
        help="Schema of the synced tables (default: the dataset_name setting, visma_hrm).",
    ),
]
AnalyticsSchemaOpt = Annotated[
    str,
    typer.Option(
        "--analytics-schema",
        metavar="SCHEMA",
        help="Schema for the analytics views (default visma_hrm_analytics).",
        show_default=False,
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="DATE",
        help="Reference date YYYY-MM-DD, or 'today' to follow the calendar (default: the last "
        "date the data covers, from its newest export).",
    ),
]
MonthsOpt = Annotated[
    int,
    typer.Option(
        "--months", min=1, metavar="N", help="Months shown, counting back from the as-of date."
    ),
]


def read_settings(
    config: Path | None,
    *,
    destination: str | None,
    duckdb_path: Path | None,
    schema: str | None,
    lang: str | None,
) -> Settings:
    """The settings of a command that reads the warehouse: flags over the environment over the
    config file, every value checked before anything is opened; ``settings.lang`` is the
    language to speak."""
    check_lang(lang)
    overrides = {
        "destination": destination,
        "duckdb_path": duckdb_path,
        "dataset_name": schema,
        "lang": lang,
    }
    return load_settings(config, overrides=overrides)


def tenant_filter(tenants: list[str] | None) -> tuple[str, ...]:
    """``--tenant`` values, each a UUID (refused before anything is opened otherwise)."""
    return check_tenant_ids(tenants or (), "--tenant")


def chosen_tenants(wanted: tuple[str, ...], found: list[str]) -> list[str]:
    """The tenants to show: those asked for (each must be in the data), else every one found."""
    unknown = [t for t in wanted if t not in found]
    if unknown:
        raise ConfigurationError(
            f"No contracts for tenant(s) {', '.join(unknown)} in the database; "
            f"tenants found: {', '.join(found) or 'none'}."
        )
    return list(wanted) or found


def as_of_date(reading: Reading, flag: str | None, lang: str) -> dt.date | None:
    """The date to count on: ``--as-of`` (``today``: None, views that follow the calendar), or
    without it the one reference date, which is said on stderr (``-q`` leaves it out)."""
    if flag is None:
        from visma_hrm.analytics.as_of import data_as_of

        day = data_as_of(reading.connection, reading.schema)
        say(text("analytics.as_of", lang, date=day.isoformat()))
        return day
    if flag.strip().lower() == "today":
        return None
    return parse_date("--as-of", flag)
