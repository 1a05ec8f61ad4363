"""Export jobs: created by a command call, written to disk in a worker thread, then served.

A job takes a snapshot of its tenant when it is created, so its content is the data at
``changeTimestampBefore`` even if the clock moves on while it is being written. Files live in
the server's temporary directory and are deleted when the server stops.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from visma_hrm.sandbox.csvout import Cancelled, write_export
from visma_hrm.sandbox.spec import DatasetSpec
from visma_hrm.sandbox.world import World

log = logging.getLogger("visma_hrm.sandbox")


@dataclass
class Job:
    id: str
    tenant_id: str
    spec: DatasetSpec
    ts: int
    """The sandbox clock at creation: the job's changeTimestampBefore."""
    created: float
    fate: str
    """"normal", "stuck" (never completes) or "failed"."""
    failed_status: str = "Failed"
    callback: str | None = None
    done: threading.Event = field(default_factory=threading.Event)
    files: list[Path] = field(default_factory=list)
    error: str | None = None
    queries: int = 0
    """How often the job's state was asked (0: its id never reached a client)."""


@dataclass(frozen=True)
class JobSeen:
    """What a test may know of a job: which dataset, and whether its id ever came back."""

    id: str
    dataset: str
    queries: int


class JobStore:
    def __init__(self, world: World) -> None:
        self.world = world
        self.jobs: dict[str, Job] = {}
        self.root = Path(tempfile.mkdtemp(prefix="visma-hrm-sandbox-"))
        self.cancel = threading.Event()
        self.threads: list[threading.Thread] = []
        self.lock = threading.Lock()

    def create(
        self,
        tenant_id: str,
        spec: DatasetSpec,
        *,
        after: int | None,
        columns: list[str],
        fate: str,
        failed_status: str,
        malformed: bool,
        callback: str | None,
    ) -> Job:
        snap = self.world.snapshot(tenant_id)
        job = Job(
            id=str(uuid.uuid4()),
            tenant_id=tenant_id,
            spec=spec,
            ts=snap.clock,
            created=time.monotonic(),
            fate=fate,
            failed_status=failed_status,
            callback=callback,
        )
        with self.lock:
            self.jobs[job.id] = job
        if fate == "normal":
            config = self.world.config

            def work() -> None:
                try:
                    job.files = write_export(
                        self.world.export_rows(snap, spec, after),
                        columns,
                        self.root / job.id,
                        config.rows_per_file,
                        bom=config.csv_bom,
                        malformed=malformed,
                        cancel=self.cancel,
                    )
                except Cancelled:
                    job.error = "server stopped"
                except Exception as exc:  # a bug: the job fails visibly instead of hanging
                    log.exception("sandbox export job failed")
                    job.error = f"{type(exc).__name__}: {exc}"
                finally:
                    job.done.set()

            thread = threading.Thread(target=work, name=f"sandbox-job-{spec.name}", daemon=True)
            self.threads.append(thread)
            thread.start()
        return job

    def get(self, job_id: str) -> Job | None:
        with self.lock:
            return self.jobs.get(job_id)

    def seen(self, tenant_id: str) -> list[JobSeen]:
        """The tenant's jobs in the order they were started."""
        with self.lock:
            jobs = sorted(self.jobs.values(), key=lambda j: j.created)
        return [JobSeen(j.id, j.spec.name, j.queries) for j in jobs if j.tenant_id == tenant_id]

    def status(self, job: Job, min_duration: float) -> str:
        if job.fate == "stuck":
            return "InProgress"
        if time.monotonic() - job.created < min_duration:
            return "InProgress"
        if job.fate == "failed":
            return job.failed_status
        if not job.done.is_set():
            return "InProgress"
        return "Failed" if job.error else "Completed"

    def close(self) -> None:
        self.cancel.set()
        for thread in self.threads:
            thread.join(timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)
