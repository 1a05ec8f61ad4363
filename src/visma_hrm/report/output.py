"""Writing the report file: whole or not at all, and nothing left behind when it fails.

The text goes to a hidden temporary file next to the final name (same directory, so same
filesystem) and is renamed over it only when complete; on any failure, an interrupt included,
the temporary file and any directory made for it are removed again. A target that is a
directory is refused before any work is done.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from visma_hrm.errors import ConfigurationError
from visma_hrm.messages import text


class OutputPathError(ConfigurationError):
    """The output path cannot be the report file (it is a directory): fix the command line."""

    code = "file"


def check_output(path: Path, lang: str = "en") -> None:
    """Refuse a directory as the report file, naming a file in it that would do."""
    if path.is_dir():
        example = path / "visma_hrm_report.html"
        raise OutputPathError(text("report.output_is_dir", lang, path=path, example=example))


def write_atomically(path: Path, content: str, lang: str = "en") -> Path:
    """Write ``content`` to ``path`` (UTF-8) so that it is either complete or untouched."""
    check_output(path, lang)
    made = _missing_parents(path.parent)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    try:
        with partial.open("x", encoding="utf-8") as out:  # "x": never someone else's file
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        for directory in made:  # deepest first; only the ones made here, only when empty
            try:
                directory.rmdir()
            except OSError:
                break
        raise
    return path


def _missing_parents(directory: Path) -> list[Path]:
    """The directories ``mkdir(parents=True)`` would make, the deepest first."""
    missing = []
    while not directory.exists() and directory != directory.parent:
        missing.append(directory)
        directory = directory.parent
    return missing
