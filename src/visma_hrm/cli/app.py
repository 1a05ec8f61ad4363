"""The root of the `visma-hrm` command line: ``--version``, ``-h`` everywhere, ``-q``/``-v``,
and the commands listed in the order a person uses them.

Each ``*_cmd`` module adds its commands to ``app``; ``visma_hrm.cli`` imports every one of them
by name, so a command module that fails to import stops the CLI loudly instead of vanishing.
This module imports only typer: ``visma-hrm --help`` must stay fast.
"""

from __future__ import annotations

from typing import Annotated

import typer
from typer.core import TyperGroup

WORKFLOW_ORDER = (
    "init",
    "check",
    "datasets",
    "sync",
    "changes",
    "analytics",
    "report",
    "model",
    "sandbox",
    "demo",
)
"""`visma-hrm -h` lists commands in this order: set up, check, look, load, analyse, show, try."""


class WorkflowGroup(TyperGroup):
    """Lists the commands in ``WORKFLOW_ORDER`` (any other after them, by name)."""

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(WORKFLOW_ORDER)}
        return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))


app = typer.Typer(
    name="visma-hrm",
    cls=WorkflowGroup,
    help="Get Visma.net HRM & Payroll data into DuckDB or your warehouse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,  # plain help: no boxes in logs, no <bool>/<list[str]> metavars
)


def _version(value: bool) -> None:
    if value:
        from visma_hrm import __version__

        typer.echo(f"visma-hrm {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only errors, warnings and the result.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also every step, retry and progress tick.")
    ] = False,
) -> None:
    """Get Visma.net HRM & Payroll data into DuckDB or your warehouse."""
    from visma_hrm.cli.common import VERBOSITY, set_verbosity

    VERBOSITY.quiet = VERBOSITY.verbose = False  # a fresh start per invocation (tests reuse it)
    set_verbosity(quiet, verbose)
