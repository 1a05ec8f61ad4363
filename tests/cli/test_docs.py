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
