"""What type each setting takes: a value from the file, the environment or a flag, converted
to it, or refused with one message that names the setting, the value, where it came from and
what it takes (``duckdb_path = 123`` or ``history = 5`` in ``visma-hrm.toml`` must never reach
the code as a number and end in a traceback).

Tenant ids are checked here too: Visma's are UUIDs, and anything else is refused before it is
sent.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from visma_hrm.errors import ConfigurationError

_TEXT = frozenset(
    {"api_url", "token_url", "client_id", "destination", "duckdb_memory_limit", "table_format"}
    | {"dataset_name", "pipeline_name", "privacy_profile", "retention_action", "lang"}
)
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")
LIST_SETTINGS = ("tenants", "datasets", "change_feed_events", "model_custom_fields")
"""Settings that take a list of names (from the environment: comma-separated)."""


class _WrongType(Exception):
    """A value of the wrong type; ``expected`` says in words what the setting takes."""

    def __init__(self, expected: str, part: tuple[str, Any] | None = None) -> None:
        super().__init__(expected)
        self.expected = expected
        self.part = part
        """The key within the setting and its value, when one entry of a table is wrong."""


def coerce(name: str, value: Any, origin: str = "") -> Any:
    """The setting's value in its type, or an error naming the setting, value and type."""
    try:
        return _convert(name, value)
    except _WrongType as wrong:
        where = f" ({origin})" if origin else ""
        if wrong.part is not None:
            name, value = f"{name}.{wrong.part[0]}", wrong.part[1]
        raise ConfigurationError(
            f"{name} = {_shown(value)}{where}: expected {wrong.expected}, not {_kind(value)}."
        ) from None


def _convert(name: str, value: Any) -> Any:
    if name == "history":
        return _history(value)
    if name in LIST_SETTINGS:
        return _names(value, "text or a list of texts")
    if name in ("duckdb_path", "pipelines_dir"):
        if not isinstance(value, str | os.PathLike):
            raise _WrongType("text (a path)")
        return Path(value)
    if name in ("concurrency", "retention"):
        return _number(value, int, "a whole number")
    if name == "job_timeout_s":
        return _number(value, float, "a number of seconds")
    if name in ("pseudonymize_keys", "change_feed", "verify_tls", "compact_after_erasure"):
        return _flag(value)
    if name in ("max_age", "max_full_age"):
        return _duration(value)
    if name == "fields":
        return _fields(value)
    if name in _TEXT and not isinstance(value, str):
        raise _WrongType("text")
    return value


_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def duration(text: str) -> dt.timedelta:
    """``26h``, ``8d``, ``90m``, ``2w``, ``1d12h`` -> a timedelta; ValueError otherwise."""
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise ValueError(text)
    moment = dt.timedelta()
    for count, unit in parts:
        moment += dt.timedelta(**{_UNITS[unit]: int(count)})
    if not moment:
        raise ValueError(text)
    return moment


def _duration(value: Any) -> dt.timedelta:
    if isinstance(value, dt.timedelta):
        return value
    try:
        return duration(value) if isinstance(value, str) else duration("")
    except ValueError:
        raise _WrongType("a duration such as 26h, 8d, 90m or 2w") from None


def _names(value: Any, expected: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return split_names(value)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise _WrongType(expected)


def _history(value: Any) -> tuple[str, ...]:
    """``history``: dataset names, ``all``, or a flag (true = all)."""
    if isinstance(value, bool):
        return ("all",) if value else ()
    if isinstance(value, str) and value.strip().lower() in _TRUE[:4]:
        return ("all",)
    if isinstance(value, str) and value.strip().lower() in _FALSE[:4]:
        return ()
    return _names(value, 'true, false, "all" or a list of dataset names')


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = value.strip().lower() if isinstance(value, str) else None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _WrongType("true or false")


def _number(value: Any, kind: type[int] | type[float], expected: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _WrongType(expected)
    if isinstance(value, float) and kind is int and not value.is_integer():
        raise _WrongType(expected)
    try:
        return kind(value)
    except ValueError:
        raise _WrongType(expected) from None


def _fields(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise _WrongType('a table of dataset = "columns"')
    out: dict[str, str] = {}
    for dataset, spec in value.items():
        try:
            out[str(dataset)] = ",".join(_names(spec, 'text ("a,b" or "!a,b") or a list'))
        except _WrongType as wrong:
            raise _WrongType(wrong.expected, (str(dataset), spec)) from None
    return out


def _shown(value: Any) -> str:
    """A value as it would be written in the config file."""
    if isinstance(value, bool):
        return str(value).lower()
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, Mapping):
        return "a table"
    return "a list" if isinstance(value, list | tuple) else "text"


_TENANT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def check_tenant_ids(tenants: Iterable[str], origin: str = "") -> tuple[str, ...]:
    """The tenant ids, each a UUID (Visma's form), or an error naming the first that is not.

    Checked wherever tenant ids come in (file, environment, flags, ``init``'s prompts): Visma
    answers a malformed id only after a minute of retries, and then in words that blame the
    customer's approval.
    """
    for tenant in tenants:
        if not _TENANT_ID.fullmatch(tenant):
            where = f" ({origin})" if origin else ""
            raise ConfigurationError(
                f"Tenant id {tenant!r}{where} is not a tenant id: Visma's tenant ids are UUIDs "
                "such as 2319d23a-7c4b-4c52-9d8e-5a1f0b6e3c21 (Integrations > Customers in the "
                "Developer Portal)."
            )
    return tuple(tenants)


def split_names(raw: str) -> tuple[str, ...]:
    """``"a, b"`` -> ``("a", "b")``: a comma-separated list as the environment gives it."""
    return tuple(part.strip() for part in raw.split(",") if part.strip())
