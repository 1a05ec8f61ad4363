"""Property: any text survives the sandbox's CSV writer (Visma's side) and our reader.

The writer is the sandbox's (RFC 4180, CRLF, optional BOM, split over several files); the
reader is the client's. Quotes, commas, line breaks and diacritics must come back unchanged,
across file boundaries, in order. Empty text and null are one value in CSV, so the strategy
draws null or non-empty text.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from visma_hrm.catalog import DATASETS
from visma_hrm.client import RejectedRow, read_export
from visma_hrm.sandbox.csvout import write_export

TRICKY = st.sampled_from(['"', ",", "\n", "\r\n", "\r", "ë", "Å", "ß", "€", "'", " ", "\ufeff"])
TEXT = st.lists(st.one_of(TRICKY, st.characters(blacklist_categories=("Cs",), min_codepoint=1)))
VALUE = st.one_of(st.none(), TEXT.map("".join).filter(bool))
COLUMNS = ["userid", "emailaddress", "employeeid", "notinthecatalog"]
ROW = st.fixed_dictionaries({c: VALUE for c in COLUMNS})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(ROW, max_size=12), bom=st.booleans(), per_file=st.integers(1, 5))
def test_text_round_trips_through_sandbox_writer_and_client_reader(
    rows: list[dict[str, str | None]], bom: bool, per_file: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = write_export(rows, COLUMNS, Path(tmp), per_file, bom=bom)
        rejected: list[RejectedRow] = []
        batches = list(read_export(DATASETS["users"], files, on_rejected=rejected.append))
        got = [row for batch in batches for row in batch.to_pylist()]
    assert rejected == []
    assert got == rows


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(ROW, min_size=1, max_size=8), cut=st.floats(0.0, 1.0, exclude_max=True))
def test_a_file_cut_anywhere_loads_a_prefix_and_never_half_a_row(
    rows: list[dict[str, str | None]], cut: float
) -> None:
    """An interrupted download kept as it is: whatever loads is exactly the first rows."""
    with tempfile.TemporaryDirectory() as tmp:
        (path,) = write_export(rows, COLUMNS, Path(tmp), len(rows))
        data = path.read_bytes()
        header_end = data.index(b"\n") + 1
        at = header_end + int(cut * (len(data) - header_end))
        path.write_bytes(data[:at])
        rejected: list[RejectedRow] = []
        batches = list(read_export(DATASETS["users"], [path], on_rejected=rejected.append))
        got = [row for batch in batches for row in batch.to_pylist()]
    assert got == rows[: len(got)]
    assert len(got) + len(rejected) <= len(rows)
    if at > header_end and not data[:at].endswith(b"\n"):
        assert rejected, "the cut tail must be reported, not dropped"
