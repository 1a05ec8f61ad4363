"""HR analytics on the loaded tables: persons, contract history, headcount, FTE, flows.

See ``docs/analytics.md`` for every view's definition.
"""

from visma_hrm.analytics.build import TenantSummary, build_analytics, summary

__all__ = ["TenantSummary", "build_analytics", "summary"]
