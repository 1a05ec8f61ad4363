"""Keep secrets, tokens and pre-signed links out of messages, logs and files.

A pre-signed file link is a credential: anyone holding it can read personal data until it
expires. Its query string carries the signature, so every URL that may reach a person goes
through ``redact_url`` first. ``Secret`` wraps the client secret so that ``repr``/``str`` and
f-strings never print it by accident.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_QUERY_SECRETS = re.compile(r"(?i)((?:sig|signature|token|secret|client_secret|se|exp)=)[^&\s]+")


def redact_url(url: str) -> str:
    """Drop the query string (where pre-signed links keep their signature) and any userinfo."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable url>"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    query = "<redacted>" if parts.query else ""
    return urlunsplit((parts.scheme, host, parts.path, query, ""))


def redact_text(text: str) -> str:
    """Best-effort scrub of bearer tokens, JWTs and signed query parameters in free text."""
    text = _BEARER.sub(r"\1<redacted>", text)
    text = _JWT.sub("<redacted-jwt>", text)
    return _QUERY_SECRETS.sub(r"\1<redacted>", text)


def mask_secret(text: str, secret: str, mask: str = "********") -> str:
    """Replace the secret where it stands as a value of its own, not inside other words.

    A secret that happens to be a word (``sandbox``) must not turn ``isv_sandbox`` into
    ``isv_********``: only occurrences not glued to letters, digits, ``_`` or ``-`` are masked.
    """
    if not secret:
        return text
    pattern = rf"(?<![A-Za-z0-9_-]){re.escape(secret)}(?![A-Za-z0-9_-])"
    return re.sub(pattern, mask, text)


class Secret:
    """A string that refuses to be printed. Use ``reveal()`` only where it is sent."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)
