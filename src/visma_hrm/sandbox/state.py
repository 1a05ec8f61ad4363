"""What every endpoint shares: settings, the world, faults, jobs, and the signing of file links.

File links are pre-signed the way cloud storage signs them: an expiry and an HMAC over job,
file and expiry. Every query of a completed job signs them anew, so a client whose link
expired can ask again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

from visma_hrm.sandbox.config import SandboxConfig
from visma_hrm.sandbox.faults import FaultState
from visma_hrm.sandbox.jobs import Job, JobStore
from visma_hrm.sandbox.world import World


class SandboxState:
    """Everything the endpoints share: settings, world, faults and jobs."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.world = World(config)
        self.faults = FaultState(config.faults)
        self.jobs = JobStore(self.world)
        self.key = config.signing_key
        self.base_url = ""  # set by the server once the port is known

    def close(self) -> None:
        self.jobs.close()

    # ------------------------------------------------------------------ links
    def sign(self, job_id: str, index: int, exp: str) -> str:
        msg = f"{job_id}/{index}/{exp}".encode()
        return hmac.new(self.key, msg, hashlib.sha256).hexdigest()[:40]

    def links(self, job: Job) -> list[str]:
        """Fresh pre-signed links: every query of a completed job signs them anew."""
        exp = expiry(self.config.link_ttl_s)
        return [
            f"{self.base_url}/files/{job.id}/{n}.csv?exp={exp}&sig={self.sign(job.id, n, exp)}"
            for n in range(len(job.files))
        ]


EXPIRY = re.compile(r"\d{1,12}\.\d{3}")


def expiry(lifetime_s: float, now: float | None = None) -> str:
    """Unix time ``lifetime_s`` from now, to the millisecond: whole seconds would make a
    1-second lifetime anything between 0 and 1 s."""
    return f"{(time.time() if now is None else now) + lifetime_s:.3f}"
