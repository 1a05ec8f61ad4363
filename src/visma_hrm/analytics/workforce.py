"""The HR numbers of a social report: length of service, age, gender, the flexible workforce
(fixed-term share), part-time bands and span of control, per tenant and unit and per month.

Each is counted on every month's reference date (``months``) from the versions counted there
(``valid_contract_versions``), so the numbers agree with headcount and FTE. The definitions and
their sources (CBS, AFAS, Nmbrs) are in ``docs/analytics.md``; the bands are declared here once
and read by the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from visma_hrm.analytics.staging import OPEN_END, Context


@dataclass(frozen=True)
class Band:
    """A band of whole numbers ``low``..``high`` (None: no upper end), or of fractions
    ``low`` <= x < ``high`` for the part-time factor."""

    low: float
    high: float | None
    label: str


SERVICE_BANDS = (
    Band(0, 0, "<1"),
    Band(1, 2, "1-2"),
    Band(3, 4, "3-4"),
    Band(5, 9, "5-9"),
    Band(10, 19, "10-19"),
    Band(20, None, "20+"),
)
"""Completed years of service on the reference date."""
AGE_BANDS = (
    Band(0, 24, "<25"),
    Band(25, 34, "25-34"),
    Band(35, 44, "35-44"),
    Band(45, 54, "45-54"),
    Band(55, 64, "55-64"),
    Band(65, None, "65+"),
)
"""Age reached in the year of the reference date (year minus birth year)."""
PART_TIME_BANDS = (
    Band(0, 0.5, "<50%"),
    Band(0.5, 0.8, "50-79%"),
    Band(0.8, 1.0, "80-99%"),
    Band(1.0, None, "100%+"),
)
"""The person's part-time factors summed (1 = full time): low <= factor < high."""
UNKNOWN = "unknown"
FIXED_TERM = "fixed term"
"""``contracttypeindication_en`` of a fixed-term (temporary, bepaalde tijd) contract."""
DAYS_PER_YEAR = "365.25"


def _cases(expr: str, bands: Sequence[Band], whole: bool, value: str) -> str:
    """CASE over ``bands`` giving each band's label (``value`` 'label') or position."""
    arms = []
    for n, band in enumerate(bands):
        shown = f"'{band.label}'" if value == "label" else str(n + 1)
        if whole:
            upper = f" AND {expr} <= {band.high:g}" if band.high is not None else ""
        else:
            upper = f" AND {expr} < {band.high:g}" if band.high is not None else ""
        arms.append(f"WHEN {expr} >= {band.low:g}{upper} THEN {shown}")
    missing = f"'{UNKNOWN}'" if value == "label" else str(len(bands) + 1)
    return f"CASE {' '.join(arms)} ELSE {missing} END"


def completed_years(later: str, earlier: str) -> str:
    """Whole years from ``earlier`` to ``later`` (an anniversary counts on its day)."""
    return (
        f"(CAST(extract(year FROM {later}) - extract(year FROM {earlier}) AS INTEGER) - "
        f"CASE WHEN extract(month FROM {later}) * 100 + extract(day FROM {later}) < "
        f"extract(month FROM {earlier}) * 100 + extract(day FROM {earlier}) THEN 1 ELSE 0 END)"
    )


def gender_sql(expr: str) -> str:
    """Visma's codes: M (man), V (vrouw), F read as female too; anything else unknown."""
    code = f"upper(trim({expr}))"
    return (
        f"CASE WHEN {code} = 'M' THEN 'male' WHEN {code} IN ('V', 'F') THEN 'female' "
        "ELSE 'unknown' END"
    )


def workforce_persons(ctx: Context) -> str:
    """Month x person x unit: what every HR number is counted from."""
    service = completed_years("w.reference_date", "w.service_start")
    age = "CAST(extract(year FROM w.reference_date) - extract(year FROM w.dateofbirth) AS INTEGER)"
    return f"""WITH v AS (
    SELECT v.month, v.reference_date, v.tenant_id, v.person_key, v.orgunitid, v.ptfactor,
           lower(coalesce(v.contract_type, '')) = '{FIXED_TERM}' AS fixed_term
    FROM {ctx.v("valid_contract_versions")} v
), person AS (
    SELECT month, tenant_id, person_key, sum(ptfactor) AS person_fte,
           bool_or(fixed_term) AS person_fixed_term
    FROM v GROUP BY month, tenant_id, person_key
), spell AS (
    SELECT d.month, d.tenant_id, d.person_key, max(s.start_date) AS service_start
    FROM (SELECT DISTINCT month, reference_date, tenant_id, person_key FROM v) d
    JOIN {ctx.v("employment_spells")} s
      ON s.tenant_id = d.tenant_id AND s.person_key = d.person_key
     AND s.start_date <= d.reference_date AND coalesce(s.end_date, {OPEN_END}) >= d.reference_date
    GROUP BY d.month, d.tenant_id, d.person_key
), w AS (
    SELECT v.month, v.reference_date, v.tenant_id, v.person_key, v.orgunitid,
           coalesce(sum(v.ptfactor), 0) AS fte, bool_or(v.fixed_term) AS is_fixed_term,
           coalesce(sum(CASE WHEN v.fixed_term THEN v.ptfactor END), 0) AS fixed_term_fte,
           pe.person_fte, pe.person_fixed_term, sp.service_start, p.gender, p.dateofbirth
    FROM v
    JOIN person pe ON pe.month = v.month AND pe.tenant_id = v.tenant_id
                  AND pe.person_key = v.person_key
    JOIN spell sp ON sp.month = v.month AND sp.tenant_id = v.tenant_id
                 AND sp.person_key = v.person_key
    LEFT JOIN {ctx.v("persons")} p ON p.tenant_id = v.tenant_id AND p.person_key = v.person_key
    GROUP BY v.month, v.reference_date, v.tenant_id, v.person_key, v.orgunitid, pe.person_fte,
             pe.person_fixed_term, sp.service_start, p.gender, p.dateofbirth
)
SELECT w.month, w.reference_date, w.tenant_id, w.person_key, w.orgunitid, w.fte,
       w.is_fixed_term, w.fixed_term_fte, w.person_fte, w.person_fixed_term,
       w.service_start, w.reference_date - w.service_start AS service_days,
       {service} AS service_years,
       {_cases(service, SERVICE_BANDS, True, "label")} AS service_band,
       {_cases(service, SERVICE_BANDS, True, "order")} AS service_band_order,
       CAST(extract(year FROM w.dateofbirth) AS INTEGER) AS birth_year, {age} AS age,
       {_cases(age, AGE_BANDS, True, "label")} AS age_band,
       {_cases(age, AGE_BANDS, True, "order")} AS age_band_order,
       {gender_sql("w.gender")} AS gender_group,
       {_cases("w.person_fte", PART_TIME_BANDS, False, "label")} AS part_time_band,
       {_cases("w.person_fte", PART_TIME_BANDS, False, "order")} AS part_time_band_order
FROM w"""


def _scoped(ctx: Context) -> str:
    """The person rows once per tenant (orgunitid NULL, the person's totals) and once per unit:
    a person in two units counts in each unit and once in the tenant."""
    person_columns = (
        "month, reference_date, tenant_id, person_key, service_days, service_band, "
        "service_band_order, age, age_band, age_band_order, gender_group, part_time_band, "
        "part_time_band_order, person_fte"
    )
    return f"""scoped AS (
    SELECT 'unit' AS scope, orgunitid, fte, is_fixed_term, fixed_term_fte, {person_columns}
    FROM {ctx.v("workforce_persons")}
    UNION ALL
    SELECT DISTINCT 'tenant', CAST(NULL AS TEXT), coalesce(person_fte, 0), person_fixed_term,
           sum(fixed_term_fte) OVER (PARTITION BY month, tenant_id, person_key),
           {person_columns}
    FROM {ctx.v("workforce_persons")}
)"""


def _share(part: str, whole: str) -> str:
    return (
        f"CASE WHEN {whole} > 0 THEN round(CAST({part} AS DECIMAL(18, 6)) * 100 / {whole}, 2) END"
    )


def workforce_monthly(ctx: Context) -> str:
    """Per month, tenant (``scope`` 'tenant', ``orgunitid`` NULL) and unit: headcount, FTE,
    the fixed-term shares, average service, age and part-time factor."""
    return f"""WITH {_scoped(ctx)}, agg AS (
    SELECT scope, month, reference_date, tenant_id, orgunitid,
           count(*) AS headcount, sum(fte) AS fte,
           sum(CASE WHEN is_fixed_term THEN 1 ELSE 0 END) AS fixed_term_headcount,
           sum(fixed_term_fte) AS fixed_term_fte,
           sum(service_days) AS service_days_total, avg(age) AS age_avg,
           sum(person_fte) AS person_fte_total
    FROM scoped GROUP BY scope, month, reference_date, tenant_id, orgunitid
)
SELECT scope, month, reference_date, tenant_id, orgunitid, headcount, fte,
       fixed_term_headcount, fixed_term_fte,
       {_share("fixed_term_headcount", "headcount")} AS fixed_term_headcount_pct,
       {_share("fixed_term_fte", "fte")} AS fixed_term_fte_pct,
       service_days_total,
       round(CAST(service_days_total AS DECIMAL(18, 6)) / headcount / {DAYS_PER_YEAR}, 2)
           AS service_years_avg,
       round(CAST(age_avg AS DECIMAL(18, 6)), 1) AS age_avg,
       round(CAST(person_fte_total AS DECIMAL(18, 6)) / headcount, 4) AS part_time_factor_avg
FROM agg"""


def workforce_bands_monthly(ctx: Context) -> str:
    """Per month, tenant or unit and dimension (service, age, gender, part-time, contract):
    the persons and FTE in each band. Contract: a person with any fixed-term contract counts
    as fixed-term, the FTE goes by each contract's own type."""
    keys = "scope, month, reference_date, tenant_id, orgunitid"

    def dimension(name: str, band: str, order: str) -> str:
        return (
            f"SELECT {keys}, '{name}' AS dimension, {band} AS band, {order} AS band_order, "
            f"count(*) AS headcount, sum(fte) AS fte FROM scoped GROUP BY {keys}, {band}, {order}"
        )

    gender_order = "CASE gender_group WHEN 'female' THEN 1 WHEN 'male' THEN 2 ELSE 3 END"
    contract = f"""SELECT {keys}, 'contract', k.band, k.band_order,
       sum(CASE WHEN is_fixed_term = (k.band = 'fixed_term') THEN 1 ELSE 0 END),
       sum(CASE WHEN k.band = 'fixed_term' THEN fixed_term_fte ELSE fte - fixed_term_fte END)
FROM scoped CROSS JOIN (SELECT 'permanent' AS band, 1 AS band_order
                        UNION ALL SELECT 'fixed_term', 2) k
GROUP BY {keys}, k.band, k.band_order"""
    parts = [
        dimension("service", "service_band", "service_band_order"),
        dimension("age", "age_band", "age_band_order"),
        dimension("gender", "gender_group", gender_order),
        dimension("part_time", "part_time_band", "part_time_band_order"),
        contract,
    ]
    union = "\nUNION ALL\n".join(parts)
    return f"WITH {_scoped(ctx)}\n{union}"
