"""visma-hrm: Visma.net HRM & Payroll analytics exports into your warehouse, through dlt."""

import os

# No machine of ours reaches the internet, and HR pipelines should not phone home: dlt's
# anonymous telemetry is off unless the user turns it on explicitly.
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

__version__ = "0.1.0"
