"""visma-hrm: Visma.net HRM & Payroll analytics exports into your warehouse, through dlt."""

import os

# No machine of ours reaches the internet, and HR pipelines should not phone home: dlt's
# anonymous telemetry is off unless the user turns it on explicitly.
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

__version__ = "0.1.0"

_SOURCE_FACE = ("visma_hrm_source", "finish", "apply_deletions", "Finished")
__all__ = ["__version__", *_SOURCE_FACE]


def __getattr__(name: str) -> object:
    """The dlt source's face on first use: importing the package (the CLI does, for
    ``--help``) must not import dlt."""
    if name in _SOURCE_FACE:
        from visma_hrm import dlt_source

        return getattr(dlt_source, name)
    raise AttributeError(name)
