"""Parsing the next batch of an export on the second core while dlt writes the previous one.

A full sync's extract is two kinds of work taking turns in one thread: pyarrow parsing and
typing the CSV (``visma_hrm.client.read_export``) and dlt writing each batch to its load
package. Both spend most of their time in C++ that releases the GIL, so a worker thread that
parses one batch ahead lets them overlap on a 2-core machine (BENCHMARKS.md: the sync used as
much CPU as DuckDB's own reader, but on one core).

What the consumer sees is unchanged: the same batches in the same order, each export's rejected
rows handed to its callback in the consumer's thread and in the same order relative to the
batches, the reader's error raised where the reader raised it. At most ``depth`` parsed batches
wait between the two threads, so memory stays bounded by the batch size, not the export's.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar, cast

Item = TypeVar("Item")
Rejected = TypeVar("Rejected")

_POLL_SECONDS = 0.1
"""How often a waiting thread looks whether the other side has gone (a closed consumer)."""


@dataclass
class _Parcel(Generic[Item, Rejected]):
    """What the worker hands over: rejected rows found so far, then a batch, an end or an error."""

    rejected: list[Rejected]
    item: Item | None = None
    error: BaseException | None = None
    last: bool = False


@dataclass
class _Handover(Generic[Item, Rejected]):
    """The bounded queue between the parsing worker and the consumer, and the stop flag."""

    depth: int
    parcels: queue.Queue[_Parcel[Item, Rejected]] = field(init=False)
    closed: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.parcels = queue.Queue(maxsize=self.depth)

    def give(self, parcel: _Parcel[Item, Rejected]) -> bool:
        """Put a parcel, waiting for room; False once the consumer has gone."""
        while not self.closed.is_set():
            try:
                self.parcels.put(parcel, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False


def read_ahead(
    parse: Callable[[Callable[[Rejected], None]], Iterable[Item]],
    on_rejected: Callable[[Rejected], None],
    depth: int = 1,
) -> Generator[Item, None, None]:
    """``parse(collect)``'s items, parsed in a worker thread up to ``depth`` items ahead.

    ``parse`` gets a callback for rejected rows in place of ``on_rejected``: the worker
    collects them and the consumer replays them to ``on_rejected`` before the next item, as
    they would have come without the worker. Closing the iterator early stops the worker.
    """
    if depth < 1:
        raise ValueError("depth must be at least 1")
    handover: _Handover[Item, Rejected] = _Handover(depth)
    worker = threading.Thread(
        target=_parse_into, args=(parse, handover), name="visma-hrm-parse", daemon=True
    )
    worker.start()
    try:
        while True:
            parcel = handover.parcels.get()
            for row in parcel.rejected:
                on_rejected(row)
            if parcel.error is not None:
                raise parcel.error
            if parcel.last:
                return
            yield cast(Item, parcel.item)  # set on every parcel that is not the last
    finally:
        handover.closed.set()
        worker.join()


def _parse_into(
    parse: Callable[[Callable[[Rejected], None]], Iterable[Item]],
    handover: _Handover[Item, Rejected],
) -> None:
    """The worker: every item with the rejected rows found before it, then the end or error."""
    rejected: list[Rejected] = []
    items = iter(parse(rejected.append))
    try:
        for item in items:
            if not handover.give(_Parcel(rejected[:], item)):
                return
            rejected.clear()
    except BaseException as error:  # handed to the consumer, raised there
        handover.give(_Parcel(rejected[:], error=error))
        return
    finally:
        if isinstance(items, Generator):  # a consumer gone early: close the files now
            items.close()
    handover.give(_Parcel(rejected[:], last=True))
