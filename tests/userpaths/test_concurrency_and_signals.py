"""Two syncs at once, a sync stopped by a signal, a destination that does not exist.

Issue 10, cases 5 and 6: two syncs of one warehouse crashed with a traceback or failed every
export on a shared spool folder; SIGINT during normalize printed raw dlt exceptions and log
lines, and during the load was once ignored (exit 0); an unknown ``--destination`` printed a
123-line traceback. Now: the second sync stops at once (exit 75) naming the first one's pid;
a signal at any step ends the run with one line and 128 + the signal's number; the next run
ends equal to the truth.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from tests.userpaths.helpers import (
    CLI,
    DEFAULT_FILE,
    DLT_NOISE,
    PROGRESS_LINE,
    all_pairs,
    assert_no_run_left,
    assert_truth,
    cli,
    sync_ok,
    user_env,
)
from visma_hrm.sandbox import FaultConfig, Sandbox, SandboxConfig, start_sandbox

pytestmark = pytest.mark.slow  # whole user journeys: several CLI syncs each

Project = Callable[[str], Path]


@dataclass
class Background:
    """A ``visma-hrm sync`` running in the background, its output read line by line."""

    proc: subprocess.Popen[str]
    anchor: str
    lines: list[str] = field(default_factory=list)
    out: list[str] = field(default_factory=list)
    seen: threading.Event = field(default_factory=threading.Event)
    readers: list[threading.Thread] = field(default_factory=list)

    @classmethod
    def start(cls, env: Mapping[str, str], cwd: Path, anchor: str, *args: str) -> Background:
        proc = subprocess.Popen(  # -v: every step is a line, so the anchors can be seen
            [CLI, "sync", "-v", *args],
            env=dict(env),
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        run = cls(proc, anchor)
        run.readers = [
            threading.Thread(target=run._read_stderr, daemon=True),
            threading.Thread(target=run._read_stdout, daemon=True),
        ]
        for reader in run.readers:
            reader.start()
        return run

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            if self.anchor in line:
                self.seen.set()
        self.seen.set()  # the run ended without the anchor: let the waiter see that

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        self.out.extend(self.proc.stdout)

    def wait_for_anchor(self) -> None:
        assert self.seen.wait(timeout=120), f"no {self.anchor!r} line: {self.lines[-5:]}"
        assert self.proc.poll() is None, f"ended before {self.anchor!r}: {self.lines[-5:]}"

    def finish(self) -> tuple[int, str, str]:
        """Exit code, stdout and stderr, once the run ended and its output is read whole."""
        code = self.proc.wait(timeout=180)
        for reader in self.readers:
            reader.join(timeout=30)
        return code, "".join(self.out), "\n".join(self.lines)


def _one_line_besides_progress(stderr: str, code: int | None = None) -> str:
    """stderr holds progress lines and exactly one more: the message. No dlt noise at all."""
    assert not [n for n in DLT_NOISE if n in stderr], stderr[-3000:]
    others = [
        line for line in stderr.splitlines() if line.strip() and not PROGRESS_LINE.match(line)
    ]
    assert len(others) == 1, (code, others, stderr[-1000:])
    return others[0]


def test_a_second_sync_of_the_same_file_stops_at_once_and_the_first_completes(
    sb: Sandbox, home: Path, project: Project
) -> None:
    folder, elsewhere = project("hr"), project("other")
    db, env = folder / DEFAULT_FILE, user_env(sb, home)
    # the API answers "429, retry in 1 s" to every job query: the first run holds the file,
    # waiting politely, until the test lets it go on
    sb.set_faults(FaultConfig(endpoints=("query",), rate_limit_rate=1.0, retry_after=1))
    first = Background.start(env, folder, "429")  # held by the 429s on its job queries
    first.wait_for_anchor()

    second = cli(["sync"], env, folder, as_json=False)
    assert second.code == 75, second.explain()
    line = _one_line_besides_progress(second.stderr)
    assert f"Another sync of {db.resolve()} is running (pid {first.proc.pid})" in line, line
    # the same file named from another folder, with --json
    as_json = cli(["sync", "--duckdb-path", str(db)], env, elsewhere)
    assert as_json.code == 75, as_json.explain()
    assert as_json.report is not None
    assert as_json.report["exit_code"] == 75 and as_json.report["error_code"] == "concurrent_run"
    assert f"(pid {first.proc.pid})" in as_json.report["message"]
    assert not (elsewhere / DEFAULT_FILE).exists()
    assert first.proc.poll() is None, "the first run ended: the second met no running sync"

    sb.set_faults(FaultConfig())
    code, stdout, stderr = first.finish()
    assert code == 0, stderr[-3000:]
    assert "everything loaded" in stdout
    assert_truth(sb, db)
    assert_no_run_left(db)


PHASES = {
    "download": "downloading",
    "extract": "(dlt extract)",
    "normalize": "(dlt normalize)",
    "load": "(dlt load)",
}
MOMENTS = [
    (signal.SIGINT, "download", 1),  # the first one interrupts the first (full) run
    (signal.SIGTERM, "extract", 1),
    (signal.SIGINT, "normalize", 1),
    (signal.SIGTERM, "load", 1),
    (signal.SIGTERM, "normalize", 1),
    (signal.SIGINT, "load", 1),
    (signal.SIGINT, "extract", 2),  # an impatient second Ctrl-C: stop at once
]
"""(signal, step, times sent). Both signals in normalize and load (where dlt's own handling
printed exceptions or lost the signal), each in one of the other steps, and a double Ctrl-C."""


@pytest.fixture
def sigint_as_at_a_terminal() -> Iterator[None]:
    """Runs started from here get SIGINT's default action, as from a terminal, even when the
    test session itself was started ignoring SIGINT (a shell's background job, as CI may be):
    such runs ignore a second Ctrl-C (``tests/cli/test_signal_noise.py``), so the impatient
    moment below would test nothing."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("sigint_as_at_a_terminal")
def test_sigint_and_sigterm_at_every_step_end_with_one_line_and_the_next_run_catches_up(
    home: Path, project: Project
) -> None:
    with start_sandbox(SandboxConfig(tenants=2, employees=15, seed=18)) as sb:
        folder = project("hr")
        db = folder / DEFAULT_FILE
        env = user_env(sb, home, VISMA_HRM_DATASETS="contracts,users")
        pairs = all_pairs(sb, datasets=["contracts", "users"])
        for n, (sig, phase, times) in enumerate(MOMENTS):
            if n:
                sb.advance(days=30)  # later moments interrupt incremental runs with new data
            run = Background.start(env, folder, PHASES[phase])
            run.wait_for_anchor()
            for k in range(times):
                if k:
                    time.sleep(0.05)  # two signals sent at once would merge into one
                run.proc.send_signal(sig)
            code, stdout, stderr = run.finish()
            # a second Ctrl-C that lands while the stopped run exits ends the process by SIGINT
            # (the shell says 130 as well), after the one line
            codes = {128 + sig} | ({-sig} if times == 2 else set())
            assert code in codes, (sig.name, phase, code, stderr[-3000:])
            line = _one_line_besides_progress(stderr, code)
            name = "SIGINT" if sig == signal.SIGINT else "SIGTERM"
            said = [f"Stopped by {name}"]
            if times == 2:  # a busy process may take both as one: either way, one line
                said.append("Stopped at once by a second Ctrl-C")
            assert line.startswith("error (interrupted): ") and any(w in line for w in said), line
            assert "everything loaded" not in stdout

            after = sync_ok(env, folder)
            assert after.report is not None
            assert after.report["interrupted_runs_removed"] == 0  # the stopped run cleaned up
            assert_truth(sb, db, pairs, linger=True)
            assert_no_run_left(db)


def test_an_unknown_destination_is_one_message_with_the_known_ones(
    sb: Sandbox, home: Path, project: Project
) -> None:
    folder = project("hr")
    env = user_env(sb, home)
    plain = cli(["sync", "--destination", "foo"], env, folder, as_json=False)
    assert plain.code == 2, plain.explain()
    line = _one_line_besides_progress(plain.stderr)
    assert "Unknown destination 'foo'" in line and "duckdb" in line and "postgres" in line
    assert plain.stdout == ""
    machine = cli(["sync", "--destination", "foo"], env, folder)
    assert machine.code == 2, machine.explain()
    assert machine.report is not None
    assert machine.report == {
        "ok": False,
        "exit_code": 2,
        "error_code": "configuration",
        "message": machine.report["message"],
    }
    assert "Known destinations:" in machine.report["message"]
    assert _one_line_besides_progress(machine.stderr)
    assert not (folder / DEFAULT_FILE).exists()
    assert json.loads(machine.stdout) == machine.report


def test_a_warehouse_open_in_another_program_is_one_message_naming_it(
    sb: Sandbox, home: Path, project: Project
) -> None:
    """A DuckDB shell, notebook or BI tool holding the file for writing: one line, exit 75."""
    folder = project("hr")
    db, env = folder / DEFAULT_FILE, user_env(sb, home)
    with duckdb.connect(str(db)) as other:  # this test process is the other program
        other.execute("CREATE TABLE notes (x INTEGER)")
        held = cli(["sync"], env, folder, as_json=False)
    assert held.code == 75, held.explain()
    line = _one_line_besides_progress(held.stderr)
    assert "open in another program" in line and f"PID {os.getpid()}" in line, line
    sync_ok(env, folder)  # closed: the same command works
    assert_truth(sb, db)
