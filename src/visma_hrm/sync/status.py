"""Where every tenant and dataset stands, read from the run log, and the freshness rule.

``visma-hrm status``, ``visma-hrm tenants list`` and Dagster's freshness checks read the same
thing and judge it by the same rule, so a tenant is stale or failing in the same words
wherever someone looks:

* **failing**: the newest run of the tenant's dataset failed; since when is the first failure
  after its last success, with the newest message;
* **stale**: its newest successful load (full or incremental) started longer than
  ``max_age`` ago, or it never loaded;
* **stale (full)**: its newest successful *full* load started longer than ``max_full_age``
  ago (rows deleted at the source are only seen in a full export).

Without ``max_age`` and ``max_full_age`` only failures are problems. Tenants that the
configuration names are judged; with none configured (tenants listed elsewhere, as an Airflow
Variable), every tenant the run log knows. Datasets a tenant never approved are not judged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from visma_hrm.catalog import DATASETS, DELETED_COLUMN, TENANT_COLUMN
from visma_hrm.config import Settings
from visma_hrm.messages import number, text
from visma_hrm.warehouse.reading import Reading, open_for_reading
from visma_hrm.warehouse.runs import RUN_DATASETS_TABLE, skipped_sql, summary_sql

ALL_DATASETS = "*"
"""The dataset of a configured tenant the run log knows nothing of (never loaded)."""
ProblemKind = Literal["failing", "stale", "stale_full", "never"]


@dataclass(frozen=True)
class Freshness:
    """How old a tenant's newest loads may be before it counts as stale (None: not judged)."""

    max_age: dt.timedelta | None = None
    max_full_age: dt.timedelta | None = None


@dataclass(frozen=True)
class Problem:
    """Why a tenant's dataset needs someone's eye."""

    kind: ProblemKind
    since: dt.datetime | None = None
    limit: dt.timedelta | None = None
    message: str | None = None

    def in_lang(self, lang: str, now: dt.datetime) -> str:
        if self.kind == "failing":
            return text(
                "status.problem.failing",
                lang,
                since=moment(self.since, lang),
                age=age(now, self.since, lang),
                message=self.message or "-",
            )
        if self.kind == "never":
            return text("status.problem.never", lang)
        limit = span(self.limit, lang) if self.limit else "-"
        if self.since is None:  # loaded, but never in full
            return text("status.problem.no_full", lang, limit=limit)
        return text(
            f"status.problem.{self.kind}", lang, age=age(now, self.since, lang), limit=limit
        )


@dataclass(frozen=True)
class PairStatus:
    """One tenant and dataset: its newest loads, whether it fails, what it holds."""

    tenant_id: str
    dataset: str
    last_incremental: dt.datetime | None = None
    last_full: dt.datetime | None = None
    failing_since: dt.datetime | None = None
    status: str = "none"
    """The newest run's status: ok, failed, skipped (never approved), none (never ran)."""
    error_code: str | None = None
    message: str | None = None
    rows_rejected: int = 0
    rows: int | None = None
    """Rows of the dataset the warehouse holds for the tenant, not marked deleted."""
    judged: bool = True
    problems: tuple[Problem, ...] = field(default=())

    @property
    def last_ok(self) -> dt.datetime | None:
        known = [m for m in (self.last_incremental, self.last_full) if m is not None]
        return max(known, default=None)


def judge(pair: PairStatus, rule: Freshness, now: dt.datetime) -> PairStatus:
    """The pair with its problems by ``rule`` at ``now`` (none for a pair not judged)."""
    if not pair.judged or pair.status == "skipped":
        return replace(pair, problems=())
    problems: list[Problem] = []
    if pair.status == "failed":
        problems.append(Problem("failing", pair.failing_since, message=pair.message))
    if pair.last_ok is None and not problems and (rule.max_age or rule.max_full_age):
        problems.append(Problem("never"))
    if rule.max_age and pair.last_ok is not None and now - pair.last_ok > rule.max_age:
        problems.append(Problem("stale", pair.last_ok, rule.max_age))
    full_age = now - pair.last_full if pair.last_full else None
    if rule.max_full_age and pair.last_ok and (full_age is None or full_age > rule.max_full_age):
        problems.append(Problem("stale_full", pair.last_full, rule.max_full_age))
    return replace(pair, problems=tuple(problems))


# ------------------------------------------------------------------------------ reading
@dataclass(frozen=True)
class Overview:
    """What ``status`` and ``tenants list`` show, read in one go."""

    pairs: list[PairStatus]
    """Every tenant and dataset, judged."""
    label: str
    """Where they were read, for people."""
    held: dict[str, dict[str, int]] = field(default_factory=dict)
    """With ``held_too``: per tenant, its rows in every table (``held_rows``)."""


def judged_status(
    settings: Settings, rule: Freshness, only: Sequence[str] = (), *, held_too: bool = False
) -> Overview:
    """Every tenant and dataset of the warehouse the settings name, judged by ``rule`` now
    (``only``: just these tenants)."""
    with open_for_reading(settings, files=True) as reading:
        pairs = read_status(reading, settings.tenants, settings.datasets, only=only)
        held = held_rows(reading) if held_too else {}
        label = reading.label
    now = dt.datetime.now(dt.UTC)
    return Overview([judge(p, rule, now) for p in pairs], label, held)


def read_status(
    reading: Reading,
    configured: Sequence[str] = (),
    datasets: Sequence[str] = (),
    *,
    only: Sequence[str] = (),
) -> list[PairStatus]:
    """Every tenant and dataset the run log knows, and every configured tenant (with the
    configured ``datasets``, when named) it does not; ``only``: just these tenants."""
    found = {(p.tenant_id, p.dataset): p for p in _from_log(reading)}
    expected = [(t, d) for t in configured for d in datasets]
    for pair in expected:
        found.setdefault(pair, PairStatus(*pair))
    for tenant in configured:
        if not any(t == tenant for t, _ in found):
            found[(tenant, ALL_DATASETS)] = PairStatus(tenant, ALL_DATASETS)
    held = current_rows(reading)
    judged = set(configured) if configured else {t for t, _ in found}
    pairs = [
        replace(p, rows=held.get((p.tenant_id, p.dataset)), judged=p.tenant_id in judged)
        for p in found.values()
        if not only or p.tenant_id in only
    ]
    return sorted(pairs, key=lambda p: (p.tenant_id, p.dataset))


def _from_log(reading: Reading) -> Iterable[PairStatus]:
    if not reading.has_table(RUN_DATASETS_TABLE):
        return []
    table = qualified(reading, RUN_DATASETS_TABLE)
    pairs = [
        PairStatus(
            tenant_id=str(tenant),
            dataset=str(dataset),
            last_incremental=_aware(incremental),
            last_full=_aware(full),
            failing_since=_aware(failing),
            status=str(status),
            error_code=code,
            message=message,
            rows_rejected=int(rejected or 0),
        )
        for tenant, dataset, incremental, full, failing, status, code, message, rejected in (
            reading.query(summary_sql(table))
        )
    ]
    skipped = [
        PairStatus(str(t), str(d), status="skipped") for t, d in reading.query(skipped_sql(table))
    ]
    return [*pairs, *skipped]


def current_rows(reading: Reading) -> dict[tuple[str, str], int]:
    """Rows not marked deleted, per (tenant, dataset), in every dataset table there is."""
    counts: dict[tuple[str, str], int] = {}
    for name, dataset in DATASETS.items():
        if not reading.has_table(dataset.table):
            continue
        rows = reading.query(
            f'SELECT "{TENANT_COLUMN}", count(*) FROM {qualified(reading, dataset.table)} '
            f'WHERE NOT coalesce("{DELETED_COLUMN}", false) GROUP BY 1'
        )
        counts.update({(str(tenant), name): int(n) for tenant, n in rows})
    return counts


def held_rows(reading: Reading) -> dict[str, dict[str, int]]:
    """Per tenant, its rows in every table of the dataset's schema that has a tenant column
    (datasets, history, feed, positions, run log, rejected rows, ...): what forgetting it
    deletes."""
    tables = reading.query(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = ? "
        "AND column_name = ? ORDER BY 1",
        [reading.schema, TENANT_COLUMN],
    )
    held: dict[str, dict[str, int]] = {}
    for (table,) in tables:
        rows = reading.query(
            f'SELECT "{TENANT_COLUMN}", count(*) FROM {qualified(reading, str(table))} GROUP BY 1'
        )
        for tenant, n in rows:
            held.setdefault(str(tenant), {})[str(table)] = int(n)
    return held


def qualified(reading: Reading, table: str) -> str:
    return f'"{reading.schema}"."{table}"'


def _aware(value: object) -> dt.datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# ------------------------------------------------------------------------------ words
def moment(value: dt.datetime | None, lang: str) -> str:
    """A moment as people read it, in UTC (``2026-12-01 03:12 UTC``)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def age(now: dt.datetime, then: dt.datetime | None, lang: str) -> str:
    """How long ago, in the largest unit that keeps it readable (``3 d 4 h``, ``26 h``)."""
    return span(now - then, lang) if then is not None else text("status.never", lang)


def span(delta: dt.timedelta, lang: str) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days >= 2:
        return text("status.span.days", lang, days=number(days, lang), hours=hours)
    if seconds >= 3600:
        return text("status.span.hours", lang, hours=number(seconds // 3600, lang))
    return text("status.span.minutes", lang, minutes=minutes)
