"""The README and docs name only files a user of the repository has."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
DOCS = [ROOT / "README.md", ROOT / "BENCHMARKS.md", *sorted((ROOT / "docs").glob("*.md"))]
PATH = re.compile(r"`((?:[\w.-]+/)+[\w.-]+\.(?:py|md|toml|sh|txt|ya?ml))`")


def _exists(name: str) -> bool:
    return any((base / name).exists() for base in (ROOT, ROOT / "src", ROOT / "src/visma_hrm"))


def test_docs_name_only_files_in_the_repository() -> None:
    missing = [
        f"{doc.name}: {name}"
        for doc in DOCS
        for name in PATH.findall(doc.read_text(encoding="utf-8"))
        if not name.startswith((".dlt/", "./")) and not _exists(name)  # a user's own files
    ]
    assert missing == []
    for doc in DOCS:
        assert "shared/" not in doc.read_text(encoding="utf-8"), doc.name


def test_the_readme_lists_every_command_with_the_options_its_help_shows() -> None:
    """The README's table of commands and options is what ``-h`` says, command by command."""
    from typer.testing import CliRunner

    from visma_hrm.cli import WORKFLOW_ORDER, app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z]+)` \| [^|]+ \| (.+) \|$", readme, flags=re.MULTILINE)
    listed = {command: re.findall(r"`([^`]+)`", options) for command, options in rows}
    assert list(listed) == list(WORKFLOW_ORDER)
    for command in WORKFLOW_ORDER:
        help_text = CliRunner().invoke(app, [command, "-h"], env={"COLUMNS": "200"}).output
        shown = re.findall(
            r"^  (?:(-\w), )?(--[\w-]+)", help_text.split("Options:", 1)[1], flags=re.MULTILINE
        )
        expected = [
            {"--quiet": "-q", "--verbose": "-v"}.get(long, f"{short}/{long}" if short else long)
            for short, long in shown
            if long != "--help"
        ]
        assert listed[command] == expected, command
