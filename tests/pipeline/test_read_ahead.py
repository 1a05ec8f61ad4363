"""Parsing one batch ahead in a worker thread: the consumer sees what it saw without the worker.

``test_source.py`` runs the production reader through the worker and inline and expects the
same load (the other end-to-end suites' exports are under ``READ_AHEAD_BYTES``, so they parse
inline); these pin the handover itself: order, rejected rows in the consumer's thread,
errors, an early close, and that the worker really parses ahead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from visma_hrm.errors import MalformedDataError
from visma_hrm.load.read_ahead import read_ahead


def _parser(
    items: list[str], rejected_before: dict[str, list[str]], log: list[str]
) -> Callable[[Callable[[str], None]], Iterator[str]]:
    def parse(on_rejected: Callable[[str], None]) -> Iterator[str]:
        for item in items:
            for row in rejected_before.get(item, []):
                on_rejected(row)
            log.append(f"parsed {item} in {threading.current_thread().name}")
            yield item
        for row in rejected_before.get("end", []):
            on_rejected(row)

    return parse


def test_items_and_rejected_rows_arrive_in_order_in_the_consumers_thread() -> None:
    seen: list[str] = []
    threads: set[str] = set()

    def on_rejected(row: str) -> None:
        seen.append(f"rejected {row}")
        threads.add(threading.current_thread().name)

    parse = _parser(["a", "b", "c"], {"b": ["r1", "r2"], "end": ["r3"]}, [])
    for item in read_ahead(parse, on_rejected):
        seen.append(item)

    assert seen == ["a", "rejected r1", "rejected r2", "b", "c", "rejected r3"]
    assert threads == {threading.current_thread().name}


def test_the_worker_parses_the_next_item_while_the_consumer_holds_this_one() -> None:
    log: list[str] = []
    items = read_ahead(_parser(["a", "b", "c"], {}, log), lambda row: None)

    assert next(items) == "a"
    for _ in range(100):  # the worker needs a moment to get to the next item
        if len(log) >= 2:
            break
        threading.Event().wait(0.01)
    assert log[:2] == ["parsed a in visma-hrm-parse", "parsed b in visma-hrm-parse"]
    assert list(items) == ["b", "c"]


def test_an_error_comes_after_the_items_before_it_with_their_rejected_rows() -> None:
    def parse(on_rejected: Callable[[str], None]) -> Iterator[str]:
        yield "a"
        on_rejected("r1")
        raise MalformedDataError("file 2 is not CSV")

    seen: list[str] = []
    with pytest.raises(MalformedDataError, match="file 2 is not CSV"):
        for item in read_ahead(parse, lambda row: seen.append(f"rejected {row}")):
            seen.append(item)
    assert seen == ["a", "rejected r1"]


def test_closing_early_stops_the_worker_and_closes_the_parser() -> None:
    closed = threading.Event()

    def parse(on_rejected: Callable[[str], None]) -> Iterator[str]:
        try:
            for number in range(1_000_000):
                yield str(number)
        finally:
            closed.set()

    items = read_ahead(parse, lambda row: None)
    assert next(items) == "0"
    items.close()

    assert closed.is_set()
    assert not [t for t in threading.enumerate() if t.name == "visma-hrm-parse"]


def test_depth_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="depth"):
        next(read_ahead(_parser([], {}, []), lambda row: None, depth=0))
