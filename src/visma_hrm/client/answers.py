"""Reading the API's JSON answers: fields without regard to case, a job's file list, error text.

The answers' shapes are known from the manual and public clients only, so every reader here is
lenient where it can be (``jobId`` or ``JobId``) and says so where it cannot (a file list that
is not a list of links), never guessing silently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

from visma_hrm.redact import redact_text

log = logging.getLogger("visma_hrm.client")

JsonObject = dict[str, object]


@dataclass
class JobResult:
    """What the query endpoint says about a completed job."""

    change_timestamp_before: str | None
    uris: list[str]


def json_object(response: httpx.Response) -> JsonObject | None:
    """The answer's body when it is a JSON object, else None."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def field(body: JsonObject | None, name: str) -> object:
    """A JSON field, matched without regard to case (``jobId`` / ``JobId``)."""
    if not body:
        return None
    if name in body:
        return body[name]
    lowered = name.lower()
    for key, value in body.items():
        if key.lower() == lowered:
            return value
    return None


def server_message(response: httpx.Response) -> str:
    """The error text of an API answer (JSON ``message``/``error_description``/``title``),
    scrubbed of anything that looks like a token or a signed link, and kept short."""
    body = json_object(response) or {}
    for key in ("message", "error_description", "title", "detail", "error"):
        value = field(body, key)
        if isinstance(value, str) and value.strip():
            return redact_text(value.strip())[:300]
    return ""


def file_uris(body: JsonObject, field_name: str) -> list[str] | None:
    """The file links of a Completed job; null or a missing list means zero files.

    If the catalog's field is absent but exactly one ``...FileUris`` field is present, that
    one is used (with a warning): a renamed field must not turn into a silent empty export.
    """
    value = field(body, field_name)
    if value is None and not any(k.lower() == field_name.lower() for k in body):
        others = [k for k in body if k.lower().endswith("fileuris")]
        if len(others) == 1:
            log.warning("file list field %s missing; using %s", field_name, others[0])
            value = body[others[0]]
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
        return None
    return [str(u) for u in value]
