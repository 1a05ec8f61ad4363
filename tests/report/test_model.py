"""The Power BI star model against the truth: facts add up to the reference figures, the
flattened hierarchy is the tree, every key joins (DuckDB here, PostgreSQL in test_postgres)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pytest

from tests.report.checks import Synced, assert_model
from visma_hrm.analytics.star import build_model
from visma_hrm.report.data import month_add

M = "visma_hrm_model"


@pytest.mark.slow
def test_star_model_on_duckdb(synced: Synced) -> None:
    start = month_add(synced.as_of.replace(day=1), -12)
    views = build_model(synced.path, as_of=synced.as_of, start=start)
    assert views[-2:] == ["fact_headcount_monthly", "fact_span_of_control_monthly"]
    with duckdb.connect(str(synced.path)) as db:

        def q(sql: str) -> list[tuple[Any, ...]]:
            return list(db.execute(sql).fetchall())

        assert_model(q, synced.truth, synced.as_of, 12)
        dates = q(f"SELECT min(date), max(date), count(*) FROM {M}.dim_date")
        assert dates[0][0] == start and dates[0][1] == dt.date(synced.as_of.year, 12, 31)
        assert dates[0][2] == (dates[0][1] - dates[0][0]).days + 1
