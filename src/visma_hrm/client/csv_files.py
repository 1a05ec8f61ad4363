"""Is a downloaded result file whole? Line breaks outside quotes, the header, the last record.

A download cut off in transfer can end anywhere, even right after a line break *inside* a
quoted value; loading it would silently lose the rows after the cut while the cursor moves past
them. These checks read bytes only (no pyarrow), so the client can ask them right after each
download, and the CSV reader (``csv_arrow``) uses the same rules to split off a cut last record.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import BinaryIO

from visma_hrm.errors import MalformedDataError


def file_is_whole(path: Path) -> bool:
    """True when the file is empty or ends with a line break that is outside quotes.

    The last byte alone is not enough: a download cut right after a line break *inside* a
    quoted value also ends with one, and pyarrow would load the open value as if it were
    closed. With RFC 4180 quoting a line break is outside quotes when an even number of quote
    characters precedes it (a doubled quote counts twice, so escaping keeps the parity).
    """
    with path.open("rb") as handle:
        return _whole(handle, path.stat().st_size, _count_quotes(handle))


def _count_quotes(handle: BinaryIO) -> int:
    handle.seek(0)
    quotes = 0
    while chunk := handle.read(1 << 20):
        quotes += chunk.count(b'"')
    return quotes


def _whole(handle: BinaryIO, size: int, quotes: int) -> bool:
    if size == 0:
        return True
    handle.seek(size - 1)
    return handle.read(1) == b"\n" and quotes % 2 == 0


def last_record_is_complete(path: Path) -> bool:
    """True when a file that lacks its final line break still ends in a whole record.

    Some producers simply omit the last line break. Such a file is kept when its quotes are
    balanced and its last line has as many fields as the header; anything else was cut off in
    transfer, and loading it would silently lose the rows after the cut.
    """
    header = read_header(path)
    cut = cut_tail(path)
    if header is None or cut is None:
        return True
    _, tail = cut
    # the quotes before the tail are balanced by construction, so the tail's decide
    if tail.count('"') % 2:
        return False
    fields = next(csv.reader(io.StringIO(tail)), [])
    return len(fields) == len(header)


def cut_tail(path: Path) -> tuple[int, str] | None:
    """Where the text after the last line break outside quotes starts, and that text.

    None when the file is whole (see ``file_is_whole``).
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        quotes = _count_quotes(handle)
        if _whole(handle, size, quotes):
            return None
        end = _last_record_end(handle, size, quotes)
        handle.seek(end)
        return end, handle.read().decode("utf-8", errors="replace")


def _last_record_end(handle: BinaryIO, size: int, quotes: int) -> int:
    """Offset just after the last line feed that has an even number of quotes before it."""
    after = 0  # quotes at or after the current window's end
    position = size
    while position > 0:
        start = max(0, position - (1 << 16))
        handle.seek(start)
        window = handle.read(position - start)
        index = len(window)
        while (index := window.rfind(b"\n", 0, index)) >= 0:
            before = quotes - after - window.count(b'"', index)
            if before % 2 == 0:
                return start + index + 1
        after += window.count(b'"')
        position = start
    return 0


def read_header(path: Path) -> list[str] | None:
    """The header's column names, read with the csv module; None for an empty file.

    Only the header line is decoded here; the rows are pyarrow's business.
    """
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
        while b"\n" not in head and (more := handle.read(1 << 16)):
            head += more
    if not head.strip():
        return None
    line = head.split(b"\n", 1)[0]
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedDataError(f"Result file {path.name}: header is not UTF-8 ({exc}).") from None
    row = next(csv.reader([text]), [])
    if not any(name.strip() for name in row):
        raise MalformedDataError(f"Result file {path.name} has no header row.")
    return row
