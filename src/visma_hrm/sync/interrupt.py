"""Where a run may end early: SIGINT and SIGTERM stop it between two whole steps.

The signals are held for the whole run (``dlt_internals.intercepted_signals``); each phase
calls ``stop_if_signalled`` at its safe points, so everything done before it stays whole and
the next run asks again for what this one did not finish.
"""

from __future__ import annotations

from visma_hrm.load.dlt_internals import interruption, signal_received


def stop_if_signalled() -> None:
    """End the run here when SIGINT or SIGTERM arrived: every step before it is whole."""
    received = signal_received()
    if received is not None:
        raise interruption(received)
