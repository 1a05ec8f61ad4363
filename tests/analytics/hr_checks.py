"""What the HR-number and custom-field tests check, shared by DuckDB and PostgreSQL: the views
read back through a query function against ``tests.support.workforce_reference``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from tests.support import hr_reference as ref
from tests.support import workforce_reference as wf

Query = Callable[[str], list[tuple[Any, ...]]]
Truth = Mapping[str, Mapping[str, Sequence[Mapping[str, Any]]]]
DATASETS = (
    "employees",
    "contracts",
    "users",
    "organization_units",
    "employee_udf_histories",
    "contract_udf_histories",
)
KINDS = {
    ("employee", "Locatie"): "text",  # a list: the entry's name
    ("employee", "Datum VOG"): "date",  # YYYY-MM-DD
    ("employee", "Reisafstand (km)"): "number",
    ("employee", "Vertrouwenspersoon"): "boolean",  # Ja / Nee
    ("employee", "Opleidingsniveau"): "text",
    ("employee", "Leaseauto"): "boolean",  # True / False
    ("employee", "Thuiswerkdagen"): "number",
    ("employee", "BHV"): "boolean",
    ("contract", "Kostendrager"): "text",
    ("contract", "Einde proeftijd"): "date",  # DD-MM-YYYY
    ("contract", "Opleidingsbudget"): "number",
    ("contract", "Thuiswerkakkoord"): "boolean",
    ("contract", "Thuiswerkvergoeding"): "number",
    ("contract", "Reiskostenregeling"): "text",
}
"""Each sandbox field's type, by what its values are (not by the rule's code)."""
COLUMNS = {"Reisafstand (km)": "reisafstand_km", "Datum VOG": "datum_vog", "BHV": "bhv"}


def _close(got: Any, want: Decimal | None, places: int) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return abs(Decimal(str(got)) - want) <= Decimal(1).scaleb(-places) / 2 + Decimal("1e-9")


def assert_workforce(q: Query, s: str, truth: Truth, as_of: dt.date) -> wf.Expected:
    """``workforce_monthly``, ``workforce_bands_monthly`` and the span-of-control views equal
    the reference on every month's reference date."""
    exp = wf.workforce(truth, as_of)
    rows = q(
        f"SELECT tenant_id, month, scope, orgunitid, headcount, fte, fixed_term_headcount, "
        f"fixed_term_fte, service_days_total, fixed_term_headcount_pct, fixed_term_fte_pct, "
        f"service_years_avg, age_avg FROM {s}.workforce_monthly"
    )
    got = {}
    for t, month, scope, unit, hc, fte, fhc, ffte, days, hpct, fpct, years, age in rows:
        key = (t, month, wf.ALL if scope == "tenant" else unit)
        got[key] = (int(hc), Decimal(fte), int(fhc), Decimal(ffte), int(days))
        cell = exp.cells[key]
        assert _close(hpct, Decimal(len(cell.fixed_persons) * 100) / len(cell.persons), 2), key
        assert _close(fpct, cell.fixed_fte * 100 / cell.fte if cell.fte else None, 2), key
        assert _close(years, Decimal(cell.service_days) / len(cell.persons) / Decimal("365.25"), 2)
        mean = Decimal(sum(cell.ages)) / len(cell.ages) if cell.ages else None
        assert _close(age, mean, 1), key
    want = {
        k: (len(c.persons), c.fte, len(c.fixed_persons), c.fixed_fte, c.service_days)
        for k, c in exp.cells.items()
    }
    assert got == want
    bands = q(
        f"SELECT tenant_id, month, scope, orgunitid, dimension, band, headcount, fte "
        f"FROM {s}.workforce_bands_monthly"
    )
    assert {
        (t, m, wf.ALL if sc == "tenant" else u, d, b): (int(n), Decimal(f))
        for t, m, sc, u, d, b, n, f in bands
    } == {
        (*key, d, b): (int(str(n)), Decimal(str(f)))
        for key, c in exp.cells.items()
        for (d, b), (n, f) in c.bands.items()
    }
    managers = q(
        f"SELECT tenant_id, month, manager_key, direct_reports, reports_fte "
        f"FROM {s}.span_of_control_monthly"
    )
    assert {(t, m, k): (int(n), Decimal(f)) for t, m, k, n, f in managers} == exp.managers
    units = q(
        f"SELECT tenant_id, month, scope, orgunitid, managers, direct_reports, span_avg "
        f"FROM {s}.span_of_control_units_monthly"
    )
    got_units = {}
    for t, m, sc, u, managers_n, reports, span in units:
        got_units[(t, m, wf.ALL if sc == "tenant" else u)] = (int(managers_n), int(reports))
        assert _close(span, Decimal(int(reports)) / int(managers_n), 2)
    assert got_units == exp.unit_spans
    return exp


def _typed(text: str | None, level: str, field: str) -> Any:
    return wf.typed(text, KINDS[(level, field)])


def assert_custom_fields(q: Query, s: str, truth: Truth, day: dt.date) -> None:
    """The column map names and types every field as expected, and each view holds, per
    employee and per contract, every field's value valid on ``day``."""
    mapping = {(lv, f): (c, t) for lv, f, c, t in q(f"SELECT * FROM {s}.custom_field_columns")}
    assert {k: t for k, (_c, t) in mapping.items()} == KINDS
    assert {f: c for (_lv, f), (c, _t) in mapping.items() if f in COLUMNS} == COLUMNS
    for level, view, keys in (
        ("employee", "employee_custom_fields", ("employeeid",)),
        ("contract", "contract_custom_fields", ("employeeid", "contractid")),
    ):
        fields = sorted(f for lv, f in mapping if lv == level)
        columns = ", ".join(f'"{mapping[(level, f)][0]}"' for f in fields)
        rows = q(f"SELECT tenant_id, {', '.join(keys)}, {columns} FROM {s}.{view}")
        got = {
            tuple(str(x) for x in r[: 1 + len(keys)]): dict(
                zip(fields, r[1 + len(keys) :], strict=True)
            )
            for r in rows
        }
        want = {}
        for tenant, data in truth.items():
            owners = data["employees"] if level == "employee" else data["contracts"]
            everyone = {tuple(str(r[k]) for k in keys) for r in [*owners, *data["contracts"]]}
            valid = wf.valid_values(
                data[f"{level}_udf_histories"], day, lambda r, k=keys: tuple(str(r[x]) for x in k)
            )
            for key in everyone:
                values = valid.get(key, {})
                want[(tenant, *key)] = {f: _typed(values.get(f), level, f) for f in fields}
        assert got == want, view
        for f in fields:  # every field, of every kind, holds values on this day
            assert any(v[f] is not None for v in got.values()), (view, f)


def assert_person_fields(
    q: Query, m: str, truth: Truth, day: dt.date, fields: Sequence[str]
) -> None:
    """The star model's person dimension carries the chosen employee fields: per person, the
    value valid on ``day`` from any of the person's employee records."""
    columns = ", ".join(f'"{wf_column(f)}"' for f in fields)
    rows = q(f"SELECT tenant_id, person_key, {columns} FROM {m}.dim_person")
    got = {(str(r[0]), str(r[1])): dict(zip(fields, r[2:], strict=True)) for r in rows}
    want = {}
    for tenant, data in truth.items():
        keys = ref.person_keys(data["employees"], data["contracts"])
        valid = wf.valid_values(
            data["employee_udf_histories"], day, lambda r, k=keys: (k[str(r["employeeid"])],)
        )
        for person in set(keys.values()):
            values = valid.get((person,), {})
            want[(tenant, person)] = {f: _typed(values.get(f), "employee", f) for f in fields}
    assert got == want


def wf_column(field: str) -> str:
    return COLUMNS.get(field, field.lower())
