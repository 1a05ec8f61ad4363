"""What a client needs to know: where the API is, who we are, and how patient to be.

The tuning values are defaults a person rarely changes; they live here (and not scattered as
constants) so that a test can shrink a job time limit or a link lifetime without monkeypatching.
"""

from __future__ import annotations

from dataclasses import dataclass

from visma_hrm import __version__
from visma_hrm.redact import Secret


@dataclass(frozen=True)
class ClientSettings:
    """Connection settings and retry/poll tuning for ``VismaClient``.

    ``rate_limit_patience_s`` is the total time one call may spend waiting on 429 answers
    before ``RateLimitedError``: full exports are rate limited, and a patient client finishes
    where an impatient one fails every night.
    """

    api_url: str
    token_url: str
    client_id: str
    client_secret: Secret
    poll_initial_s: float = 0.2
    poll_max_s: float = 1.5
    """Cap of the poll interval: a job is noticed on average 0.75 s after it ends (a 10 s
    cap cost 5 s per 10 s job in bench/), at one poll per 1.5 s per running job."""
    poll_factor: float = 1.5
    job_timeout_s: float = 3600.0
    max_retries: int = 8
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    rate_limit_patience_s: float = 600.0
    max_connections_per_host: int = 4
    connect_timeout_s: float = 10
    read_timeout_s: float = 120
    verify_tls: bool = True
    token_refresh_margin_s: float = 60
    user_agent: str = f"visma-hrm/{__version__}"

    def __post_init__(self) -> None:
        if not isinstance(self.client_secret, Secret):
            # A plain str would print in reprs and tracebacks; refuse it early.
            raise TypeError("client_secret must be a visma_hrm.redact.Secret")
        if self.max_connections_per_host < 1:
            raise ValueError("max_connections_per_host must be at least 1")
        if self.poll_factor < 1:
            raise ValueError("poll_factor must be at least 1 (the poll interval never shrinks)")

    @property
    def api_base(self) -> str:
        """The API URL without a trailing slash, so paths can be appended safely."""
        return self.api_url.rstrip("/")


@dataclass(frozen=True)
class FieldSelection:
    """The ``fields`` query parameter: include only some columns, or exclude some.

    The API takes ``a,b`` (only these) or ``!a,b`` (all but these; the ``!`` goes once, in
    front). Excluding pushes privacy down to Visma: excluded columns never leave its servers.
    """

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.include and self.exclude:
            raise ValueError("a FieldSelection can include or exclude columns, not both")
        for name in (*self.include, *self.exclude):
            if not name or "," in name or name.startswith("!"):
                raise ValueError(f"invalid column name in field selection: {name!r}")

    def to_param(self) -> str | None:
        """The query parameter value, or None when nothing is selected (send no parameter)."""
        if self.include:
            return ",".join(self.include)
        if self.exclude:
            return "!" + ",".join(self.exclude)
        return None
