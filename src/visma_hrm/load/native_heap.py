"""The process's native heap kept small while exports are parsed (glibc's malloc tuning).

``keep_native_heap_small``, process-wide and once: called by the production reader
(``visma_hrm.load.source.default_reader``) before the first export is parsed.
``give_back_freed_memory``: called by the source every ``EXPORTS_A_TRIM`` exports. Both are
no-ops where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)


@functools.cache
def keep_native_heap_small() -> bool:
    """Make glibc give freed parse buffers back to the system; True where it applied.

    Arrow's system pool allocates through malloc. glibc raises its mmap threshold each time a
    large block is freed, so after the first batches every column buffer lands on the heap,
    and freed heap is kept: a sync's RSS grew with the export (bench/: 212 -> 620 MB while
    parsing 1M rows, with Arrow itself holding ~60 MB). Fixing the threshold (blocks of 256
    KiB or more are mapped, and unmapped when freed) and trimming the heap's free top kept
    the parse flat (~207 MB for the same file) at no measurable CPU cost. Process-wide, once.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS, Windows): nothing to tune
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, 256 * 1024) and mallopt(_M_TRIM_THRESHOLD, 0))


def give_back_freed_memory() -> None:
    """Return the free pages inside glibc's heaps to the system (``malloc_trim``).

    The tuning above maps large blocks; the many small ones of parsing thousands of small
    exports (a run of hundreds of tenants) still left holes inside the heaps that glibc keeps:
    a sync of 400 tenants x 200 employees grew by 200 MB of free heap during dlt's extract
    while every allocation still live stayed flat (memray). Trimming every 50 exports kept
    the heaps at their size before the extract (BENCHMARKS.md, 2026-12-07).
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to give back this way
        return None
    return trim
