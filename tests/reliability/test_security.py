"""Security: no credential leaks, TLS is verified, the secrets file is the owner's alone.

The leak test runs successful and failing syncs (in this process with every logger at DEBUG,
and as the CLI with Python and dlt logging at DEBUG), plus ``check``, with a known client secret
and a known wrong one. The recording sandbox lists every access token and every link signature
it handed out. None of them may appear in stdout, stderr, logs, any table of the destination,
dlt's state (local and stored), or any file under the working folders (load packages, traces,
state; gzip and parquet files are read decoded).
"""

from __future__ import annotations

import http.server
import io
import logging
import os
import shutil
import ssl
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.helpers import (
    client_tuning,
    destination_texts,
    file_texts,
    working_files,
)
from tests.reliability.recorder import Recording, recording_sandbox
from tests.support.cli import CLI, cli_env, run_and_kill
from tests.support.runs import keep_dlt_quiet, run
from tests.support.settings import cli_settings
from visma_hrm.cli.progress import PlainReporter
from visma_hrm.client import ClientSettings
from visma_hrm.config import Settings
from visma_hrm.redact import Secret
from visma_hrm.sandbox import FaultConfig, Sandbox, SandboxConfig
from visma_hrm.sync import SyncSettings, sync

pytestmark = pytest.mark.slow  # every case syncs a recorded sandbox end to end

SECRET = "relsec-7c1f0e9a4b2d8e6f3a5c"
WRONG = "wrongsec-2b9d4f6e8a1c3e5d"
DEBUG_CLI = [
    sys.executable,
    "-c",
    "import logging, sys; logging.basicConfig(level=logging.DEBUG); "
    "from visma_hrm.cli import main; sys.argv[0] = 'visma-hrm'; main()",
]


@pytest.fixture(scope="module")
def recorded() -> Iterator[tuple[Sandbox, Recording]]:
    config = SandboxConfig(
        tenants=2, employees=10, seed=91, rows_per_file=20, client_secret=SECRET, link_ttl_s=3
    )
    with recording_sandbox(config) as pair:
        yield pair


def _debug_cli(args: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        [*DEBUG_CLI, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=240
    )
    return f"[{args} exit {done.returncode}]\n{done.stdout}\n{done.stderr}"


def test_no_secret_token_or_link_signature_leaks_anywhere(
    recorded: tuple[Sandbox, Recording], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sb, recording = recorded
    caplog.set_level(logging.DEBUG)
    outputs = _in_process_runs(sb, tmp_path)
    outputs += _cli_runs(sb, tmp_path)
    outputs.append(caplog.text)

    secrets = recording.secrets()
    assert len(recording.tokens) >= 4 and len(recording.signatures) >= 4, "nothing to look for"
    needles = {SECRET, WRONG, *secrets}
    places = {f"output {i}": text for i, text in enumerate(outputs)}
    places.update(destination_texts(tmp_path / "visma_hrm.duckdb"))
    places.update(file_texts(tmp_path))
    assert any("AuthenticationFailed" in t or "403" in t for t in outputs), "no link failed"
    # the scan sees real content: a tenant id is in the outputs, the tables and the packages
    tenant = sb.tenant_ids[0]
    for kind in ("output", "table", "file"):
        assert any(tenant in t for w, t in places.items() if w.startswith(kind)), kind
    leaks = [(where, n[:12]) for where, text in places.items() for n in needles if n in text]
    assert not leaks, leaks


def _in_process_runs(sb: Sandbox, tmp_path: Path) -> list[str]:
    """A full sync, then one whose links keep expiring (its messages name the links)."""
    keep_dlt_quiet()
    cfg = cli_settings(sb, tmp_path)
    stream = io.StringIO()
    sync(SyncSettings(cfg), PlainReporter(stream))
    sb.advance(days=30)
    sb.set_faults(FaultConfig(rate_limit_rate=1.0, retry_after=4, endpoints=("file",)))
    try:  # every export at once: each one waits out two 4 s Retry-Afters
        failed = sync(SyncSettings(replace(cfg, concurrency=16)), PlainReporter(stream))
    finally:
        sb.set_faults(FaultConfig())
    assert {t.error_code for t in failed.tables} == {"link_expired"}
    return [stream.getvalue(), str(failed.to_dict())]


def _cli_runs(sb: Sandbox, tmp_path: Path) -> list[str]:
    """The CLI with Python and dlt logging at DEBUG: a sync, failing syncs, check."""
    env = cli_env(sb, tmp_path, RUNTIME__LOG_LEVEL="DEBUG", VISMA_HRM_JOB_TIMEOUT="1")
    wrong = {**env, "VISMA_HRM_CLIENT_SECRET": WRONG}
    outputs = [_debug_cli(["sync"], env, tmp_path)]
    sb.advance(days=30)
    sb.set_faults(FaultConfig(stuck_datasets=("contracts",), failed_datasets=("users",)))
    try:
        outputs.append(_debug_cli(["sync", "--json"], env, tmp_path))
    finally:
        sb.set_faults(FaultConfig())
    outputs.append(_debug_cli(["sync"], wrong, tmp_path))
    outputs.append(_debug_cli(["check"], env, tmp_path))
    outputs.append(_debug_cli(["check", "--json"], wrong, tmp_path))
    assert "exit 0]" in outputs[0] and "exit 0]" in outputs[3]
    assert "exit 1]" in outputs[1] and "job_timed_out" in outputs[1]
    assert "exit 1]" in outputs[2] and "invalid_client" in outputs[2]
    # finished runs leave no working file; one killed in the load leaves its package behind
    # (until the next run), and the scan reads it
    assert not working_files(tmp_path / "pipelines")
    sb.advance(days=30)
    assert run_and_kill(env, tmp_path, "(dlt load)", 0.0), "the run ended before the kill"
    assert working_files(tmp_path / "pipelines")
    return outputs


# ------------------------------------------------------------------------------------- TLS
class _TokenHandler(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []  # noqa: RUF012 - the requests that got through, shared by the class

    def do_POST(self) -> None:
        type(self).seen.append(self.path)
        body = b'{"access_token": "x.y.z", "expires_in": 3600, "token_type": "Bearer"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def self_signed_server(tmp_path: Path) -> Iterator[str]:
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make a self-signed certificate with")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TokenHandler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    _TokenHandler.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_tls_is_verified_by_default_and_a_self_signed_server_gets_nothing(
    self_signed_server: str, tmp_path: Path
) -> None:
    defaults = {f.name: f.default for f in fields(ClientSettings)}
    assert defaults["verify_tls"] is True and Settings().verify_tls is True
    cfg = Settings(
        api_url=self_signed_server,
        token_url=f"{self_signed_server}/connect/token",
        client_id="isv_tls",
        client_secret=Secret(SECRET),
        tenants=("11111111-2222-3333-4444-555555555555",),
        datasets=("users",),
        duckdb_path=tmp_path / "tls.duckdb",
        pipelines_dir=tmp_path / "pipelines",
    )
    with client_tuning(backoff_max_s=0.05):
        report = run(cfg)
    assert report.exit_code == 1
    (table,) = report.tables
    assert table.error_code == "unreachable", table
    assert "CERTIFICATE_VERIFY_FAILED" in (table.message or ""), table.message
    assert SECRET not in (table.message or "")
    assert _TokenHandler.seen == [], "a request (with the secret) reached an unverified server"
    # the same server, verification switched off on purpose: now it is reached, so the refusal
    # above came from verification and not from a broken test server
    with client_tuning(backoff_max_s=0.05):
        run(replace(cfg, verify_tls=False))
    assert "/connect/token" in _TokenHandler.seen


# ---------------------------------------------------------------------------- secrets file
def test_init_writes_the_secrets_file_for_its_owner_only_whatever_the_umask(
    recorded: tuple[Sandbox, Recording], tmp_path: Path
) -> None:
    sb, _ = recorded
    config = tmp_path / "visma-hrm.toml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VISMA_HRM_")}
    env.update({"VISMA_HRM_API_URL": sb.api_url, "VISMA_HRM_TOKEN_URL": sb.token_url})
    args = [CLI, "init", "--non-interactive", "--secret-stdin", "--config", str(config)]
    args += ["--client-id", sb.client_id, "--tenant", sb.tenant_ids[0]]
    done = subprocess.run(
        args,
        env=env,
        cwd=tmp_path,
        input=SECRET + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.umask(0),  # the point: a careless umask
    )
    assert done.returncode == 0, done.stdout + done.stderr
    secrets = tmp_path / ".visma-hrm.secrets.toml"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert SECRET in secrets.read_text()
    assert SECRET not in config.read_text() and SECRET not in done.stdout + done.stderr
    # and the file it wrote works: a sync with no secret in the environment
    sync = subprocess.run(
        [CLI, "sync", "--config", str(config), "--dataset", "users"],
        env={
            **env,
            "VISMA_HRM_DUCKDB_PATH": str(tmp_path / "x.duckdb"),
            "VISMA_HRM_PIPELINES_DIR": str(tmp_path / "pipelines"),
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert sync.returncode == 0, sync.stderr
    assert SECRET not in sync.stdout + sync.stderr
