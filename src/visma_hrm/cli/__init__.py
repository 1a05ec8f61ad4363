"""The `visma-hrm` command line. Each concern registers its commands from its own module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="visma-hrm",
    help="Get Visma.net HRM & Payroll data into DuckDB or your warehouse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _register() -> None:
    """Import the command modules; each adds its commands to ``app``."""
    import importlib

    modules = ("sandbox_cmd", "sync_cmd", "onboarding_cmd", "analytics_cmd", "report_cmd")
    for module in (*modules, "model_cmd", "changes_cmd"):
        try:
            importlib.import_module(f"visma_hrm.cli.{module}")
        except ModuleNotFoundError as exc:  # a module not written yet
            if exc.name != f"visma_hrm.cli.{module}":
                raise


def main() -> None:
    _register()
    app()
