"""The analytics views as SQL, in dependency order (see ``docs/analytics.md`` for definitions).

Every view is rendered for one source schema (where dlt loaded the tables) and one target
schema (where the views go), and reads the tables live: a sync needs no rebuild. Only the
as-of date and the spine start are baked in, as literals or as ``CURRENT_DATE``.

The SQL sticks to what DuckDB and PostgreSQL both understand (window functions, ``WITH
RECURSIVE``, ``string_agg ... ORDER BY``, ``date +/- integer``), so one text serves both.
"""

from __future__ import annotations

from visma_hrm.analytics.counts import (
    employment_spells,
    flows_monthly,
    headcount_monthly,
    headcount_monthly_rollup,
    headcount_monthly_total,
    managers,
    transfers,
    valid_on_reference_dates,
)
from visma_hrm.analytics.custom_fields import custom_field_values
from visma_hrm.analytics.feed import changes
from visma_hrm.analytics.people import (
    contract_periods,
    employee_persons,
    org_unit_history,
    org_units_current,
    persons,
)
from visma_hrm.analytics.span import span_of_control_monthly, span_of_control_units_monthly
from visma_hrm.analytics.staging import (
    STAGED_COLUMNS,
    Context,
    View,
    months,
    parameters,
    quote,
    staging,
)
from visma_hrm.analytics.workforce import (
    workforce_bands_monthly,
    workforce_monthly,
    workforce_persons,
)
from visma_hrm.catalog.custom_fields import VALUES_VIEW

__all__ = ["STAGED_COLUMNS", "VIEWS", "Context", "View", "quote"]

VIEWS: tuple[View, ...] = (
    *(View(f"stg_{t}", staging(t), f"Current (not deleted) rows of {t}.") for t in STAGED_COLUMNS),
    View("parameters", parameters, "The as-of date and the first month of the spine."),
    View("months", months, "Month spine: month, month_end, reference_date."),
    View("employee_persons", employee_persons, "employeeid -> person_key."),
    View("contract_periods", contract_periods, "One row per contract version."),
    View("persons", persons, "One row per person."),
    View("org_unit_history", org_unit_history, "Every version of every unit."),
    View("org_units_current", org_units_current, "Units valid on the as-of date, as a tree."),
    View("valid_contract_versions", valid_on_reference_dates, "Versions per reference date."),
    View("headcount_monthly", headcount_monthly, "Headcount and FTE per month and unit."),
    View(
        "headcount_monthly_rollup",
        headcount_monthly_rollup,
        "Headcount and FTE per month and unit, sub-units included.",
    ),
    View("headcount_monthly_total", headcount_monthly_total, "Headcount and FTE per month."),
    View("employment_spells", employment_spells, "Uninterrupted employment per person."),
    View("transfers", transfers, "Org unit changes between consecutive versions."),
    View("flows_monthly", flows_monthly, "Inflow, rehires, outflow, transfers per month."),
    View("managers", managers, "Unit and contract -> manager person."),
    View("changes", changes, "The change feed's events with the person's name and unit."),
    View("workforce_persons", workforce_persons, "Month x person x unit: service, age, bands."),
    View("workforce_monthly", workforce_monthly, "Fixed-term shares, service, age per month."),
    View("workforce_bands_monthly", workforce_bands_monthly, "Persons and FTE per band."),
    View("span_of_control_monthly", span_of_control_monthly, "Direct reports per manager."),
    View(
        "span_of_control_units_monthly",
        span_of_control_units_monthly,
        "Managers, their reports and persons per manager per unit.",
    ),
    View(VALUES_VIEW, custom_field_values, "Custom field history rows with the value shown."),
)
