"""``visma-hrm sandbox``: run the local Visma sandbox until Ctrl-C (or SIGTERM)."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Annotated

import typer

from visma_hrm.cli.app import app
from visma_hrm.cli.common import (
    EXIT_FAILED,
    EXIT_USAGE,
    EmployeesOpt,
    LangOpt,
    QuietOpt,
    VerboseOpt,
    check_lang,
    errors_to_exit,
    fail,
    set_verbosity,
)
from visma_hrm.cli.extras import require_sandbox
from visma_hrm.messages import text


@app.command()
@errors_to_exit
def sandbox(
    host: Annotated[
        str, typer.Option("--host", metavar="HOST", help="Interface to listen on.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", metavar="PORT", help="Port to listen on (0: a free port).")
    ] = 8765,
    tenants: Annotated[
        int,
        typer.Option(
            "--tenants", min=1, metavar="N", help="Number of linked tenants (customer databases)."
        ),
    ] = 2,
    employees: EmployeesOpt = 100,
    seed: Annotated[
        int, typer.Option("--seed", metavar="N", help="Same seed, same data, same secret.")
    ] = 42,
    faults: Annotated[
        str,
        typer.Option(
            "--faults",
            metavar="SPEC",
            help="Injected faults, e.g. 'rate_limit_rate=0.2,retry_after=1,"
            "stuck_datasets=contracts|users' (see docs/sandbox.md).",
        ),
    ] = "",
    token_errors: Annotated[
        str,
        typer.Option(
            "--token-errors",
            metavar="SHAPE",
            help="How token failures are worded: standard, bare, status401, "
            "unauthorized_client, invalid_request or opaque (see docs/sandbox.md).",
        ),
    ] = "standard",
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Start a local Visma Connect + HRM analytics API with synthetic Dutch HR data."""
    set_verbosity(quiet, verbose)
    lang = check_lang(lang)
    require_sandbox("visma-hrm sandbox", lang)
    from visma_hrm.sandbox import FaultConfig, Sandbox, SandboxConfig

    try:
        fault_config = FaultConfig.parse(faults)
    except ValueError as exc:
        fail("configuration", f"--faults: {exc}", EXIT_USAGE, lang)
    try:
        config = SandboxConfig(
            seed=seed,
            tenants=tenants,
            employees=employees,
            host=host,
            port=port,
            faults=fault_config,
            token_errors=token_errors,
        )
    except ValueError as exc:
        fail("configuration", f"--token-errors: {exc}", EXIT_USAGE, lang)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        sb = Sandbox(config).start()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        message = text("sandbox.cannot_listen", lang, host=host, port=port, reason=reason)
        fail("sandbox", message, EXIT_FAILED, lang)
    try:
        lines = [
            f"client_id:     {sb.client_id}",
            f"client_secret: {sb.client_secret}",
            f"tenant_ids:    {' '.join(sb.tenant_ids)}",
            f"token_url:     {sb.token_url}",
            f"api_url:       {sb.api_url}",
            f"admin:         {text('sandbox.admin', lang, url=sb.base_url)}",
            text("sandbox.running", lang),
        ]
        typer.echo("\n".join(lines))
        while not stop.wait(0.5):
            pass
    finally:
        sb.stop()
    typer.echo(text("sandbox.stopped", lang))
