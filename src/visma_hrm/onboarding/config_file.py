"""The config file ``visma-hrm init`` writes: its own keys set, every other key kept.

``init`` manages the access settings (``api_url``, ``token_url``, ``client_id``, ``tenants``).
A file that holds more (``change_feed``, ``history``, a ``[visma_hrm.fields]`` table, comments)
keeps all of it, in its place and with its comments: running ``init`` again to add a tenant
must never drop a setting silently. A new file also gets ``destination`` and ``duckdb_path``,
so that a person reading it sees where the data goes. A file that is not valid TOML cannot be
edited without losing what is in it: it is replaced only when asked to (``--force``).

tomlkit (a dependency of dlt) edits the document while keeping its layout; the file is written
next to its final name and renamed, so a crash leaves the old file or the new one, never half.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import Table

from visma_hrm.config import SECTION, Settings
from visma_hrm.errors import ConfigurationError

MANAGED = ("api_url", "token_url", "client_id", "tenants")
"""The keys ``init`` sets; every other key of the file is the user's and stays as it is."""


def write_config(path: Path, settings: Settings, *, replace_unreadable: bool = False) -> None:
    """Set ``init``'s keys in ``path`` (made when missing), keeping every other key.

    ``replace_unreadable``: a file that is not valid TOML is replaced by a new one (``--force``);
    otherwise it is refused, naming what to do.
    """
    document, is_new = _document(path, replace_unreadable)
    table = _settings_table(document)
    values: dict[str, Any] = {
        "api_url": settings.api_url,
        "token_url": settings.token_url,
        "client_id": settings.client_id,
        "tenants": list(settings.tenants),
    }
    if is_new:
        values.update(destination=settings.destination, duckdb_path=str(settings.duckdb_path))
    for key, value in values.items():
        if value is not None:
            table[key] = value
    _replace(path, tomlkit.dumps(document))


def _document(path: Path, replace_unreadable: bool) -> tuple[tomlkit.TOMLDocument, bool]:
    """The file's document to edit (and False), or a new one (and True)."""
    if not path.is_file():
        return tomlkit.document(), True
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8")), False
    except TOMLKitError as exc:
        if replace_unreadable:
            return tomlkit.document(), True
        raise ConfigurationError(
            f"{path} is not valid TOML ({exc}), so init cannot keep the settings in it. Fix the "
            "file, or run init with --force to replace it with a new one."
        ) from None


def _settings_table(document: tomlkit.TOMLDocument) -> Any:
    """The ``[visma_hrm]`` table; a file without one but with settings at the top level is
    read that way (``visma_hrm.config``), so it is edited there."""
    section = document.get(SECTION)
    if isinstance(section, Table):
        return section
    if section is None and any(key in document for key in MANAGED):
        return document
    if section is not None:
        raise ConfigurationError(f"[{SECTION}] in the config file must be a table of settings.")
    table = tomlkit.table()
    document[SECTION] = table
    return table


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to a new file beside ``path`` and rename it over ``path``, keeping the
    old file's permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.is_file() else None
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        if mode is not None:
            os.chmod(partial, mode)
        else:
            os.chmod(partial, 0o666 & ~_umask())
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
