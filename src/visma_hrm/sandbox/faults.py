"""The running state of injected faults: counters, a seeded RNG and per-tenant token buckets.

``FaultConfig`` says what should go wrong; ``FaultState`` decides, call by call, whether this
call is the one. Setting new faults resets the counters and reseeds the RNG, so "the first N
calls" counts from that moment and a run with the same faults goes wrong the same way.
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass

from visma_hrm.sandbox.config import FaultConfig


@dataclass(frozen=True)
class Refusal:
    """An answer a fault puts in place of the real one."""

    status: int
    error: str
    message: str
    retry_after: int | None = None


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, max(1, burst)
        self.tokens = float(self.burst)
        self.stamp = time.monotonic()

    def take(self) -> float:
        """0 when a token was taken, else the seconds until one is available."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class FaultState:
    def __init__(self, faults: FaultConfig) -> None:
        self.lock = threading.Lock()
        self.set(faults)

    def set(self, faults: FaultConfig) -> None:
        with self.lock:
            self.faults = faults
            self.rng = random.Random(faults.seed)
            self.calls = 0
            self.token_calls = 0
            self.downloads = 0
            self.commands = 0
            self.api_calls = 0
            self.buckets: dict[str, TokenBucket] = {}

    def on_call(self, endpoint: str, tenant_id: str | None) -> tuple[float, Refusal | None]:
        """Decide the fate of one call: (delay in seconds, refusal or None)."""
        f = self.faults
        with self.lock:
            refusal = self._tenant_limit(tenant_id) if endpoint != "token" else None
            if endpoint not in f.endpoints:
                return 0.0, refusal
            self.calls += 1
            n = self.calls
            if refusal is None and (n <= f.rate_limit_first or self._draw(f.rate_limit_rate)):
                refusal = Refusal(429, "too_many_requests", "Rate limit exceeded.", f.retry_after)
            if refusal is None and (
                n <= f.rate_limit_first + f.error_first or self._draw(f.error_rate)
            ):
                status = f.error_statuses[self.rng.randrange(len(f.error_statuses))]
                refusal = Refusal(status, "server_error", "Injected server error.")
            return f.delay_s, refusal

    def token_outage(self) -> bool:
        with self.lock:
            self.token_calls += 1
            return self.faults.token_outage or self.token_calls <= self.faults.token_outage_first

    def token_revoked(self) -> bool:
        """Whether this API call's token counts as revoked (the first N calls)."""
        with self.lock:
            self.api_calls += 1
            return self.api_calls <= self.faults.revoked_tokens_first

    def late_answer(self) -> float:
        """Seconds to hold back the answer of an export command that started its job."""
        with self.lock:
            self.commands += 1
            late = self.commands <= self.faults.late_command_answers
            return self.faults.late_answer_s if late else 0.0

    def download_fault(self) -> str | None:
        """ "reset" or "truncate" for the first N downloads, else None."""
        f = self.faults
        with self.lock:
            self.downloads += 1
            if self.downloads <= f.reset_downloads:
                return "reset"
            if self.downloads <= f.reset_downloads + f.truncate_downloads:
                return "truncate"
            return None

    def _draw(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate

    def _tenant_limit(self, tenant_id: str | None) -> Refusal | None:
        f = self.faults
        if f.tenant_rate <= 0 or tenant_id is None:
            return None
        bucket = self.buckets.get(tenant_id)
        if bucket is None:
            bucket = self.buckets[tenant_id] = TokenBucket(f.tenant_rate, f.tenant_burst)
        wait = bucket.take()
        if wait <= 0:
            return None
        return Refusal(429, "too_many_requests", "Tenant rate limit exceeded.", math.ceil(wait))
