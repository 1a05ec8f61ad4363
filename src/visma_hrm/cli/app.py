"""The root of the `visma-hrm` command line: ``--version``, ``-h`` everywhere, ``-q``/``-v``,
and the commands listed in the order a person uses them.

Each ``*_cmd`` module adds its commands to ``app``; ``visma_hrm.cli`` imports every one of them
by name, so a command module that fails to import stops the CLI loudly instead of vanishing.
This module imports only typer (and click, under it): ``visma-hrm --help`` must stay fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Annotated, Any

import typer
from typer._click import Context, echo  # Typer vendors click: its parser raises these
from typer._click import exceptions as parsing
from typer.core import TyperGroup

WORKFLOW_ORDER = (
    "init",
    "check",
    "datasets",
    "sync",
    "status",
    "tenants",
    "maintain",
    "changes",
    "analytics",
    "report",
    "model",
    "sandbox",
    "demo",
)
"""`visma-hrm -h` lists commands in this order: set up, check, look, load, operate, analyse,
show, try."""


class WorkflowGroup(TyperGroup):
    """Lists the commands in ``WORKFLOW_ORDER`` (any other after them, by name), and words
    click's own usage errors (an unknown option, a missing value, a bad number) in the one
    error shape of every command: ``error (configuration): ...``, exit code 2."""

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(WORKFLOW_ORDER)}
        return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: Context | None = None,
        **extra: Any,
    ) -> Context:
        lang = _lang_in(args)
        try:
            ctx = super().make_context(info_name, args, parent, **extra)
        except parsing.UsageError as exc:
            raise _in_our_shape(exc, lang) from None
        ctx.meta[_LANG] = lang
        return ctx

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except parsing.UsageError as exc:
            raise _in_our_shape(exc, ctx.meta.get(_LANG)) from None


_LANG = "visma_hrm.lang"


class UsageProblem(parsing.ClickException):
    """A command line click could not parse, shown as every other configuration error."""

    exit_code = 2

    def __init__(self, message: str, lang: str | None) -> None:
        super().__init__(message)
        self.lang = lang

    def show(self, file: IO[Any] | None = None) -> None:
        from visma_hrm.cli.common import error_line
        from visma_hrm.messages import normalize_lang

        line = error_line("configuration", self.message, normalize_lang(self.lang))
        echo(line, file=file, err=True)


def _in_our_shape(exc: parsing.UsageError, lang: str | None) -> parsing.ClickException:
    if isinstance(exc, parsing.NoArgsIsHelpError | UsageProblem):
        return exc
    where = exc.ctx.command_path if exc.ctx is not None else "visma-hrm"
    return UsageProblem(f"{exc.format_message()} (`{where} -h` lists the options.)", lang)


def _lang_in(args: Sequence[str]) -> str | None:
    """The ``--lang`` of a command line click could not parse, to word its error; else the
    environment's (``VISMA_HRM_LANG``), else English."""
    import os

    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
    return os.environ.get("VISMA_HRM_LANG")


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
