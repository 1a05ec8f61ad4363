"""Write an export as CSV files on disk, streamed, split every ``rows_per_file`` rows.

RFC 4180: comma separated, CRLF line ends (every file ends with CRLF), fields quoted only
when they hold a comma, a quote or a line break, quotes doubled. Empty means null. This is the
"blob storage" behind the pre-signed links: files are written once when a job completes and
served from disk, so neither generating nor serving holds an export in memory.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterable
from pathlib import Path

from visma_hrm.sandbox.data import Row

MALFORMED_VALUE = "unexpected extra field"


class Cancelled(Exception):
    """The server stopped while an export was being written."""


def write_export(
    rows: Iterable[Row],
    columns: list[str],
    directory: Path,
    rows_per_file: int,
    *,
    bom: bool = False,
    malformed: bool = False,
    cancel: threading.Event | None = None,
) -> list[Path]:
    """Write the rows into ``directory/0.csv``, ``1.csv``, ...; always at least one file.

    ``malformed`` gives one row (the second, or the only one) an extra field, as a broken
    export would; the header stays as it is.
    """
    directory.mkdir(parents=True, exist_ok=True)
    encoding = "utf-8-sig" if bom else "utf-8"
    files: list[Path] = []
    count = 0
    iterator = iter(rows)
    pending = next(iterator, None)
    while True:
        path = directory / f"{len(files)}.csv"
        files.append(path)
        with path.open("w", encoding=encoding, newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(columns)
            written = 0
            while pending is not None and written < rows_per_file:
                values = [pending.get(c) for c in columns]
                if malformed and count == 1:
                    values.append(MALFORMED_VALUE)
                writer.writerow(values)
                count += 1
                written += 1
                pending = next(iterator, None)
        if pending is None:
            break
        if cancel is not None and cancel.is_set():
            raise Cancelled()
    if malformed and count == 1:
        _append_field_to_last_row(files[-1])
    return files


def _append_field_to_last_row(path: Path) -> None:
    """The export had one row: make that one malformed (a small file, rewritten whole)."""
    text = path.read_bytes()
    path.write_bytes(text[:-2] + f",{MALFORMED_VALUE}\r\n".encode())
