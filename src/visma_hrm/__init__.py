"""visma-hrm: Visma.net HRM & Payroll analytics exports into your warehouse, through dlt."""

import os

# No machine of ours reaches the internet, and HR pipelines should not phone home: dlt's
# anonymous telemetry is off unless the user turns it on explicitly.
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

__version__ = "0.1.0"

__all__ = ["__version__", "apply_deletions", "visma_hrm_source"]


def __getattr__(name: str) -> object:
    """``visma_hrm_source`` and ``apply_deletions`` on first use: importing the package (the
    CLI does, for ``--help``) must not import dlt."""
    if name in ("visma_hrm_source", "apply_deletions"):
        from visma_hrm import dlt_source

        return getattr(dlt_source, name)
    raise AttributeError(name)
