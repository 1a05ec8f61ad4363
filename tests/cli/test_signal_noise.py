"""A second Ctrl-C that lands inside a finaliser stops quietly: no "Exception ignored" traceback.

The CLI promises one line on Ctrl-C. The second signal's KeyboardInterrupt can arrive while
Python runs a ``__del__`` (dlt's DuckDB connection pool has one), where it cannot be raised and
Python prints a traceback instead. The run is already stopping on the first signal. The checks
run in a fresh interpreter: pytest replaces Python's unraisable hook with its own.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import gc, sys
    from visma_hrm.dlt_internals import intercepted_signals

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
