"""A real PostgreSQL server for the test session, started from the machine's server binaries.

``pg_ctl`` refuses to run as root, so as root the data folder is made for the ``postgres`` system
user and the server runs under ``runuser`` (see shared/design-notes.md). As another user the
server simply runs as that user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str = "postgres"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def dlt_dsn(self, database: str = "postgres") -> str:
        """The DSN for dlt, which insists on a password (the server trusts local connections)."""
        return self.dsn(database).replace("postgres@", "postgres:unused@", 1)


def use_as_dlt_destination(
    server: PostgresServer, monkeypatch: pytest.MonkeyPatch, prefix: str
) -> str:
    """Configure dlt's postgres destination for this test the usual dlt way (its environment
    variable) and return a fresh schema name starting with ``prefix``."""
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", server.dlt_dsn())
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def find_bindir() -> str | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return os.path.dirname(candidates[0])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextmanager
def running_postgres(password: str | None = None) -> Iterator[PostgresServer]:
    """A server of its own; with ``password``, connections over TCP must give it (SCRAM)."""
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not found (install the postgresql package)")
    root = tempfile.mkdtemp(prefix="visma-hrm-pg-")
    data = os.path.join(root, "data")
    os.makedirs(data)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(data, "postgres", "postgres")
    port = _free_port()
    auth = ["--auth=trust"]
    if password is not None:
        secret = os.path.join(root, "password")
        with open(secret, "w", encoding="utf-8") as handle:
            handle.write(password)
        if os.geteuid() == 0:
            shutil.chown(secret, "postgres", "postgres")
        auth = ["--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={secret}"]
    subprocess.run(
        _as_postgres([f"{bindir}/initdb", "-D", data, "-U", "postgres", *auth, "-E", "UTF8"]),
        check=True,
        capture_output=True,
    )
    ctl = f"{bindir}/pg_ctl"
    subprocess.run(
        _as_postgres(
            [
                ctl,
                "-D",
                data,
                "-o",
                f"-p {port} -k /tmp -c fsync=off",
                "-l",
                f"{data}/log",
                "-w",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        _wait_ready(port)
        yield PostgresServer("127.0.0.1", port)
    finally:
        subprocess.run(
            _as_postgres([ctl, "-D", data, "-m", "immediate", "stop"]), capture_output=True
        )
        shutil.rmtree(root, ignore_errors=True)


def _wait_ready(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"PostgreSQL did not start on port {port}")
