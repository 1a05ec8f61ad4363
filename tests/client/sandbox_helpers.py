"""Helpers for the client's end-to-end tests: settings for a sandbox, a spying transport,
and an independent oracle that types the sandbox's truth the way the catalog says."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx

from visma_hrm.catalog import ColumnType, Dataset, get_dataset
from visma_hrm.client import ClientSettings, Export, RejectedRow, VismaClient, read_export
from visma_hrm.redact import Secret
from visma_hrm.sandbox import Sandbox

T = TypeVar("T")
FAST = {
    "poll_initial_s": 0.05,
    "poll_max_s": 0.5,
    "backoff_base_s": 0.05,
    "backoff_max_s": 0.5,
    "connect_timeout_s": 5,
    "read_timeout_s": 10,
}


def settings_for(sb: Sandbox, secret: str | None = None, **tuning: Any) -> ClientSettings:
    return ClientSettings(
        api_url=sb.api_url,
        token_url=sb.token_url,
        client_id=sb.client_id,
        client_secret=Secret(secret if secret is not None else sb.client_secret),
        **{**FAST, **tuning},
    )


class Spy(httpx.AsyncBaseTransport):
    """The real network transport, recording each request; can hold the first file back."""

    def __init__(self, hold_first_file_s: float = 0.0, hold_each_s: float = 0.0) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests: list[httpx.Request] = []
        self.hold_first_file_s = hold_first_file_s
        self.hold_each_s = hold_each_s
        self.in_flight = 0
        self.most_in_flight = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.hold_first_file_s and request.url.path.startswith("/files/"):
                hold, self.hold_first_file_s = self.hold_first_file_s, 0.0
                await asyncio.sleep(hold)
            await asyncio.sleep(self.hold_each_s)
            return await self.inner.handle_async_request(request)
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()

    def to(self, path_prefix: str, method: str | None = None) -> list[httpx.Request]:
        return [
            r
            for r in self.requests
            if r.url.path.startswith(path_prefix) and (method is None or r.method == method)
        ]


def with_client(
    settings: ClientSettings,
    body: Callable[[VismaClient], Awaitable[T]],
    transport: httpx.AsyncBaseTransport | None = None,
) -> T:
    async def go() -> T:
        async with VismaClient(settings, transport) as client:
            return await body(client)

    return asyncio.run(go())


def export_one(
    settings: ClientSettings,
    tenant_id: str,
    dataset: str,
    spool: Path,
    transport: httpx.AsyncBaseTransport | None = None,
    **kw: Any,
) -> Export:
    return with_client(
        settings,
        lambda c: c.export(tenant_id, get_dataset(dataset), spool_dir=spool, **kw),
        transport,
    )


def read_rows(export: Export) -> tuple[list[dict[str, Any]], list[RejectedRow]]:
    rejected: list[RejectedRow] = []
    batches = read_export(export.dataset, export.files, on_rejected=rejected.append)
    return [row for batch in batches for row in batch.to_pylist()], rejected


_TRUE = {"true", "1", "yes", "ja"}


def _typed(ctype: ColumnType, text: str | None) -> Any:
    """Python's own parsers, independent of the pyarrow path under test."""
    if text is None or text == "":
        return None
    if ctype is ColumnType.DATE:
        return dt.date.fromisoformat(text)
    if ctype is ColumnType.TIMESTAMP:
        return dt.datetime.fromisoformat(text)  # truncates the 7th fractional digit
    if ctype is ColumnType.DECIMAL:
        return Decimal(text)
    if ctype is ColumnType.INTEGER:
        return int(text)
    if ctype is ColumnType.BOOLEAN:
        return text.lower() in _TRUE
    return text


def expected_rows(dataset: Dataset, truth: list[dict[str, str | None]]) -> list[dict[str, Any]]:
    """The truth typed by the catalog, with catalog columns the export lacks as None."""
    out = []
    for row in truth:
        typed = {c.name: None for c in dataset.columns}
        typed |= {k: _typed(dataset.column_type(k), v) for k, v in row.items()}
        out.append(typed)
    return out


def _plain(value: object) -> str:
    """One text form per value: 0.5 == 0.500000, and any UTC tzinfo object prints alike."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return str(value)


def canonical(rows: list[dict[str, Any]]) -> list[str]:
    """Order-free comparison form (exports promise no row order)."""
    return sorted(json.dumps(r, sort_keys=True, default=_plain) for r in rows)


def assert_matches_truth(sb: Sandbox, export: Export) -> None:
    """The export's rows, typed by the client, equal the sandbox's truth typed independently."""
    rows, rejected = read_rows(export)
    assert rejected == []
    truth = sb.truth(export.tenant_id, export.dataset.name)
    assert truth, "the sandbox should hold rows for this dataset"
    assert canonical(rows) == canonical(expected_rows(export.dataset, truth))
