#!/usr/bin/env bash
# The README's test command: installs the project with its test extras into .venv and runs the
# linters, the type checker and the whole test suite (PostgreSQL tests start their own server).
set -euo pipefail
cd "$(dirname "$0")/.."
export RUNTIME__DLTHUB_TELEMETRY=false
python3 -m venv .venv
# dagster: the orchestrator tests (tests/orchestrate). Airflow gets a virtual environment of its
# own: installed next to visma-hrm it silences `visma-hrm sync -v`'s log lines (see
# docs/scale.md), which the CLI tests read.
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,dagster]'
python3 -m venv .venv-airflow
.venv-airflow/bin/python -m pip install -q --disable-pip-version-check -e '.[test,airflow]'
# The PostgreSQL tests need the server binaries (the tests start and stop the server).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
    || echo "warning: could not install PostgreSQL; its tests will be skipped" >&2
fi
# The report's browser test renders it in Debian's headless chromium (skipped when absent).
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; the report's browser test will be skipped" >&2
fi
.venv/bin/ruff check src tests bench
.venv/bin/mypy
set +e
.venv/bin/python -m pytest --ignore=tests/orchestrate/test_airflow.py "$@"
rc=$?
if [ $# -eq 0 ]; then  # the whole suite: the Airflow DAG's test, in Airflow's environment
  .venv-airflow/bin/python -m pytest tests/orchestrate/test_airflow.py
  airflow_rc=$?
  [ $rc -eq 0 ] && rc=$airflow_rc
fi
set -e
# pytest exits 5 when no test was collected: that is a failure of this command, not a pass.
exit $rc
