"""``visma-hrm sandbox``: run the local Visma sandbox until Ctrl-C (or SIGTERM)."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer

from visma_hrm.cli import app


@app.command()
def sandbox(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8765, help="Port to listen on (0: a free port)."),
    tenants: int = typer.Option(2, min=1, help="Number of linked tenants (customer databases)."),
    employees: int = typer.Option(100, min=1, help="Persons per tenant at the start."),
    seed: int = typer.Option(42, help="Same seed, same data, same secret."),
    faults: str = typer.Option(
        "",
        help="Injected faults, e.g. "
        "'rate_limit_rate=0.2,retry_after=1,stuck_datasets=contracts|users' (see docs/sandbox.md).",
    ),
) -> None:
    """Start a local Visma Connect + HRM analytics API with synthetic Dutch HR data."""
    from visma_hrm.sandbox import FaultConfig, Sandbox, SandboxConfig

    try:
        fault_config = FaultConfig.parse(faults)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--faults") from None
    config = SandboxConfig(
        seed=seed, tenants=tenants, employees=employees, host=host, port=port, faults=fault_config
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        sb = Sandbox(config).start()
    except OSError as exc:
        typer.echo(f"Cannot listen on {host}:{port}: {exc.strerror}. Try another --port.", err=True)
        raise typer.Exit(1) from None
    try:
        lines = [
            f"client_id:     {sb.client_id}",
            f"client_secret: {sb.client_secret}",
            f"tenant_ids:    {' '.join(sb.tenant_ids)}",
            f"token_url:     {sb.token_url}",
            f"api_url:       {sb.api_url}",
            f"admin:         {sb.base_url}/sandbox/ (clock/advance, faults, tenants, truth)",
            "Sandbox running; Ctrl-C to stop.",
        ]
        typer.echo("\n".join(lines))
        while not stop.wait(0.5):
            pass
    finally:
        sb.stop()
    typer.echo("Sandbox stopped.")
