"""Benchmark: visma-hrm against the machine's limit and against the naive way.

One run, one machine, against a sandbox (in its own process) serving one tenant per size:

1. lower bound: download the export files and load them with DuckDB's own ``read_csv``;
2. ``visma-hrm sync`` (full) into DuckDB, as a user runs it;
3. the naive way of the public clients: ``csv.DictReader`` and row-by-row inserts (SQLite, the
   fastest naive variant; so "N x faster than naive" is a conservative figure);
4. an incremental sync after the sandbox clock moved so that about 1% of the rows changed;
5. the same full and incremental syncs with history and the change feed on (``history =
   "all"``, ``change_feed = true``), into a file of their own: what users who turn them on pay;
6. many tenants (``--tenants 200x500,1000x200``) in one sync each: own time per tenant, peak RSS;
7. start-up: CPU time (user + sys) of ``visma-hrm --help`` in a subprocess.

``visma-hrm`` runs from a production install (``pip install -e .``, no extras) in its own
virtual environment, created on first use (``--sync-venv``): what a user's ``pip install
visma-hrm`` gives. The test extras add pandas, which pyarrow imports on first use when it is
installed: ~38 MB more RSS in every step that parses (measured with the bench's own venv).

The machine is shared: every step records the load average (1/5/15 min) when it ended.

Each step runs in its own process, whose peak RSS (with its children) is sampled. Then, with
job delays switched on, the polling overhead per job: how long after a job is done the client
notices (export time minus job time, for a tiny dataset).

    python bench/run.py --sizes 20000,100000,300000 --markdown BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
SYNC_EXE = Path(sys.executable).with_name("visma-hrm")  # replaced by --sync-venv's in main()
ENV = {**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false", "PYTHONUNBUFFERED": "1"}
SCOPES = " ".join(
    f"hrmanalytics:nlhrm:export{s}"
    for s in ("employees", "contracts", "organizationunits", "metadata", "users")
)
EXPORTS = {
    "employees": ("nl/hrm/employees", "employeeFileUris"),
    "employee_udf_histories": (
        "nl/hrm/employees/user-defined-field-histories",
        "employeeUdfHistoryFileUris",
    ),
    "contracts": ("nl/hrm/contracts", "contractFileUris"),
    "contract_udf_histories": (
        "nl/hrm/contracts/user-defined-field-histories",
        "contractUdfHistoryFileUris",
    ),
    "organization_units": ("nl/hrm/metadata/organization-units", "organizationUnitsFileUris"),
    "cost_centers": ("nl/hrm/metadata/cost-centers", "costCentersFileUris"),
    "users": ("nl/hrm/users", "usersFileUris"),
}


@dataclass
class Step:
    name: str
    wall_s: float
    rows: int
    peak_rss_mb: float
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.wall_s if self.wall_s else 0.0

    @property
    def own_s(self) -> float:
        """Wall time less the time spent waiting for the API's export jobs to finish."""
        return self.wall_s - float(self.detail.get("api_wait_s", 0.0))


# ----------------------------------------------------------------------------- processes
def measured(
    cmd: Sequence[str], env: dict[str, str] | None = None
) -> tuple[float, float, str, float]:
    """Run a command; return wall seconds, peak RSS (MB, process tree), stdout and CPU seconds
    (user + sys of the command and the children it waited for).

    CPU time is the steadier figure on a busy machine: wall time less the API's wait still
    counts the time the run waited for the sandbox, which shares the machine's two cores.
    """
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = psutil.Popen(list(cmd), stdout=subprocess.PIPE, env=env or ENV, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                procs = [proc, *proc.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in procs))
            except psutil.Error:
                pass
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} exited {proc.returncode}:\n{out[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, peak / 1e6, out, cpu


class SandboxProcess:
    def __init__(
        self, employees: int, job_seconds: float = 0.0, seed: int = 7, tenants: int = 1
    ) -> None:
        cmd = [
            sys.executable,
            str(HERE / "sandbox_process.py"),
            f"--employees={employees}",
            f"--tenants={tenants}",
            f"--job-seconds={job_seconds}",
            f"--seed={seed}",
        ]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=ENV, text=True)
        assert self.proc.stdout is not None
        self.info: dict[str, Any] = json.loads(self.proc.stdout.readline())

    def advance(self, days: float) -> None:
        httpx.post(f"{self.info['base_url']}/sandbox/clock/advance", json={"days": days})

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


# ----------------------------------------------------------------------------- the steps
def lower_bound(info: dict[str, Any], work: Path) -> Step:
    wall, rss, out, cpu = measured(
        [sys.executable, __file__, "lower-bound", json.dumps(info), str(work)], ENV
    )
    detail = json.loads(out.strip().splitlines()[-1])
    detail["cpu_s"] = round(cpu, 2)
    detail["api_wait_s"] = detail["jobs_s"]
    detail["load_average"] = load_average()
    return Step("lower bound (download + DuckDB read_csv)", wall, detail["rows"], rss, detail)


EVERYTHING_ON = {"VISMA_HRM_HISTORY": "all", "VISMA_HRM_CHANGE_FEED": "true"}
"""History mode and the change feed, as a user turns them on."""
EVERYTHING_OFF = {"VISMA_HRM_HISTORY": "false", "VISMA_HRM_CHANGE_FEED": "false"}


def sync_step(
    name: str,
    info: dict[str, Any],
    work: Path,
    full: bool,
    tenants: Sequence[str] = (),
    concurrency: int = len(EXPORTS),
    settings: dict[str, str] | None = None,
    file: str = "visma_hrm.duckdb",
) -> Step:
    """``visma-hrm sync`` of the first tenant (or of ``tenants``), measured in its process.

    By default every export of the tenant runs at once, as the lower bound does: the API's
    job time is then the longest job, and the rest is the connector's own work.
    """
    cmd = [
        str(SYNC_EXE),
        "sync",
        "--json",
        f"--api-url={info['api_url']}",
        f"--token-url={info['token_url']}",
        f"--client-id={info['client_id']}",
        f"--duckdb-path={work / file}",
        f"--concurrency={concurrency}",
    ]
    if not tenants:
        cmd.append(f"--tenant={info['tenant_ids'][0]}")
    if full:
        cmd.append("--full-refresh")
    env = {
        **ENV,
        **(EVERYTHING_OFF if settings is None else settings),
        "VISMA_HRM_CLIENT_SECRET": info["client_secret"],
        "VISMA_HRM_PIPELINES_DIR": str(work / "pipelines"),
    }
    if tenants:
        env["VISMA_HRM_TENANTS"] = ",".join(tenants)
    wall, rss, out, cpu = measured(cmd, env)
    report = json.loads(out[out.index("{") :])
    rows = sum(t["rows_received"] for t in report["tables"])
    detail = {
        "load_seconds": report.get("load_seconds"),
        "seconds": report.get("seconds"),
        "inserted": sum(t["rows_inserted"] for t in report["tables"]),
        "api_wait_s": max((t.get("job_seconds") or 0.0) for t in report["tables"]),
        "job_seconds_sum": sum((t.get("job_seconds") or 0.0) for t in report["tables"]),
        "failed": [t["dataset"] for t in report["tables"] if t["status"] != "ok"],
        "load_average": load_average(),
        "cpu_s": round(cpu, 2),
    }
    return Step(name, wall, rows, rss, detail)


def naive(work: Path, download_s: float, target: str, sample: int = 2000) -> Step:
    """The naive client, charged the same download time as the lower bound."""
    cmd = [sys.executable, __file__, "naive", str(work / "files"), target, str(sample)]
    _, rss, out, _ = measured(cmd, ENV)
    detail = json.loads(out.strip().splitlines()[-1])
    detail["download_s"] = download_s
    how = "extrapolated from a sample" if target == "duckdb" else "every row"
    name = f"naive: DictReader + row inserts into {target} ({how})"
    return Step(name, detail["estimated_s"] + download_s, detail["rows"], rss, detail)


def many_tenants(tenants: int, employees: int, concurrency: int) -> Step:
    """``tenants`` tenants of ``employees`` employees in one ``visma-hrm sync`` (full, first).

    The API's job time here is the sum of every export's job time spread over the
    concurrency limit: the wall time a run bound only by the API would take. The rest, per
    tenant, is the connector's own time per tenant.
    """
    sandbox = SandboxProcess(employees, tenants=tenants)
    work = Path(tempfile.mkdtemp(prefix=f"visma-hrm-bench-{tenants}x{employees}-"))
    try:
        step = sync_step(
            f"visma-hrm sync, {tenants} tenants x {employees:,} employees",
            sandbox.info,
            work,
            full=True,
            tenants=sandbox.info["tenant_ids"],
            concurrency=concurrency,
        )
    finally:
        sandbox.stop()
        shutil.rmtree(work, ignore_errors=True)
    jobs = float(step.detail.pop("job_seconds_sum"))
    step.detail.update(
        tenants=tenants,
        concurrency=concurrency,
        api_wait_s=jobs / concurrency,
        own_per_tenant_s=(step.wall_s - jobs / concurrency) / tenants,
    )
    return step


def startup(runs: int = 5) -> dict[str, Any]:
    """CPU time (user + sys) of ``visma-hrm --help`` in a subprocess, each run and the least."""
    import resource

    exe = str(SYNC_EXE)
    cpu: list[float] = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([exe, "--help"], env=ENV, check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        cpu.append(round(used, 3))
    return {"command": "visma-hrm --help", "cpu_s": cpu, "min_cpu_s": min(cpu)}


def production_install(venv: Path) -> Path:
    """``visma-hrm`` of this checkout installed with its production dependencies only (no
    extras; editable, so the code is the checkout's) in ``venv``: created when missing, and
    brought up to the checkout's pins on every run."""
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    print(f"bench: visma-hrm (no extras) in {venv}", flush=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "-e", str(PROJECT)], check=True)
    return venv / "bin" / "visma-hrm"


def installed_versions(exe: Path) -> dict[str, str]:
    """The versions the measured ``visma-hrm`` runs with (its own venv's, not the bench's)."""
    code = (
        "import json; from importlib.metadata import version as v; "
        "print(json.dumps({p: v(p) for p in ('visma-hrm', 'dlt', 'duckdb', 'pyarrow', 'httpx')}))"
    )
    done = subprocess.run(
        [str(exe.with_name("python")), "-c", code], check=True, capture_output=True, text=True
    )
    versions: dict[str, str] = json.loads(done.stdout)
    return versions


def load_average() -> str:
    """The machine's 1/5/15-minute load, to read every figure against (it is shared)."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


# ----------------------------------------------------------------------------- in the child
async def _download_all(info: dict[str, Any], target: Path) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=600) as http:
        form = {
            "grant_type": "client_credentials",
            "client_id": info["client_id"],
            "client_secret": info["client_secret"],
            "tenant_id": info["tenant_ids"][0],
            "scope": SCOPES,
        }
        token = (await http.post(info["token_url"], data=form)).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        started = time.perf_counter()
        uris = await asyncio.gather(*(_job(http, info["api_url"], auth, name) for name in EXPORTS))
        jobs_s = time.perf_counter() - started
        started = time.perf_counter()
        for name, links in zip(EXPORTS, uris, strict=True):
            (target / name).mkdir(parents=True)
            for index, link in enumerate(links):
                async with http.stream("GET", link) as response:
                    with (target / name / f"{index:05d}.csv").open("wb") as fh:
                        async for chunk in response.aiter_bytes(1 << 20):
                            fh.write(chunk)
        return {"jobs_s": jobs_s, "download_s": time.perf_counter() - started}


async def _job(http: httpx.AsyncClient, api: str, auth: dict[str, str], name: str) -> list[str]:
    path, field_name = EXPORTS[name]
    job_id = (await http.post(f"{api}/v1/command/{path}", headers=auth)).json()["jobId"]
    while True:
        answer = await http.get(f"{api}/v1/query/{path}/{job_id}", headers=auth)
        body = answer.json()
        if body["status"] == "Completed":
            return list(body.get(field_name) or [])
        await asyncio.sleep(0.05)


def child_lower_bound(info_json: str, work: str) -> None:
    """Download every file, then DuckDB's own ``read_csv`` of each dataset's files into a table
    (``union_by_name``: DuckDB sniffs each file on its own, and with the sandbox's custom
    fields a later file of a dataset can sniff its dates as timestamps)."""
    import duckdb

    target = Path(work) / "files"
    timings = asyncio.run(_download_all(json.loads(info_json), target))
    started = time.perf_counter()
    db = duckdb.connect(str(Path(work) / "lower_bound.duckdb"))
    rows = 0
    for name in EXPORTS:
        files = sorted(str(p) for p in (target / name).glob("*.csv"))
        if not files:
            continue
        reader = "read_csv(?, header = true, union_by_name = true)"
        db.execute(f"CREATE TABLE {name} AS SELECT * FROM {reader}", [files])
        rows += db.execute(f"SELECT count(*) FROM {name}").fetchone()[0]  # type: ignore[index]
    db.close()
    timings["load_s"] = time.perf_counter() - started
    print(json.dumps({"rows": rows, **timings}))


def child_naive(files_dir: str, target: str, sample: int) -> None:
    """What public clients do: DictReader, then one INSERT per row.

    Into DuckDB a row-by-row insert is so slow (thousands of seconds for a million rows) that
    only the first ``sample`` rows of each table are inserted and the insert time is
    extrapolated to all rows; every row is still parsed. Into SQLite every row is inserted.
    """
    import duckdb

    folder = Path(files_dir)
    db: Any = (
        duckdb.connect(str(folder.parent / "naive.duckdb"))
        if target == "duckdb"
        else sqlite3.connect(str(folder.parent / "naive.sqlite"))
    )
    limit = sample if target == "duckdb" else sys.maxsize
    rows = inserted = 0
    insert_s = 0.0
    started = time.perf_counter()
    for table_dir in sorted(folder.iterdir()):
        sql, in_table = "", 0
        for path in sorted(table_dir.glob("*.csv")):
            with path.open(encoding="utf-8-sig", newline="") as fh:
                for row in csv.DictReader(fh):
                    rows += 1
                    if not sql:
                        sql = _naive_table(db, table_dir.name, list(row))
                    if in_table < limit:
                        began = time.perf_counter()
                        db.execute(sql, list(row.values()))
                        insert_s += time.perf_counter() - began
                        in_table += 1
        inserted += in_table
    db.commit()
    db.close()
    parse_s = time.perf_counter() - started - insert_s
    estimate = parse_s + insert_s * rows / max(inserted, 1)
    result = {"rows": rows, "inserted": inserted, "parse_s": parse_s, "insert_s": insert_s}
    print(json.dumps({**result, "estimated_s": estimate}))


def _naive_table(db: Any, name: str, columns: list[str]) -> str:
    db.execute(
        f'CREATE TABLE "{name}" ({", ".join(f"{chr(34)}{c}{chr(34)} TEXT" for c in columns)})'
    )
    return f'INSERT INTO "{name}" VALUES ({", ".join("?" for _ in columns)})'


# ----------------------------------------------------------------------------- polling
def polling_overhead(job_seconds: Sequence[float]) -> list[dict[str, float]]:
    """Export a tiny dataset from sandboxes whose jobs take D seconds: overhead = time - D."""
    results = []
    for delay in job_seconds:
        sandbox = SandboxProcess(employees=50, job_seconds=delay)
        try:
            took = asyncio.run(_export_once(sandbox.info))
        finally:
            sandbox.stop()
        results.append({"job_s": delay, "export_s": took, "overhead_s": took - delay})
    return results


async def _export_once(info: dict[str, Any]) -> float:
    from visma_hrm.catalog import DATASETS
    from visma_hrm.client import ClientSettings, VismaClient
    from visma_hrm.redact import Secret

    settings = ClientSettings(
        api_url=info["api_url"],
        token_url=info["token_url"],
        client_id=info["client_id"],
        client_secret=Secret(info["client_secret"]),
    )
    tenant = info["tenant_ids"][0]
    with tempfile.TemporaryDirectory() as spool:
        async with VismaClient(settings) as client:
            await client.approved_datasets(tenant, [DATASETS["cost_centers"]])
            started = time.perf_counter()
            await client.export(tenant, DATASETS["cost_centers"], spool_dir=Path(spool))
            return time.perf_counter() - started


# ----------------------------------------------------------------------------- the run
def bench_size(employees: int, advance_days: float) -> list[Step]:
    sandbox = SandboxProcess(employees)
    work = Path(tempfile.mkdtemp(prefix=f"visma-hrm-bench-{employees}-"))
    try:
        lower = lower_bound(sandbox.info, work)
        full = sync_step("visma-hrm sync, full", sandbox.info, work, full=True)
        slow = naive(work, lower.detail["download_s"], "duckdb")
        sqlite = naive(work, lower.detail["download_s"], "sqlite")
        on = {"settings": EVERYTHING_ON, "file": "everything_on.duckdb"}
        full_on = sync_step("visma-hrm sync, full, history + feed", sandbox.info, work, True, **on)
        sandbox.advance(advance_days)
        incremental = sync_step("visma-hrm sync, incremental", sandbox.info, work, full=False)
        incremental_on = sync_step(
            "visma-hrm sync, incremental, history + feed", sandbox.info, work, False, **on
        )
        return [lower, full, slow, incremental, sqlite, full_on, incremental_on]
    finally:
        sandbox.stop()
        shutil.rmtree(work, ignore_errors=True)


def render_extra(tenants: Sequence[Step], start: dict[str, Any] | None) -> str:
    """The many-tenant cases and the start-up figure, as Markdown tables."""
    lines: list[str] = []
    if tenants:
        lines += [
            "| case | wall s | API job time / concurrency s | own s per tenant "
            "| CPU s per tenant | rows | peak RSS MB | load average |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for case in tenants:
            d = case.detail
            lines.append(
                f"| {case.name} (concurrency {d['concurrency']}) | {case.wall_s:.1f} "
                f"| {d['api_wait_s']:.1f} | {d['own_per_tenant_s']:.3f} "
                f"| {d['cpu_s'] / d['tenants']:.3f} | {case.rows:,} "
                f"| {case.peak_rss_mb:.0f} | {d['load_average']} |"
            )
        lines.append("")
    if start is not None:
        runs = ", ".join(f"{c:.2f}" for c in start["cpu_s"])
        lines += [
            "| start-up | CPU s (user+sys), least of runs | runs |",
            "|---|---|---|",
            f"| `{start['command']}` | {start['min_cpu_s']:.2f} | {runs} |",
            "",
        ]
    return "\n".join(lines)


def cpu_of(step: Step) -> str:
    """The step's CPU seconds, or "-" for the naive ways (extrapolated, not measured whole)."""
    cpu = step.detail.get("cpu_s")
    return f"{cpu:.1f}" if cpu is not None else "-"


def cpu_ratio(step: Step, base: Step, spec: str = ".2f") -> str:
    """``step``'s CPU seconds over ``base``'s ("x" for a factor), "-" where one is missing."""
    mine, theirs = step.detail.get("cpu_s"), base.detail.get("cpu_s")
    if not mine or not theirs:
        return "-"
    return f"{mine / theirs:{spec}}" + ("x" if spec.endswith("f") else "")


def render(results: dict[int, list[Step]], polling: list[dict[str, float]]) -> str:
    """Tables for BENCHMARKS.md. "own s" leaves out the wait for the API's export jobs (the
    sandbox generates data in Python, the real API takes its own time): it is the work of
    the connector, or of the lower bound, alone."""
    lines = [
        f"Machine: {platform.machine()}, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}, "
        f"load average (1/5/15 min) at the end: {load_average()}",
        "",
        "| employees | step | wall s | own s | CPU s | rows | rows/s (wall) | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size, steps in results.items():
        for s in steps:
            lines.append(
                f"| {size:,} | {s.name} | {s.wall_s:.1f} | {s.own_s:.1f} | {cpu_of(s)} "
                f"| {s.rows:,} | {s.rows_per_s:,.0f} | {s.peak_rss_mb:.0f} |"
            )
    lines += [
        "",
        "| employees | ours / lower bound (wall) | ours / lower bound (own) | naive / ours "
        "| incremental / full (wall) | incremental / full (own) "
        "| history + feed / off, full (own) | history + feed / off, incremental (own) "
        "| ours / lower bound (CPU) | incremental / full (CPU) "
        "| history + feed / off, full (CPU) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, (lower, full, slow, incr, _sqlite, full_on, incr_on) in results.items():
        lines.append(
            f"| {size:,} | {full.wall_s / lower.wall_s:.2f}x | {full.own_s / lower.own_s:.2f}x "
            f"| {slow.wall_s / full.wall_s:.1f}x | {incr.wall_s / full.wall_s:.1%} "
            f"| {incr.own_s / full.own_s:.1%} ({incr.rows:,} rows) "
            f"| {full_on.own_s / full.own_s:.2f}x | {incr_on.own_s / incr.own_s:.2f}x "
            f"| {cpu_ratio(full, lower)} | {cpu_ratio(incr, full, '.1%')} "
            f"| {cpu_ratio(full_on, full)} |"
        )
    lines += ["", "| job time s | export time s | polling overhead s |", "|---|---|---|"]
    for p in polling:
        lines.append(f"| {p['job_s']:.0f} | {p['export_s']:.2f} | {p['overhead_s']:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "lower-bound":
        return child_lower_bound(args[1], args[2])
    if args and args[0] == "naive":
        return child_naive(args[1], args[2], int(args[3]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,100000,300000")
    parser.add_argument("--advance-days", type=float, default=1.0)
    parser.add_argument("--job-delays", default="2,10")
    parser.add_argument("--markdown", type=Path, help="also write the tables to this file")
    parser.add_argument("--json", type=Path, help="also write raw figures as JSON")
    parser.add_argument(
        "--tenants",
        default="200x500,1000x200",
        help="many-tenant cases: TENANTSxEMPLOYEES, comma-separated, one sync each ('' to skip)",
    )
    parser.add_argument("--tenant-concurrency", type=int, default=8)
    parser.add_argument(
        "--sync-venv",
        type=Path,
        default=PROJECT / ".venv-bench",
        help="virtual environment with a production install of visma-hrm (created if missing)",
    )
    opts = parser.parse_args(args)
    for output in (o for o in (opts.markdown, opts.json) if o):
        output.parent.mkdir(parents=True, exist_ok=True)  # bench/results is not in a clone
    global SYNC_EXE
    SYNC_EXE = production_install(opts.sync_venv)
    start = startup()
    print(render_extra([], start), flush=True)
    results = {}
    for size in (int(s) for s in opts.sizes.split(",") if s):
        results[size] = bench_size(size, opts.advance_days)
        print(render({size: results[size]}, []), flush=True)
    tenants = []
    for case in (c for c in opts.tenants.lower().split(",") if c):
        count, employees = (int(n) for n in case.split("x"))
        tenants.append(many_tenants(count, employees, opts.tenant_concurrency))
        print(render_extra(tenants[-1:], None), flush=True)
    polling = polling_overhead([float(d) for d in opts.job_delays.split(",") if d])
    table = render(results, polling) + "\n" + render_extra(tenants, start)
    print(table)
    if opts.markdown:
        opts.markdown.write_text(table, encoding="utf-8")
    if opts.json:
        raw = {str(k): [asdict(s) for s in v] for k, v in results.items()}
        figures = {
            "sizes": raw,
            "polling": polling,
            "many_tenants": asdict(tenants[0]) if tenants else None,
            "many_tenants_cases": [asdict(case) for case in tenants],
            "startup": start,
            "sync_install": {"venv": str(opts.sync_venv), **installed_versions(SYNC_EXE)},
            "load_average": load_average(),
        }
        opts.json.write_text(json.dumps(figures, indent=2))
    return None


if __name__ == "__main__":
    main()
