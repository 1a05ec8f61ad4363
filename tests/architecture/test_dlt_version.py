"""The dlt version a sync checks at start-up: the pin, the constant and the warning agree."""

from __future__ import annotations

import tomllib
from pathlib import Path

from visma_hrm.load.dlt_internals import TESTED_DLT_VERSION, check_dlt_version

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_installed_dlt_is_the_tested_one_so_a_sync_warns_of_nothing() -> None:
    assert check_dlt_version() is None


def test_another_dlt_version_gets_one_warning_that_says_what_to_install() -> None:
    warning = check_dlt_version("1.99.0")
    assert warning is not None
    assert "dlt 1.99.0 is installed" in warning
    assert f"pip install 'dlt=={TESTED_DLT_VERSION}'" in warning


def test_every_dlt_pin_of_the_project_is_the_tested_version() -> None:
    """Upgrading dlt means checking ``dlt_internals`` and moving the constant with the pins."""
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    pins = [d for d in project["dependencies"] if d.startswith("dlt")]
    pins += [d for extra in project["optional-dependencies"].values() for d in extra]
    dlt_pins = [d for d in pins if d.startswith("dlt[") or d.startswith("dlt==")]
    assert dlt_pins, "no dlt pin found in pyproject.toml"
    assert all(d.endswith(f"=={TESTED_DLT_VERSION}") for d in dlt_pins), dlt_pins
