"""The process's native heap kept small while big exports are parsed (glibc's malloc tuning).

Process-wide and once: called by the production reader (``visma_hrm.load.source.default_reader``)
before the first export is parsed; a no-op where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import functools

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
