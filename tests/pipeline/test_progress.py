"""The live display and the plain log lines show what the run reports, and only that."""

from __future__ import annotations

import io

from rich.console import Console

from visma_hrm.cli.progress import PlainReporter, RichReporter, print_summary
from visma_hrm.client import ExportProgress
from visma_hrm.sync import SyncReport, TableReport

TENANT = "6e983b56-36f5-400d-8292-f9b2a7ffacf4"


def _console() -> Console:
    return Console(file=io.StringIO(), force_terminal=True, width=120, record=True)


def test_live_display_follows_files_bytes_and_rows() -> None:
    console = _console()
    with RichReporter(console) as live:
        live.export_progress(
            ExportProgress(
                TENANT,
                "contracts",
                "downloading",
                files_total=3,
                files_done=1,
                bytes_done=1_500_000,
            )
        )
        live.stage(TENANT, "contracts", "parsing", rows=65_536)
        shown = _render(live)
    assert "6e983b56…" in shown and "contracts" in shown and "parsing" in shown
    assert "1/3" in shown and "1.5 MB" in shown and "65,536" in shown


def _render(live: RichReporter) -> str:
    probe = _console()
    probe.print(live._render())
    return probe.export_text()


def test_plain_log_is_short_one_line_per_export() -> None:
    stream = io.StringIO()
    plain = PlainReporter(stream)
    for phase, done in (("starting", 0), ("waiting", 0), ("downloading", 0), ("downloading", 1)):
        plain.export_progress(
            ExportProgress(TENANT, "users", phase, files_total=1, files_done=done)  # type: ignore[arg-type]
        )
    plain.export_progress(ExportProgress(TENANT, "users", "done", files_total=1, files_done=1))
    for stage in ("parsing", "downloaded", "loading", "ok", "failed"):
        plain.stage(TENANT, "users", stage, rows=10)
    plain.info("Loading into duckdb (dlt load)")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].endswith(f"{TENANT} users: exported 1/1 files 0 B")
    assert lines[1].endswith("Loading into duckdb (dlt load)")


def test_verbose_plain_lines_one_per_state_change() -> None:
    stream = io.StringIO()
    plain = PlainReporter(stream, verbose=True)
    for done in (0, 0, 1):
        plain.export_progress(
            ExportProgress(TENANT, "users", "downloading", files_total=1, files_done=done)
        )
    plain.stage(TENANT, "users", "parsing", rows=10)  # per batch: not logged
    plain.stage(TENANT, "users", "ok")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].endswith(f"{TENANT} users: downloading 0/1 files 0 B")
    assert lines[-1].endswith(f"{TENANT} users: ok")
    assert "\x1b[" not in stream.getvalue()  # no terminal control codes in logs


def test_summary_names_every_problem_in_words() -> None:
    report = SyncReport(
        started_at="2026-01-01T00:00:00+00:00", destination="duckdb", dataset_name="visma_hrm"
    )
    report.tables = [
        TableReport(TENANT, "users", "full", rows_received=12, rows_inserted=12),
        TableReport(
            TENANT,
            "contracts",
            "full",
            status="failed",
            error_code="job_failed",
            message="The export job of contracts ended with status Failed [retry].",
        ),
    ]
    report.warnings.append("The filesystem destination has no SQL client")
    console = _console()
    print_summary(report, console)
    text = " ".join(console.export_text().split())  # lines wrap at the console's width
    assert "error (job_failed): tenant" in text and TENANT in text
    assert "ended with status Failed [retry]." in text  # markup-looking text printed as is
    assert "warning: The filesystem destination" in text
    assert "not everything was loaded" in text


def test_the_summary_says_where_the_data_went_what_was_kept_out_and_what_was_the_same() -> None:
    import os

    report = SyncReport("2026-01-01T00:00:00+00:00", "duckdb", "visma_hrm")
    report.location = os.path.join(os.getcwd(), "visma-hrm.duckdb")
    report.privacy_profile = "contact"
    report.fields = {"employees": "!homeemailaddress,mobilephonenumber", "users": "userid,email"}
    table = TableReport(TENANT, "employees", "incremental", rows_received=10, rows_inserted=2)
    table.rows_updated, table.rows_unchanged = 3, 5
    report.tables = [table]
    console = _console()
    print_summary(report, console)
    shown = " ".join(console.export_text().split())
    assert "into visma-hrm.duckdb (schema visma_hrm)" in shown
    assert "privacy profile contact" in shown
    assert "employees: all but 2 column(s)" in shown and "users: only 2 column(s)" in shown
    assert "received new changed same deleted rejected" in shown
    assert "ok, incremental 10 2 3 5 0 0" in shown
