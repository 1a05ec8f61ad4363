"""``visma-hrm sandbox`` as a person runs it: start, read what it prints, use it, stop it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _command() -> list[str]:
    script = Path(sys.executable).parent / "visma-hrm"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from visma_hrm.cli import main; main()"]


@pytest.mark.slow
def test_sandbox_command_prints_what_a_client_needs_and_serves_it() -> None:
    args = ["sandbox", "--port", "0", "--tenants", "2", "--employees", "5", "--seed", "9"]
    args += ["--faults", "token_outage_first=1", "--token-errors", "opaque"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        _command() + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        printed: dict[str, str] = {}
        deadline = time.monotonic() + 30
        assert proc.stdout is not None
        while "api_url" not in printed:
            assert time.monotonic() < deadline, "the sandbox did not print its settings"
            line = proc.stdout.readline()
            assert line, f"sandbox exited early: {proc.stderr.read() if proc.stderr else ''}"
            key, sep, value = line.partition(":")
            if sep:
                printed[key.strip()] = value.strip()
        tenants = printed["tenant_ids"].split()
        assert len(tenants) == 2
        assert printed["client_id"] == "isv_sandbox"
        assert printed["api_url"].startswith("http://127.0.0.1:")
        form = {
            "grant_type": "client_credentials",
            "client_id": printed["client_id"],
            "client_secret": printed["client_secret"],
            "tenant_id": tenants[1],
            "scope": "hrmanalytics:nlhrm:exportusers",
        }
        assert httpx.post(printed["token_url"], data=form).status_code == 503  # --faults applied
        response = httpx.post(printed["token_url"], data=form)
        assert response.status_code == 200
        assert response.json()["token_type"] == "Bearer"
        wrong = httpx.post(printed["token_url"], data={**form, "client_secret": "nope"})
        assert (wrong.status_code, wrong.json()["error"]) == (400, "access_denied")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert "Sandbox stopped." in out
    assert "Traceback" not in err


@pytest.mark.slow
def test_sandbox_command_rejects_a_bad_fault_spec() -> None:
    proc = subprocess.run(
        [*_command(), "sandbox", "--faults", "rate_limit_rate=lots"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error (configuration): --faults: ")
    assert "rate_limit_rate" in proc.stderr


@pytest.mark.slow
def test_sandbox_command_rejects_an_unknown_token_error_shape() -> None:
    proc = subprocess.run(
        [*_command(), "sandbox", "--token-errors", "polite"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error (configuration): --token-errors: ")
    assert "opaque" in proc.stderr
