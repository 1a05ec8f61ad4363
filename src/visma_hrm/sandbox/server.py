"""Run the sandbox: uvicorn in a background thread, with a handle for tests and the CLI."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from visma_hrm.sandbox.app import SandboxState, build_app
from visma_hrm.sandbox.config import FaultConfig, SandboxConfig
from visma_hrm.sandbox.jobs import JobSeen
from visma_hrm.sandbox.spec import DATASETS
from visma_hrm.sandbox.world import SandboxEvent

_DELIBERATE = ("ASGI callable returned without completing response.",)


class _DropDeliberateResets(logging.Filter):
    """The connection-reset fault ends a response early on purpose: no error log for that."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in _DELIBERATE


class Sandbox:
    """A running sandbox. Same seed, same data; the clock moves only through ``advance``."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.state = SandboxState(self.config)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # ------------------------------------------------------------------ addresses
    @property
    def base_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/connect/token"

    @property
    def api_url(self) -> str:
        return self.base_url

    @property
    def client_id(self) -> str:
        return self.config.client_id

    @property
    def client_secret(self) -> str:
        return self.config.secret

    @property
    def tenant_ids(self) -> list[str]:
        return self.state.world.tenant_ids

    @property
    def unlinked_tenant_ids(self) -> list[str]:
        """Tenant ids that exist but never linked the application (token: invalid_grant)."""
        return list(self.state.world.unlinked)

    # ------------------------------------------------------------------ admin
    def advance(self, days: float) -> str:
        """Move the clock ``days`` forward, applying changes; returns the new clock."""
        return self.state.world.advance(days)

    @property
    def clock(self) -> str:
        return self.state.world.clock_text()

    def set_faults(self, faults: FaultConfig) -> None:
        self.state.faults.set(faults)

    @property
    def faults(self) -> FaultConfig:
        return self.state.faults.faults

    def approve(self, tenant_id: str, datasets: list[str] | tuple[str, ...]) -> None:
        """Replace the datasets the customer approved for this tenant."""
        self.state.world.set_approvals(tenant_id, list(datasets))

    def add_custom_field(
        self, tenant_id: str, fieldname: str, values: list[str], fieldtypeid: str = "4"
    ) -> None:
        """A customer adds a custom field in Visma: filled in from today for the first
        ``len(values)`` persons with a contract, one value each (employee level)."""
        self.state.world.add_custom_field(tenant_id, fieldname, values, fieldtypeid)

    def events(self, tenant_id: str) -> list[SandboxEvent]:
        """The ground truth of change: every business event ``advance`` applied, in order."""
        return self.state.world.events(tenant_id)

    def jobs(self, tenant_id: str) -> list[JobSeen]:
        """Every export job the tenant's commands started, oldest first, with its poll count."""
        return self.state.jobs.seen(tenant_id)

    def truth(self, tenant_id: str, dataset: str) -> list[dict[str, str | None]]:
        """The current full content of a dataset: the rows a full export would carry now."""
        if dataset not in DATASETS:
            raise KeyError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")
        return self.state.world.truth(tenant_id, dataset, self.faults)[1]

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Sandbox:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.config.host, self.config.port))
            sock.listen(128)
        except OSError:
            sock.close()
            self.state.close()  # no temporary directory left behind
            raise
        self.port = sock.getsockname()[1]
        self.state.base_url = self.base_url
        logging.getLogger("uvicorn.error").addFilter(_DropDeliberateResets())
        uv_config = uvicorn.Config(
            build_app(self.state),
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
            # the same server wherever it runs: uvicorn would switch to uvloop and httptools
            # whenever another package happened to install them (the orchestrator extras do)
            loop="asyncio",
            http="h11",
        )
        self._server = uvicorn.Server(uv_config)
        server = self._server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="visma-hrm-sandbox", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.state.close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def start_sandbox(config: SandboxConfig | None = None) -> Iterator[Sandbox]:
    """Start a sandbox on ``config.host:config.port`` (0: a free port); stop it on exit."""
    sandbox = Sandbox(config).start()
    try:
        yield sandbox
    finally:
        sandbox.stop()
