"""The HR numbers and the custom fields against the sandbox's truth, after a real sync over
HTTP into DuckDB, on two reference dates: the day the data covers and one months before it,
mid-month (a month measured to date).

Expectations come from ``tests/support/workforce_reference.py`` (plain Python over the
truth's CSV text); the checks are ``hr_checks`` (shared with PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.analytics import hr_checks
from tests.support import workforce_reference as wf
from tests.support.runs import run_sync
from tests.support.settings import clock_date, loaded_sandbox_settings, sandbox_settings
from visma_hrm.analytics import build_analytics
from visma_hrm.analytics.star import build_model
from visma_hrm.errors import ConfigurationError
from visma_hrm.redact import Secret
from visma_hrm.sandbox import SandboxConfig, start_sandbox

pytestmark = pytest.mark.slow  # a sync, then views built and read back for two dates

NOW, BEFORE = "hr_now", "hr_before"


@dataclass
class Loaded:
    path: Path
    dates: dict[str, dt.date]
    truth: dict[str, dict[str, list[dict[str, Any]]]]

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.path), read_only=True) as db:
            return list(db.execute(sql).fetchall())


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    tmp = tmp_path_factory.mktemp("hr")
    with start_sandbox(SandboxConfig(tenants=2, employees=90, seed=31)) as sb:
        settings = loaded_sandbox_settings(sb, tmp)
        run_sync(settings)
        as_of = clock_date(sb)
        truth = {t: {d: list(sb.truth(t, d)) for d in hr_checks.DATASETS} for t in sb.tenant_ids}
    earlier = (as_of.replace(day=1) - dt.timedelta(days=200)).replace(day=17)
    dates = {NOW: as_of, BEFORE: earlier}
    for schema, day in dates.items():
        build_analytics(settings.duckdb_path, target_schema=schema, as_of=day)
    yield Loaded(settings.duckdb_path, dates, truth)


@pytest.mark.parametrize("schema", [NOW, BEFORE])
def test_hr_numbers_equal_the_python_computation(loaded: Loaded, schema: str) -> None:
    exp = hr_checks.assert_workforce(loaded.query, schema, loaded.truth, loaded.dates[schema])
    # the data must exercise each number, or the comparison proves little
    month = loaded.dates[schema].replace(day=1)
    end = [c for (t, m, u), c in exp.cells.items() if m == month and u == wf.ALL]
    assert all(c.fixed_persons and len(c.fixed_persons) < len(c.persons) for c in end)
    for dimension, least in (("service", 4), ("age", 4), ("gender", 2), ("part_time", 3)):
        assert all(len({b for d, b in c.bands if d == dimension}) >= least for c in end), dimension
    assert max(n for (_t, m, _k), (n, _f) in exp.managers.items() if m == month) >= 3
    # (a person in two units at once, a manager of themselves: test_rules.py, made by hand)


@pytest.mark.parametrize("schema", [NOW, BEFORE])
def test_custom_field_views_hold_the_values_valid_on_the_day(loaded: Loaded, schema: str) -> None:
    hr_checks.assert_custom_fields(loaded.query, schema, loaded.truth, loaded.dates[schema])


def test_the_model_carries_the_chosen_custom_fields(loaded: Loaded) -> None:
    as_of = loaded.dates[NOW]
    build_model(loaded.path, as_of=as_of, model_schema="m_all")
    fields = [f for lv, f in hr_checks.KINDS if lv == "employee"]
    hr_checks.assert_person_fields(loaded.query, "m_all", loaded.truth, as_of, fields)
    build_model(loaded.path, as_of=as_of, model_schema="m_two", custom_fields=("locatie", "BHV"))
    person = {r[0] for r in loaded.query("DESCRIBE m_two.dim_person")}
    employment = {r[0] for r in loaded.query("DESCRIBE m_two.dim_employment")}
    assert {"locatie", "bhv"} <= person and "datum_vog" not in person
    assert not {"kostendrager", "einde_proeftijd"} & employment
    build_model(loaded.path, as_of=as_of, model_schema="m_none", custom_fields=())
    assert "locatie" not in {r[0] for r in loaded.query("DESCRIBE m_none.dim_person")}
    with pytest.raises(ConfigurationError, match=r"Locaties.*Custom fields in the data: BHV"):
        build_model(loaded.path, as_of=as_of, model_schema="m_bad", custom_fields=("Locaties",))


def test_age_bands_are_the_same_under_the_pseudonymize_profile(tmp_path: Path) -> None:
    """The profile keeps the birth year (1 January of it): the year rule loses nothing, so the
    bands and the average equal the reference computed from the clear birth dates."""
    with start_sandbox(SandboxConfig(tenants=1, employees=50, seed=8)) as sb:
        settings = sandbox_settings(
            sb, tmp_path, privacy_profile="pseudonymize", pseudonym_key=Secret("k" * 40)
        )
        run_sync(settings)
        as_of = clock_date(sb)
        truth = {t: {d: list(sb.truth(t, d)) for d in hr_checks.DATASETS} for t in sb.tenant_ids}
    build_analytics(settings.duckdb_path, as_of=as_of)
    loaded = Loaded(settings.duckdb_path, {}, truth)
    born = {r[0] for r in loaded.query("SELECT DISTINCT dateofbirth FROM visma_hrm.employees")}
    assert born and all((d.month, d.day) == (1, 1) for d in born)  # really pseudonymized
    exp = wf.workforce(truth, as_of)
    rows = loaded.query(
        "SELECT tenant_id, month, band, headcount FROM visma_hrm_analytics.workforce_bands_monthly "
        "WHERE scope = 'tenant' AND dimension = 'age'"
    )
    assert {(t, m, b): n for t, m, b, n in rows} == {
        (t, m, b): n
        for (t, m, u), cell in exp.cells.items()
        if u == wf.ALL
        for (d, b), (n, _f) in cell.bands.items()
        if d == "age"
    }
