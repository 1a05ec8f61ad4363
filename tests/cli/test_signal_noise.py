"""A second Ctrl-C ends a sync with its one error line, in the two places CI found it lost.

The CLI promises one line on Ctrl-C. The second signal's KeyboardInterrupt can arrive while
Python runs a ``__del__`` (dlt's DuckDB connection pool has one), where it cannot be raised and
Python prints a traceback instead; or while the CLI words the first signal's error line, where
Typer turned it into exit 130 and no line at all. The checks run in fresh interpreters: pytest
replaces Python's unraisable hook and signal handlers with its own.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import gc, sys
    from visma_hrm.load.dlt_internals import intercepted_signals

    class Interrupted:
        def __del__(self):
            raise KeyboardInterrupt

    class Broken:
        def __del__(self):
            raise ValueError("a real bug in a finaliser")

    def finalise(obj):
        del obj
        gc.collect()

    with intercepted_signals():
        finalise(Interrupted())
        print("-- during a run, a real bug:", file=sys.stderr, flush=True)
        finalise(Broken())
    print("-- after the run, an interrupt:", file=sys.stderr, flush=True)
    finalise(Interrupted())
    """
)


def _stderr_of_the_script() -> str:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=True
    )
    return done.stderr


def test_only_the_interrupt_inside_a_run_is_quiet() -> None:
    quiet, rest = _stderr_of_the_script().split("-- during a run, a real bug:")
    real_bug, after = rest.split("-- after the run, an interrupt:")
    assert "Exception ignored" not in quiet
    assert "a real bug in a finaliser" in real_bug
    assert "KeyboardInterrupt" in after


IMPATIENT = textwrap.dedent(
    """
    import os, signal, typer
    from visma_hrm.cli.common import errors_to_exit
    from visma_hrm.errors import Interrupted

    class SecondCtrlCWhileWording(Interrupted):
        @property
        def code(self):  # read while the error line is worded: the second Ctrl-C lands here
            os.kill(os.getpid(), signal.SIGINT)
            return "interrupted"

    app = typer.Typer()

    @app.command()
    @errors_to_exit
    def sync() -> None:
        raise SecondCtrlCWhileWording(2, "Stopped by SIGINT (Ctrl-C).")

    app()
    """
)


def test_a_second_ctrl_c_while_the_error_is_worded_still_ends_with_the_one_line() -> None:
    """Typer turns a KeyboardInterrupt escaping the error handler into exit 130 and silence."""
    done = subprocess.run(
        [sys.executable, "-c", IMPATIENT], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr.strip() == "error (interrupted): Stopped by SIGINT (Ctrl-C).", done.stderr


STARTED_IGNORING = textwrap.dedent(
    """
    import signal, sys
    from visma_hrm.load.dlt_internals import intercepted_signals, signal_received

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a shell starts a background job
    with intercepted_signals():
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)
        print("stopping at the safe point for", signal_received(), flush=True)
    """
)


def test_a_run_started_ignoring_sigint_stops_at_its_safe_point_on_a_second_one() -> None:
    """A background job of a shell starts with SIGINT ignored (CI starts tests that way); the
    second signal was re-raised with the default action and killed the run without its line."""
    done = subprocess.run(
        [sys.executable, "-c", STARTED_IGNORING], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, (done.returncode, done.stderr)
    assert done.stdout.strip() == f"stopping at the safe point for {int(signal.SIGINT)}"
