#!/usr/bin/env bash
# The README's first command: install visma-hrm into .venv and run the demo (a local sandbox,
# a full and an incremental sync into ./visma_hrm_demo.duckdb, and a summary).
set -euo pipefail
cd "$(dirname "$0")/.."
export RUNTIME__DLTHUB_TELEMETRY=false
python3 -m venv .venv
# The demo runs the local sandbox: its server dependencies come with the `sandbox` extra.
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[sandbox]'
exec .venv/bin/visma-hrm demo "$@"
