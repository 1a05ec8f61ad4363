"""A headless Debian ``chromium`` driven over the DevTools protocol on a pipe, standard library
only: load a page at a given viewport width, wait for its charts, read the DOM and measurements,
and take a full-page screenshot.

``chromium --dump-dom`` cannot do this: headless windows are at least 500 px wide, so a phone
(420 px) cannot be shown that way. The DevTools protocol sets the viewport exactly, as a phone
(``Emulation.setDeviceMetricsOverride`` with ``mobile``), and evaluates script in the page.
Chromium reads commands from fd 3 and writes answers to fd 4 (``--remote-debugging-pipe``),
each a JSON document ended by a NUL byte: no port, no WebSocket library.

The network is cut off (every host name resolves to nothing), so a page that needed a CDN or
any download would be missing its charts here.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-pipe",
)
WAIT_SECONDS = 90.0
"""How long a page may take to draw its charts on a busy machine before the test gives up."""

DONE = (
    "document.body && (document.body.getAttribute('data-charts-rendered') || "
    "document.documentElement.getAttribute('data-errors'))"
)
MEASURE = """JSON.stringify({
  scrollWidth: document.documentElement.scrollWidth,
  clientWidth: document.documentElement.clientWidth,
  innerWidth: window.innerWidth,
  height: document.documentElement.scrollHeight,
  wider: Array.prototype.slice.call(document.querySelectorAll('body *')).filter(function (e) {
    var r = e.getBoundingClientRect();
    return r.right > document.documentElement.clientWidth + 0.5 && r.width > 0 &&
      !e.closest('.table-scroll');
  }).slice(0, 8).map(function (e) { return e.tagName + '.' + e.className; })
})"""
"""The page's width against the viewport, and the first elements sticking out (for the
message of a failing test; elements inside a table's own scroll box may be wider)."""


@dataclass
class Rendered:
    """What a page showed: its DOM after drawing, its widths, and a screenshot (PNG bytes)."""

    dom: str = field(repr=False)
    done: str | None
    scroll_width: int
    client_width: int
    inner_width: int
    wider: list[str]
    png: bytes = field(repr=False)


class _Pipe:
    """One DevTools connection: numbered commands, answers matched by id, events skipped."""

    def __init__(self, to_browser: int, from_browser: int, log: Path) -> None:
        self.out = to_browser
        self.inp = from_browser
        self.log = log
        self.buffer = b""
        self.next_id = 0

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.out, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            chunk = os.read(self.inp, 1 << 20)
            if not chunk:
                said = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"chromium closed the DevTools pipe; it said:\n{said}")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        document: dict[str, Any] = json.loads(message)
        return document


@contextmanager
def _chromium(profile: Path) -> Iterator[_Pipe]:
    """Chromium with its DevTools pipe on fds 3 (commands) and 4 (answers)."""
    assert CHROMIUM is not None
    commands_read, commands_write = os.pipe()
    answers_read, answers_write = os.pipe()
    # copies above 10, so that placing them on 3 and 4 cannot overwrite one another
    child_in = fcntl.fcntl(commands_read, fcntl.F_DUPFD_CLOEXEC, 10)
    child_out = fcntl.fcntl(answers_write, fcntl.F_DUPFD_CLOEXEC, 10)
    actions = [(os.POSIX_SPAWN_DUP2, child_in, 3), (os.POSIX_SPAWN_DUP2, child_out, 4)]
    log = profile.with_suffix(".log")
    profile.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as err:
        actions.append((os.POSIX_SPAWN_DUP2, err.fileno(), 2))
        argv = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"]
        pid = os.posix_spawn(CHROMIUM, argv, os.environ, file_actions=actions)
    for fd in (commands_read, answers_write, child_in, child_out):
        os.close(fd)
    pipe = _Pipe(commands_write, answers_read, log)
    try:
        yield pipe
        with contextlib.suppress(RuntimeError):  # it may close the pipe before answering
            pipe.call("Browser.close")
    finally:
        for fd in (commands_write, answers_read):
            os.close(fd)
        _reap(pid)


def _reap(pid: int) -> None:
    """Wait for the browser we started; kill it (by its own pid) if it does not end."""
    for _ in range(100):
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done:
            return
        time.sleep(0.1)
    os.kill(pid, 9)
    os.waitpid(pid, 0)


def render(
    page: Path, width: int, profile: Path, height: int = 900, shot_height: int | None = None
) -> Rendered:
    """Open ``page`` in a viewport ``width`` CSS px wide (a phone below 600 px), wait until its
    charts are drawn or a script error is recorded, and return what it showed; the screenshot
    is of the whole page, or of its top ``shot_height`` px."""
    with _chromium(profile) as pipe:
        target = pipe.call("Target.createTarget", url="about:blank")["targetId"]
        session = pipe.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1}
        pipe.call("Emulation.setDeviceMetricsOverride", session, mobile=width < 600, **metrics)
        pipe.call("Page.navigate", session, url=page.resolve().as_uri())
        done = _wait(pipe, session)
        sizes = json.loads(_evaluate(pipe, session, MEASURE))
        dom = _evaluate(pipe, session, "document.documentElement.outerHTML")
        clip = {"x": 0, "y": 0, "width": width, "height": shot_height or sizes["height"]}
        clip["scale"] = 1
        shot = pipe.call(
            "Page.captureScreenshot", session, format="png", clip=clip, captureBeyondViewport=True
        )
    return Rendered(
        dom=dom,
        done=done,
        scroll_width=sizes["scrollWidth"],
        client_width=sizes["clientWidth"],
        inner_width=sizes["innerWidth"],
        wider=sizes["wider"],
        png=base64.b64decode(shot["data"]),
    )


def _evaluate(pipe: _Pipe, session: str, expression: str) -> Any:
    result = pipe.call("Runtime.evaluate", session, expression=expression, returnByValue=True)
    return result["result"].get("value")


def _wait(pipe: _Pipe, session: str) -> str | None:
    """The page's ``data-charts-rendered`` (or its recorded errors) once it is set."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            value = _evaluate(pipe, session, DONE)
        except RuntimeError:  # asked while the page was being replaced: ask again
            value = None
        if value:
            return str(value)
        time.sleep(0.2)
    return None
