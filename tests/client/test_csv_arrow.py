"""CSV -> typed Arrow: quoting, BOM, types, rejected rows, schema drift, bounded batches."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.client.typed import TYPED
from visma_hrm.catalog import DATASETS, Dataset
from visma_hrm.client import RejectedRow, read_export
from visma_hrm.errors import MalformedDataError


def write(tmp_path: Path, text: str, name: str = "0.csv", bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def read_all(
    dataset: Dataset, files: list[Path], batch_rows: int = 65536
) -> tuple[pa.Table, list[RejectedRow]]:
    rejected: list[RejectedRow] = []
    batches = list(read_export(dataset, files, on_rejected=rejected.append, batch_rows=batch_rows))
    schema = batches[0].schema if batches else dataset.arrow_schema()
    return pa.Table.from_batches(batches, schema=schema), rejected


def test_types_are_cast_and_missing_catalog_columns_are_typed_nulls(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "id,day,at,n,amount,flag,extra\r\n"
        "007,2024-02-29,2024-03-01T08:15:00.1234567Z,-12,0.888889,Ja,x\r\n"
        ",,,,,,\r\n",
        bom=True,
    )
    table, rejected = read_all(TYPED, [path])
    assert rejected == []
    assert table.schema.names == ["id", "day", "at", "n", "amount", "flag", "absent", "extra"]
    assert table.schema.field("absent").type == pa.date32()
    assert table.schema.field("extra").type == pa.string()
    first, empty = table.to_pylist()
    assert first["id"] == "007"  # ids stay text: no lost zeros
    assert first["day"] == dt.date(2024, 2, 29)
    # the 7th fractional digit is truncated, deliberately, to microseconds
    assert first["at"] == dt.datetime(2024, 3, 1, 8, 15, 0, 123456, tzinfo=dt.UTC)
    assert first["n"] == -12
    assert first["amount"] == Decimal("0.888889")
    assert first["flag"] is True
    assert first["absent"] is None
    assert all(v is None for v in empty.values())


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("amount", "1.1234567", "at most 12 digits before and 6 after"),
        ("amount", "1,5", "decimal"),
        ("day", "2021-02-29", "a date"),
        ("day", "01-03-2024", "a date"),
        ("at", "2024-03-01 08:15:00", "UTC timestamp"),
        ("at", "2024-13-01T08:15:00Z", "UTC timestamp"),
        ("n", "1.0", "an integer"),
        ("flag", "maybe", "a boolean"),
    ],
)
def test_a_bad_value_rejects_its_row_and_names_column_and_value(
    tmp_path: Path, column: str, value: str, expected: str
) -> None:
    good = {"id": "1", "day": "2024-01-01", "at": "2024-01-01T00:00:00Z", "n": "1"}
    good |= {"amount": "1.5", "flag": "false"}
    bad = dict(good, id="2", **{column: value})
    buffer = io.StringIO()
    csv.writer(buffer).writerows([good, good.values(), bad.values(), dict(good, id="3").values()])
    table, rejected = read_all(TYPED, [write(tmp_path, buffer.getvalue())])
    assert table.column("id").to_pylist() == ["1", "3"]
    assert len(rejected) == 1
    row = rejected[0]
    assert f"column {column!r}" in row.reason and repr(value) in row.reason
    assert expected in row.reason
    assert row.values is not None and row.values[column] == value
    assert row.record == 2 and row.file == "0.csv"
    assert value in row.raw


def test_decimal_trailing_zeros_beyond_six_places_lose_nothing(tmp_path: Path) -> None:
    table, rejected = read_all(TYPED, [write(tmp_path, "id,amount\n1,2.50000000\n2,-3\n")])
    assert rejected == []
    assert table.column("amount").to_pylist() == [Decimal("2.5"), Decimal("-3")]


def test_timestamp_without_zone_is_utc_and_offsets_convert(tmp_path: Path) -> None:
    text = "id,at\n1,2024-03-01T08:15:00\n2,2024-03-01T08:15:00+01:00\n"
    table, rejected = read_all(TYPED, [write(tmp_path, text)])
    assert rejected == []
    hours = [v.hour for v in table.column("at").to_pylist()]
    assert hours == [8, 7]


def test_quoting_line_breaks_and_diacritics(tmp_path: Path) -> None:
    text = 'userid,emailaddress,employeeid\r\n"a,1","line\r\nbreak ""q""",Zoë Ångström\r\n'
    table, rejected = read_all(DATASETS["users"], [write(tmp_path, text)])
    assert rejected == []
    assert table.to_pylist() == [
        {"userid": "a,1", "emailaddress": 'line\r\nbreak "q"', "employeeid": "Zoë Ångström"}
    ]


def test_wrong_field_count_is_rejected_and_reading_goes_on(tmp_path: Path) -> None:
    text = "userid,emailaddress,employeeid\nu1,a,e1\nu2,b,e2,surplus\nu3,c,e3\n"
    table, rejected = read_all(DATASETS["users"], [write(tmp_path, text)])
    assert table.column("userid").to_pylist() == ["u1", "u3"]
    assert [r.raw for r in rejected] == ["u2,b,e2,surplus"]
    assert "expected 3 fields, found 4" in rejected[0].reason


def test_a_cut_last_row_without_newline_is_rejected_not_loaded(tmp_path: Path) -> None:
    text = 'userid,emailaddress,employeeid\nu1,a,e1\nu2,"cut in the mid'
    table, rejected = read_all(DATASETS["users"], [write(tmp_path, text)])
    assert table.column("userid").to_pylist() == ["u1"]
    assert len(rejected) == 1 and rejected[0].raw.startswith("u2,")


def test_header_case_is_matched_to_the_catalog_and_empty_files_have_no_rows(
    tmp_path: Path,
) -> None:
    a = write(tmp_path, "UserId,EmailAddress\nu1,a\n", "a.csv")
    b = write(tmp_path, "", "b.csv")
    c = write(tmp_path, "userid,emailaddress,employeeid\r\n", "c.csv")
    table, rejected = read_all(DATASETS["users"], [a, b, c])
    assert rejected == []
    assert table.to_pylist() == [{"userid": "u1", "emailaddress": "a", "employeeid": None}]


def test_batches_are_bounded_and_joined_across_files(tmp_path: Path) -> None:
    files = []
    for f in range(3):
        body = "".join(f"u{f}-{i},m,e\n" for i in range(7))
        files.append(write(tmp_path, "userid,emailaddress,employeeid\n" + body, f"{f}.csv"))
    rejected: list[RejectedRow] = []
    batches = list(read_export(DATASETS["users"], files, on_rejected=rejected.append, batch_rows=5))
    assert [b.num_rows for b in batches] == [5, 5, 5, 5, 1]
    ids = [v for b in batches for v in b.column("userid").to_pylist()]
    assert ids == [f"u{f}-{i}" for f in range(3) for i in range(7)]


def test_a_value_that_is_not_utf8_rejects_its_row_only(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"userid,emailaddress\nu1,zo\xc3\xab\nu2,zo\xeb-cp1252\nu3,x\n")
    table, rejected = read_all(DATASETS["users"], [path])
    assert table.column("userid").to_pylist() == ["u1", "u3"]
    assert table.column("emailaddress").to_pylist()[0] == "zo\u00eb"
    assert len(rejected) == 1 and "is not UTF-8 text" in rejected[0].reason
    assert rejected[0].values is not None and rejected[0].values["userid"] == "u2"


def test_a_file_without_header_is_malformed(tmp_path: Path) -> None:
    path = write(tmp_path, "\n\nu1,a\n", "nohead.csv")
    with pytest.raises(MalformedDataError, match=r"nohead\.csv"):
        read_all(DATASETS["users"], [path])


def test_a_cut_inside_the_last_value_is_rejected_even_with_the_right_field_count(
    tmp_path: Path,
) -> None:
    # The cut leaves "u2,b,e" (three fields, looks fine): only the missing final line break
    # tells. A quoted line break in an earlier row must not fool the search for the last
    # complete record.
    text = 'userid,emailaddress,employeeid\r\nu1,"multi\r\nline ""x""",e1\r\nu2,b,e'
    table, rejected = read_all(DATASETS["users"], [write(tmp_path, text)])
    assert table.to_pylist() == [
        {"userid": "u1", "emailaddress": 'multi\r\nline "x"', "employeeid": "e1"}
    ]
    assert [r.raw for r in rejected] == ["u2,b,e"]
    assert "last row may be cut off" in rejected[0].reason


@st.composite
def typed_rows(draw: st.DrawFn) -> tuple[list[str], dict[str, object]]:
    """A CSV record of every type, with the values it must come back as."""
    day = draw(st.dates(dt.date(1900, 1, 1), dt.date(2199, 12, 31)))
    at = draw(st.datetimes(dt.datetime(1970, 1, 1), dt.datetime(2199, 12, 31)))
    tick = draw(st.integers(0, 9))  # the 7th fractional digit, dropped on reading
    n = draw(st.integers(-(2**63), 2**63 - 1))
    amount = Decimal(draw(st.integers(-(10**18) + 1, 10**18 - 1))).scaleb(-6)
    flag = draw(st.booleans())
    spelling = draw(st.sampled_from([("true", "false"), ("1", "0"), ("Yes", "NO"), ("JA", "nee")]))
    text = [
        draw(st.text(max_size=5)),
        day.isoformat(),
        at.strftime("%Y-%m-%dT%H:%M:%S.%f") + f"{tick}Z",
        str(n),
        str(amount),
        spelling[0] if flag else spelling[1],
    ]
    expected = {"day": day, "at": at.replace(tzinfo=dt.UTC), "n": n, "amount": amount}
    return text, expected | {"flag": flag}


@pytest.mark.slow
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(typed_rows(), min_size=1, max_size=20))
def test_typed_values_round_trip(
    tmp_path: Path, rows: list[tuple[list[str], dict[str, object]]]
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["id", "day", "at", "n", "amount", "flag"])
    writer.writerows(text for text, _ in rows)
    table, rejected = read_all(TYPED, [write(tmp_path, buffer.getvalue(), "typed.csv")])
    assert rejected == []
    got = [{k: r[k] for k in ("day", "at", "n", "amount", "flag")} for r in table.to_pylist()]
    assert got == [expected for _, expected in rows]


def test_a_cut_right_after_a_line_break_inside_quotes_is_not_loaded(tmp_path: Path) -> None:
    # The file ends with a line break, but inside a quoted value: pyarrow alone would load
    # "Street 1\n" as the whole address. Found by the cut-anywhere property test.
    text = 'userid,emailaddress,employeeid\nu1,a,e1\nu2,"Street 1\n'
    path = write(tmp_path, text)
    table, rejected = read_all(DATASETS["users"], [path])
    assert table.column("userid").to_pylist() == ["u1"]
    assert [r.raw for r in rejected] == ['u2,"Street 1\n']
