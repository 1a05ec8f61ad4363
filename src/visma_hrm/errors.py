"""One exception hierarchy for everything the connector reports to a person.

Each error carries a message that says what to do, in terms of the manual's steps (Developer
Portal tabs, the customer's App Store approval). Messages never contain a secret, a token or a
pre-signed link: callers pass identifiers (client id, tenant id, dataset name), never
credentials, and URLs go through ``visma_hrm.redact`` before they are put in a message.

``VismaHrmError.code`` is a stable machine-readable name (used by ``--json`` output and by the
onboarding diagnosis); ``retryable`` tells the retry policy whether trying again can help.
"""

from __future__ import annotations


class VismaHrmError(Exception):
    """Base of every error the connector raises on purpose."""

    code = "error"
    retryable = False

    def __init__(self, message: str, *, tenant_id: str | None = None, dataset: str | None = None):
        super().__init__(message)
        self.message = message
        self.tenant_id = tenant_id
        self.dataset = dataset


class ConfigurationError(VismaHrmError):
    """The configuration is incomplete or contradictory (missing client id, no tenants, ...)."""

    code = "configuration"


# ----------------------------------------------------------------------------- authentication
class AuthenticationError(VismaHrmError):
    """Visma Connect refused the client id or the secret (Details / Credentials tabs)."""

    code = "invalid_client"


class TenantNotLinkedError(VismaHrmError):
    """The tenant id is not linked to the application: the invitation is not accepted yet."""

    code = "tenant_not_linked"


class DatasetNotApprovedError(VismaHrmError):
    """The customer did not approve a dataset (scope) for this application."""

    code = "dataset_not_approved"

    def __init__(
        self,
        message: str,
        *,
        tenant_id: str | None = None,
        dataset: str | None = None,
        datasets: tuple[str, ...] = (),
    ):
        super().__init__(message, tenant_id=tenant_id, dataset=dataset)
        self.datasets = datasets or ((dataset,) if dataset else ())


class TokenRefusedError(VismaHrmError):
    """Visma Connect refused a token and its answer names no cause visma-hrm recognises.

    Carries the server's own (redacted) ``error`` and ``error_description`` so that a person
    sees exactly what was said, next to the likely causes in the manual's terms.
    """

    code = "token_refused"

    def __init__(
        self,
        message: str,
        *,
        tenant_id: str | None = None,
        status: int = 0,
        error: str = "",
        description: str = "",
    ):
        super().__init__(message, tenant_id=tenant_id)
        self.status = status
        self.error = error
        self.description = description


# ----------------------------------------------------------------------------- transport
class UnreachableError(VismaHrmError):
    """The token endpoint or the API could not be reached (network, DNS, wrong URL, TLS)."""

    code = "unreachable"
    retryable = True


class RateLimitedError(VismaHrmError):
    """The API kept answering 429 beyond the configured patience."""

    code = "rate_limited"
    retryable = True


class ServerError(VismaHrmError):
    """The API kept answering 5xx, or answered something the protocol does not allow."""

    code = "server_error"
    retryable = True


class ApiError(VismaHrmError):
    """The API answered with an unexpected client error (4xx other than auth and 429)."""

    code = "api_error"


# ----------------------------------------------------------------------------- export jobs
class JobFailedError(VismaHrmError):
    """An export job ended with a status other than Completed."""

    code = "job_failed"


class JobTimedOutError(VismaHrmError):
    """An export job stayed InProgress past the time limit."""

    code = "job_timed_out"


class LinkExpiredError(VismaHrmError):
    """A result file link expired and fresh links from the query endpoint expired too."""

    code = "link_expired"


class MalformedDataError(VismaHrmError):
    """A result file could not be read at all (not CSV, truncated beyond repair, no header)."""

    code = "malformed_data"


# ----------------------------------------------------------------------------- loading
class DestinationError(VismaHrmError):
    """The destination refused the load (full disk, permissions, schema conflict, a refused
    password, a database that does not exist): trying again cannot help."""

    code = "destination"


class DestinationUnavailableError(DestinationError):
    """The destination could not be reached, or failed in a way it calls temporary."""

    code = "destination_unavailable"
    retryable = True


class ConcurrentRunError(VismaHrmError):
    """Another sync is writing the same destination (or the same tenant's tables) right now."""

    code = "concurrent_run"
    retryable = True


# ----------------------------------------------------------------------------- the run itself
class Interrupted(VismaHrmError):
    """The run received SIGINT or SIGTERM and stopped at a safe point.

    Nothing half-done stays: what was loaded before is intact, and the next run redoes what this
    one did not finish (its local working folder is a cache and is removed).
    """

    code = "interrupted"

    def __init__(self, signal_number: int, message: str) -> None:
        super().__init__(message)
        self.signal_number = signal_number


_DLT_REASON = "The actual reason given is:"


def root_cause_first(message: str) -> str:
    """Put the cause a library buried behind generic advice first.

    dlt's connection errors open with "Please check if you configured the credentials at all
    ... your internet connection may be down" and end with the real reason; a person should
    read the reason first (and the advice not at all: the reason says what is wrong).
    """
    head, sep, reason = message.partition(_DLT_REASON)
    if not sep or not reason.strip():
        return message
    prefix = head.split("Connection with", 1)[0]
    return f"{prefix}{reason.strip()}"
