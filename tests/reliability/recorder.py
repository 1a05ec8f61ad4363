"""A sandbox that remembers what it said: every request line, every token, every signed link.

The sandbox itself logs nothing secret and keeps no list of what it handed out (by design). The
security and privacy tests need exactly that list: the access tokens and link signatures that
must never show up anywhere, and the ``fields`` the connector really sent. An ASGI wrapper
around the sandbox's own app records them, without changing a byte of any answer.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from visma_hrm.sandbox import Sandbox, SandboxConfig
from visma_hrm.sandbox import server as sandbox_server

_SIG = re.compile(r"[?&]sig=([^&\"\s]+)")


@dataclass
class Call:
    """One request the sandbox answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    status: int = 0
    header_line: str | None = None
    """The first line of a served CSV file (its column names)."""


@dataclass
class Recording:
    """What the sandbox saw and handed out, filled while it runs (thread-safe appends)."""

    calls: list[Call] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    signatures: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def secrets(self) -> set[str]:
        """Every credential handed out: tokens, their signature parts, link signatures."""
        with self.lock:
            found = set(self.tokens) | set(self.signatures)
            found |= {t.rsplit(".", 1)[-1] for t in self.tokens}
        return {s for s in found if len(s) >= 16}

    def commands(self) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.path.startswith("/v1/command/")]

    def statuses(self, prefix: str = "/") -> list[int]:
        with self.lock:
            return [c.status for c in self.calls if c.path.startswith(prefix)]

    def clear(self) -> None:
        with self.lock:
            self.calls.clear()


class _Recorder:
    """ASGI middleware: passes every message through untouched and notes what matters."""

    def __init__(self, app: Any, recording: Recording) -> None:
        self.app = app
        self.recording = recording

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        call = Call(scope["method"], scope["path"], query)
        with self.recording.lock:
            self.recording.calls.append(call)
        body = bytearray()
        keep_body = scope["path"] == "/connect/token" or scope["path"].startswith("/v1/query/")

        async def recording_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                call.status = int(message["status"])
            elif message["type"] == "http.response.body":
                chunk = bytes(message.get("body", b""))
                if keep_body:
                    body.extend(chunk)
                elif call.header_line is None and chunk and scope["path"].startswith("/files/"):
                    first = chunk.split(b"\n", 1)[0].rstrip(b"\r")
                    call.header_line = first.decode("utf-8-sig", errors="replace")
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            if keep_body:
                self._note_credentials(bytes(body))

    def _note_credentials(self, body: bytes) -> None:
        text = body.decode("utf-8", errors="replace")
        try:
            payload = json.loads(text)
        except ValueError:
            payload = None
        with self.recording.lock:
            if isinstance(payload, dict) and isinstance(payload.get("access_token"), str):
                self.recording.tokens.add(payload["access_token"])
            self.recording.signatures.update(_SIG.findall(text))


@contextmanager
def recording_sandbox(config: SandboxConfig) -> Iterator[tuple[Sandbox, Recording]]:
    """Start a sandbox whose app is wrapped by the recorder; stop it on exit."""
    recording = Recording()
    original = sandbox_server.build_app

    def build(state: Any) -> Any:
        return _Recorder(original(state), recording)

    sandbox_server.build_app = build  # only for this start: the app is built once
    try:
        sandbox = Sandbox(config).start()
    finally:
        sandbox_server.build_app = original
    try:
        yield sandbox, recording
    finally:
        sandbox.stop()
