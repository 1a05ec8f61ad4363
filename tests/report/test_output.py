"""The report file is written whole or not at all: a failure half-way leaves the old file as it
was and no temporary file or new directory behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from visma_hrm.report.output import OutputPathError, write_atomically


def test_a_write_failing_half_way_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "hr.html"
    # a lone surrogate cannot be encoded: the write fails after the file was opened
    with pytest.raises(UnicodeEncodeError):
        write_atomically(target, "<html>" + "x" * 100_000 + "\ud800")
    assert list(tmp_path.iterdir()) == []  # neither the file nor the directories made for it

    old = tmp_path / "hr.html"
    old.write_text("the report of last month", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(old, "\ud800")
    assert old.read_text(encoding="utf-8") == "the report of last month"
    assert [p.name for p in tmp_path.iterdir()] == ["hr.html"]

    assert write_atomically(old, "the new one") == old
    assert old.read_text(encoding="utf-8") == "the new one"
    assert [p.name for p in tmp_path.iterdir()] == ["hr.html"]


def test_a_directory_is_refused_with_a_file_it_could_be(tmp_path: Path) -> None:
    with pytest.raises(OutputPathError) as refused:
        write_atomically(tmp_path, "text", lang="nl")
    assert refused.value.code == "file"
    assert refused.value.message == (
        f"-o {tmp_path} is een map: geef het HTML-bestand op dat geschreven moet worden, "
        f"bijvoorbeeld -o {tmp_path / 'visma_hrm_report.html'}."
    )
    assert list(tmp_path.iterdir()) == []
