"""What every command shares: one option vocabulary, one error style, one output verbosity.

A flag means the same everywhere (same name, help text and metavar), so the option types are
declared once here and every command uses them. Expected errors are printed in one shape,
``error (<code>): <root cause and what to do>`` on stderr (``fout (...)`` in Dutch), with the
same exit codes everywhere: 2 for an unusable command line or configuration, 1 for anything
else that stopped the command, 130 for Ctrl-C. Every command is wrapped in ``errors_to_exit``,
the one place that turns an expected error into that line and exit code. ``--quiet``/``--verbose``
work before the command (``visma-hrm -q sync``) and after it (``visma-hrm sync -q``).

This module is imported by every command module, hence by ``visma-hrm --help``: it imports no
heavy library (duckdb, rich's tables, dlt) at module level.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec

import typer

from visma_hrm.config import Settings, close_match, load_settings
from visma_hrm.errors import (
    ConcurrentRunError,
    ConfigurationError,
    Interrupted,
    VismaHrmError,
    root_cause_first,
)
from visma_hrm.messages import CATALOG, env_lang, is_known_lang, normalize_lang, text
from visma_hrm.redact import redact_text

if TYPE_CHECKING:
    from rich.console import Console

P = ParamSpec("P")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_PROBLEM = EXIT_FAILED
"""``check``/``init``/``datasets``: a problem was diagnosed (or ``init`` wrote nothing)."""
EXIT_USAGE = 2
EXIT_BUSY = 75
"""Another sync writes the same data right now (EX_TEMPFAIL: try again later)."""
EXIT_CLOSED_PIPE = 141
"""128 + SIGPIPE: the reader of stdout went away (``| head``); nothing is wrong."""
EXIT_INTERRUPTED = 130
"""128 + the signal's number, as shells report it: 130 for SIGINT, 143 for SIGTERM."""

# ----------------------------------------------------------------------------- the vocabulary
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", metavar="FILE", help="Config file (default ./visma-hrm.toml)."),
]
ApiUrlOpt = Annotated[
    str | None, typer.Option("--api-url", metavar="URL", help="Analytics API base URL.")
]
TokenUrlOpt = Annotated[
    str | None, typer.Option("--token-url", metavar="URL", help="Visma Connect token URL.")
]
ClientIdOpt = Annotated[
    str | None,
    typer.Option("--client-id", metavar="ID", help="Client id (isv_..., Details tab)."),
]
TenantOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--tenant", metavar="TENANT_ID", help="Tenant id (Integrations > Customers); repeatable."
    ),
]
DatasetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--dataset", metavar="DATASET", help="Only this dataset (`visma-hrm datasets`); repeatable."
    ),
]
FieldsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--fields",
        metavar="DATASET=SPEC",
        help="Columns asked of the API: DATASET=a,b (only these) or DATASET='!a,b' (all but); "
        "repeatable.",
    ),
]
PrivacyOpt = Annotated[
    str | None,
    typer.Option(
        "--privacy-profile",
        metavar="PROFILE",
        help="'contact': private contact and address columns never leave Visma; "
        "'pseudonymize': keyed pseudonyms for direct identifiers (both: 'contact,pseudonymize').",
    ),
]
DestinationOpt = Annotated[
    str | None,
    typer.Option("--destination", metavar="NAME", help="dlt destination (default duckdb)."),
]
DuckdbPathOpt = Annotated[
    Path | None,
    typer.Option(
        "--duckdb-path",
        metavar="FILE",
        help="DuckDB file of the warehouse (default: the duckdb_path setting, ./visma-hrm.duckdb).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
LangOpt = Annotated[
    str | None, typer.Option("--lang", metavar="LANG", help="Language of messages: en or nl.")
]
EmployeesOpt = Annotated[
    int,
    typer.Option("--employees", min=1, metavar="N", help="Persons per tenant at the start."),
]
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Do not ask: replace existing files, even ones visma-hrm did not make (init: "
        "also when the check fails).",
    ),
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="Only errors, warnings and the result.")
]
VerboseOpt = Annotated[
    bool, typer.Option("--verbose", "-v", help="Also every step, retry and progress tick.")
]


# ----------------------------------------------------------------------------- verbosity
@dataclass
class Verbosity:
    """Set by the root options and by each command's own ``-q``/``-v``; either may turn it on."""

    quiet: bool = False
    verbose: bool = False


VERBOSITY = Verbosity()


def set_verbosity(quiet: bool = False, verbose: bool = False) -> Verbosity:
    """Merge a command's ``-q``/``-v`` into the root's; ``--verbose`` turns on debug logging."""
    VERBOSITY.quiet = VERBOSITY.quiet or quiet
    VERBOSITY.verbose = VERBOSITY.verbose or verbose
    if VERBOSITY.quiet and VERBOSITY.verbose:
        fail("configuration", "--quiet and --verbose exclude each other.", EXIT_USAGE)
    if VERBOSITY.verbose:
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
        logging.getLogger("visma_hrm").setLevel(logging.INFO)
    return VERBOSITY


def say(message: str) -> None:
    """An informational line on stderr (already in the user's language), left out by ``-q``."""
    if not VERBOSITY.quiet:
        typer.echo(message, err=True)


def stdout_console() -> Console:
    """stdout; off a terminal as wide as ``COLUMNS`` says, else wide enough for the tables."""
    console = console_class()()
    if console.is_terminal:
        return console
    columns = os.environ.get("COLUMNS", "")
    return console_class()(width=int(columns) if columns.isdigit() else 140)


@functools.cache
def console_class() -> type[Console]:
    """rich's Console, but a closed pipe ends the command as ``expected_errors`` ends it
    (rich's own way exits 1, the code of a failure)."""
    from rich.console import Console

    class StdoutConsole(Console):
        def on_broken_pipe(self) -> None:
            raise BrokenPipeError

    return StdoutConsole


# ----------------------------------------------------------------------------- errors
def error_line(code: str, message: str, lang: str = "en") -> str:
    """The one shape of every error: ``error (<code>): <message>``, secrets redacted."""
    return text("error.line", lang, code=code, message=redact_text(root_cause_first(message)))


def warn(message: str, lang: str = "en") -> None:
    typer.echo(text("warning.line", lang, message=redact_text(message)), err=True)


def fail(
    code: str, message: str, exit_code: int, lang: str = "en", json_output: bool = False
) -> NoReturn:
    """Print the error on stderr (and, with ``--json``, a JSON document on stdout); exit."""
    typer.echo(error_line(code, message, lang), err=True)
    if json_output:
        document = {
            "ok": False,
            "exit_code": exit_code,
            "error_code": code,
            "message": redact_text(message),
        }
        print(json.dumps(document, indent=2))
    raise typer.Exit(exit_code)


def exit_code_for(exc: VismaHrmError) -> int:
    if isinstance(exc, Interrupted):
        return 128 + exc.signal_number
    if isinstance(exc, ConcurrentRunError):
        return EXIT_BUSY
    return EXIT_USAGE if isinstance(exc, ConfigurationError) else EXIT_FAILED


@contextmanager
def expected_errors(json_output: bool = False, lang: str = "en") -> Iterator[None]:
    """Expected errors become one ``error (...)`` line and the right exit code, no traceback.

    Expected: visma-hrm's own errors, a database's errors (DuckDB, PostgreSQL), a file that
    cannot be read or written, a second Ctrl-C. Anything else is a bug and keeps its traceback.
    A reader that closed the pipe (``visma-hrm changes | head``) is no error: the command ends
    quietly with 141, as a shell reports a program ended by SIGPIPE.
    """
    try:
        yield
    except BrokenPipeError:
        _stdout_to_devnull()
        raise typer.Exit(EXIT_CLOSED_PIPE) from None
    except VismaHrmError as exc:
        with _deaf_to_signals():
            fail(exc.code, exc.message, exit_code_for(exc), lang, json_output)
    except KeyboardInterrupt:  # a second Ctrl-C: stopped at once
        message = "Stopped at once by a second Ctrl-C; the next sync redoes what was not finished."
        with _deaf_to_signals():
            fail("interrupted", message, EXIT_INTERRUPTED, lang, json_output)
    except Exception as exc:
        with _deaf_to_signals():
            if _is_database_error(exc):
                fail("destination", _first_line(exc), EXIT_FAILED, lang, json_output)
            if isinstance(exc, OSError):
                fail("file", _first_line(exc), EXIT_FAILED, lang, json_output)
        raise


def _stdout_to_devnull() -> None:
    """Point stdout at /dev/null, so that Python's flush at exit finds no closed pipe to
    complain about (the recipe of Python's own documentation on SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):  # no real file (a test's capture)
        return


@contextmanager
def _deaf_to_signals() -> Iterator[None]:
    """Ignore SIGINT and SIGTERM while the command words and prints its error line.

    The run stops holding signals once it raised; a second Ctrl-C arriving in the moment
    between that and the error line would raise KeyboardInterrupt inside this module's
    ``except`` branch, which Typer turns into exit 130 with no line at all (seen in CI: a
    Ctrl-C sent twice 50 ms apart on a busy machine). The command is ending anyway; the
    handlers come back after the line (callers in-process, such as tests, keep theirs).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            if handler is not None:  # None: set outside Python, cannot be put back
                signal.signal(sig, handler)


def _is_database_error(exc: Exception) -> bool:
    """A DuckDB or psycopg2 error, told apart without importing either (a command that never
    touched a database must not pay for loading one, and psycopg2 is an optional extra)."""
    duckdb = sys.modules.get("duckdb")
    if duckdb is not None and isinstance(exc, duckdb.Error):
        return True
    return type(exc).__module__.split(".")[0] == "psycopg2"


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


def errors_to_exit(command: Callable[P, None]) -> Callable[P, None]:
    """The one error-to-exit wrapper every command wears (under ``@app.command``).

    Errors are worded in the ``--lang`` language (else ``VISMA_HRM_LANG``, else English; an
    unknown ``--lang`` is the command's own business to refuse) and, for a command whose
    ``--json`` parameter is named ``json_output``, also printed as a JSON document on stdout.
    """

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        flag = kwargs.get("lang")
        lang = normalize_lang(flag if isinstance(flag, str) and is_known_lang(flag) else env_lang())
        with expected_errors(bool(kwargs.get("json_output")), lang):
            command(*args, **kwargs)

    return run


def fail_usage(message: str, lang: str = "en") -> NoReturn:
    """An unusable command line: the error line and exit code 2."""
    fail("configuration", message, EXIT_USAGE, lang)


def load_with_lang(
    config: Path | None, overrides: dict[str, Any], lang_flag: str | None
) -> tuple[Settings, str]:
    """Settings with flags on top, and the language: --lang > settings (env, file) > en.

    An unknown --lang is refused first; a broken configuration is reported (by
    ``errors_to_exit``) in the --lang or VISMA_HRM_LANG language.
    """
    check_lang(lang_flag)
    settings = load_settings(config, overrides=overrides)
    return settings, check_lang(lang_flag, settings.lang)


def check_lang(flag: str | None, fallback: str | None = None) -> str:
    """The language of messages: ``--lang``, else ``fallback`` (a setting, checked when the
    settings were loaded), else ``VISMA_HRM_LANG``, else English. An unknown language is
    refused, from the flag and from the environment alike."""
    if flag is not None:
        _refuse_unknown_lang(flag, flag)
        return normalize_lang(flag)
    if fallback:
        return normalize_lang(fallback)
    from_env = env_lang()
    if from_env is not None:
        _refuse_unknown_lang(from_env, f"{from_env} (from VISMA_HRM_LANG)")
    return normalize_lang(from_env)


def _refuse_unknown_lang(value: str, shown: str) -> None:
    if not is_known_lang(value):
        known = ", ".join(CATALOG)
        fail("configuration", text("error.lang", "en", value=shown, known=known), EXIT_USAGE)


def parse_date(flag: str, value: str) -> dt.date:
    """``--as-of``/``--since`` as YYYY-MM-DD, or a configuration error naming the flag."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigurationError(f"{flag} {value!r}: expected a date as YYYY-MM-DD.") from None


# ----------------------------------------------------------------------------- suggestions
def suggestion(name: str, known: Iterable[str]) -> str:
    close = close_match(name, known)
    return f" Did you mean {close}?" if close else ""
