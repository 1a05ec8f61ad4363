"""Result files (CSV) streamed into typed ``pyarrow`` record batches, with rejected rows.

Reading goes in two steps, both bounded by the block size, never by the export size:

1. pyarrow's streaming CSV reader splits the text (RFC 4180 quoting, line breaks inside
   quoted values, a UTF-8 byte-order mark) into columns that are all *strings*, empty = null.
   A row with the wrong number of fields goes to ``on_rejected`` and reading goes on.
2. Each column is cast to the catalog's type, vectorised. A value that does not parse is
   never dropped silently and never turned into a null: its whole row goes to ``on_rejected``
   with the raw values and a reason naming column and value; the rest of the batch loads.

Inferring types (pyarrow's default) is avoided on purpose: it would guess per block, so one
file could give a column two types, and ids such as ``007`` would lose their zeros.

Output columns: every catalog column in catalog order (typed; null when the file lacks it),
then the file's unknown columns as text, in file order. Schema drift never loses data.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from visma_hrm.catalog import ColumnType, Dataset
from visma_hrm.client.csv_files import cut_tail, read_header
from visma_hrm.client.models import RejectedRow
from visma_hrm.errors import MalformedDataError

RejectedCallback = Callable[[RejectedRow], None]

_BLOCK = 1 << 20
"""Bytes pyarrow parses at a time. Its streaming reader reads a few dozen blocks ahead, so
memory is about 30-40x this (measured: ~35 MB at 1 MiB, ~90 MB at 4 MiB), independent of the
export's size. Small blocks are gathered into batches of ``batch_rows`` afterwards."""

_NULL_STRING = pa.scalar(None, pa.string())
_TRUE = pa.array(["true", "1", "yes", "ja"])
_FALSE = pa.array(["false", "0", "no", "nee"])


@dataclass(frozen=True)
class _Rule:
    """How a text value must look for a type, and how to bring it into Arrow's cast format."""

    pattern: str
    describe: str
    rewrites: tuple[tuple[str, str], ...] = ()


_RULES: dict[ColumnType, _Rule] = {
    ColumnType.INTEGER: _Rule(r"^[+-]?\d{1,19}$", "an integer"),
    ColumnType.DATE: _Rule(r"^\d{4}-\d{2}-\d{2}$", "a date (YYYY-MM-DD)"),
    ColumnType.TIMESTAMP: _Rule(
        r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})?$",
        "a UTC timestamp (ISO 8601 such as 2024-03-01T08:15:00.1234567Z)",
        # The 7th fractional digit (.NET ticks, 100 ns) is cut on purpose: the warehouse keeps
        # microseconds, as Arrow and DuckDB do. A value without zone is UTC by contract.
        ((r"(\.\d{6})\d", r"\1"), (r"(T\d{2}:\d{2}:\d{2}(\.\d+)?)$", r"\1Z")),
    ),
    ColumnType.DECIMAL: _Rule(
        r"^[+-]?\d{1,12}(\.\d{1,6}0*)?$",
        "a decimal with at most 12 digits before and 6 after the point "
        "(more decimals are rejected, never rounded)",
        ((r"^([+-]?\d+\.\d{6})0+$", r"\1"),),  # trailing zeros lose nothing
    ),
}
_BOOLEAN_DESCRIPTION = "a boolean (true/false, 1/0, yes/no, ja/nee)"


def read_export(
    dataset: Dataset,
    files: Iterable[Path],
    *,
    on_rejected: RejectedCallback,
    batch_rows: int = 65536,
) -> Iterator[pa.RecordBatch]:
    """Typed record batches of at most ``batch_rows`` rows from the files of one export.

    Small pieces are gathered up to ``batch_rows`` so that the loader gets few, large batches;
    batches of one call share a schema unless files of the export differ in unknown columns.
    Raises ``MalformedDataError`` when a file cannot be read as CSV at all.
    """
    if batch_rows < 1:
        raise ValueError("batch_rows must be at least 1")
    gather = _Gather(batch_rows)
    for path in files:
        for batch in _read_file(dataset, Path(path), on_rejected, batch_rows):
            yield from gather.add(batch)
    yield from gather.flush()


# ---------------------------------------------------------------------------- reading a file
def _read_file(
    dataset: Dataset, path: Path, on_rejected: RejectedCallback, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    names = read_header(path)
    if names is None:
        return
    columns = _column_names(dataset, names)
    pending: list[RejectedRow] = []

    def invalid_row(row: pcsv.InvalidRow) -> str:
        reason = f"expected {row.expected_columns} fields, found {row.actual_columns}"
        pending.append(RejectedRow(dataset.name, path.name, reason, row.text))
        return "skip"

    source, cut_tail = _complete_records(path)
    try:
        reader = pcsv.open_csv(
            source,
            read_options=pcsv.ReadOptions(column_names=columns, skip_rows=1, block_size=_BLOCK),
            parse_options=pcsv.ParseOptions(
                newlines_in_values=True, invalid_row_handler=invalid_row
            ),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(columns, pa.binary()),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        records = 0
        for raw in _batches(reader):
            _flush(pending, on_rejected)
            text, problems = _as_text(raw)
            typed, rejected = _typed(dataset, text, path.name, records, problems)
            records += raw.num_rows
            _flush(rejected, on_rejected)
            if typed.num_rows:
                yield typed
        _flush(pending, on_rejected)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise MalformedDataError(
            f"Result file {path.name} of {dataset.name} is not readable CSV ({exc}). Run the "
            "sync again; if it persists, report the job to Visma support.",
            dataset=dataset.name,
        ) from None
    if cut_tail:
        reason = (
            "the file ends without a line break, so its last row may be cut off "
            "(an interrupted download); it was not loaded: run the sync again"
        )
        on_rejected(RejectedRow(dataset.name, path.name, reason, cut_tail))


def _complete_records(path: Path) -> tuple[str | pa.NativeFile, str | None]:
    """What pyarrow should read, and the text of a cut last record (None when whole).

    A file that is not whole (see ``file_is_whole``) may end in a row cut anywhere, even
    inside its last value, where the field count still looks right. So its tail after the
    last line break outside quotes is split off and reported as rejected instead of loaded.
    """
    cut = cut_tail(path)
    if cut is None:
        return str(path), None
    end, tail = cut
    if end == 0:
        raise MalformedDataError(f"Result file {path.name} ends inside its header row.")
    mapped = pa.memory_map(str(path))
    return pa.BufferReader(mapped.read_buffer(end)), tail


def _batches(reader: pcsv.CSVStreamingReader) -> Iterator[pa.RecordBatch]:
    while True:
        try:
            yield reader.read_next_batch()
        except StopIteration:
            return


def _flush(rows: list[RejectedRow], on_rejected: RejectedCallback) -> None:
    """Hand rejected rows over in the consumer's thread (pyarrow may call from its own)."""
    while rows:
        on_rejected(rows.pop(0))


def _column_names(dataset: Dataset, header: list[str]) -> list[str]:
    """Catalog names matched without regard to case or spaces; duplicates made unique."""
    out: list[str] = []
    for raw in header:
        name = raw.strip()
        if dataset.column(name.lower()) is not None:
            name = name.lower()
        candidate, n = name, 1
        while candidate in out:
            n += 1
            candidate = f"{name}__{n}"
        out.append(candidate)
    return out


# ---------------------------------------------------------------------------- typing a batch
def _as_text(raw: pa.RecordBatch) -> tuple[pa.RecordBatch, dict[int, list[str]]]:
    """Bytes -> text. A value that is not UTF-8 rejects its row, not the whole file.

    Columns are read as bytes so that one bad byte (a value pasted from a cp1252 source)
    costs one row; the cast to string validates a whole column at C speed, and only a column
    that fails is decoded value by value to find the rows.
    """
    arrays: list[pa.Array] = []
    problems: dict[int, list[str]] = {}
    for name, column in zip(raw.schema.names, raw.columns, strict=True):
        try:
            arrays.append(column.cast(pa.string()))
            continue
        except pa.ArrowInvalid:
            pass
        decoded: list[str | None] = []
        for index, value in enumerate(column.to_pylist()):
            try:
                decoded.append(None if value is None else value.decode("utf-8"))
            except UnicodeDecodeError:
                decoded.append(value.decode("utf-8", errors="replace"))
                problems.setdefault(index, []).append(
                    f"column {name!r}: {value!r} is not UTF-8 text"
                )
        arrays.append(pa.array(decoded, type=pa.string()))
    return pa.RecordBatch.from_arrays(arrays, names=raw.schema.names), problems


def _typed(
    dataset: Dataset,
    raw: pa.RecordBatch,
    file: str,
    records_before: int,
    problems: dict[int, list[str]],
) -> tuple[pa.RecordBatch, list[RejectedRow]]:
    """Cast a batch of strings to catalog types; rows with unparsable values are split off.

    ``problems`` may already hold rows found bad earlier (not UTF-8); they are split off too.
    """
    typed: dict[str, pa.Array] = {}
    for name in raw.schema.names:
        column = raw.column(name)
        values, bad, describe = _convert(column, dataset.column_type(name))
        typed[name] = values
        if bad is None:
            continue
        for index in pc.indices_nonzero(bad).to_pylist():
            problems.setdefault(index, []).append(
                f"column {name!r}: {column[index].as_py()!r} is not {describe}"
            )
    rejected = _rejected_rows(dataset, raw, file, records_before, problems)
    if problems:
        keep = pa.array([i not in problems for i in range(raw.num_rows)])
        typed = {name: pc.filter(values, keep) for name, values in typed.items()}
    return _assemble(dataset, typed, raw.num_rows - len(problems)), rejected


def _convert(column: pa.Array, ctype: ColumnType) -> tuple[pa.Array, pa.BooleanArray | None, str]:
    """Typed values and a mask of values that did not parse (None when all parsed)."""
    if ctype is ColumnType.TEXT:
        return column, None, "text"
    text = pc.utf8_trim_whitespace(column)
    text = pc.if_else(pc.equal(text, ""), _NULL_STRING, text)
    if ctype is ColumnType.BOOLEAN:
        values, ok = _booleans(text)
        describe = _BOOLEAN_DESCRIPTION
    else:
        rule = _RULES[ctype]
        values, ok = _by_rule(text, rule, ctype.arrow_type)
        describe = rule.describe
    bad = pc.invert(ok)
    return values, (bad if pc.any(bad).as_py() else None), describe


def _booleans(text: pa.Array) -> tuple[pa.Array, pa.BooleanArray]:
    lowered = pc.utf8_lower(text)
    true, false = pc.is_in(lowered, value_set=_TRUE), pc.is_in(lowered, value_set=_FALSE)
    ok = pc.or_(pc.or_(true, false), pc.is_null(text))
    none = pa.scalar(None, pa.bool_())
    values = pc.if_else(true, True, pc.if_else(false, False, none))
    return values, ok


def _by_rule(text: pa.Array, rule: _Rule, target: pa.DataType) -> tuple[pa.Array, pa.BooleanArray]:
    """Shape check with a regex, then one vectorised cast; value by value only if that fails.

    The regex keeps the cast from ever seeing junk; the slow path is needed only for values
    that look right but are not (2021-02-29), which is rare.
    """
    ok = pc.fill_null(pc.match_substring_regex(text, rule.pattern), True)
    candidate = pc.if_else(ok, text, _NULL_STRING)
    for pattern, replacement in rule.rewrites:
        candidate = pc.replace_substring_regex(candidate, pattern, replacement)
    try:
        return pc.cast(candidate, target), ok
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        values, parsed = _one_by_one(candidate, target)
        return values, pc.and_(ok, parsed)


def _one_by_one(candidate: pa.Array, target: pa.DataType) -> tuple[pa.Array, pa.BooleanArray]:
    out: list[object] = []
    ok: list[bool] = []
    for value in candidate.to_pylist():
        if value is None:
            out.append(None)
            ok.append(True)
            continue
        try:
            out.append(pc.cast(pa.array([value]), target)[0].as_py())
            ok.append(True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            out.append(None)
            ok.append(False)
    return pa.array(out, type=target), pa.array(ok, type=pa.bool_())


def _rejected_rows(
    dataset: Dataset,
    raw: pa.RecordBatch,
    file: str,
    records_before: int,
    problems: dict[int, list[str]],
) -> list[RejectedRow]:
    if not problems:
        return []
    indices = sorted(problems)
    rows = raw.take(pa.array(indices, type=pa.int64())).to_pylist()
    out = []
    for index, values in zip(indices, rows, strict=True):
        out.append(
            RejectedRow(
                dataset=dataset.name,
                file=file,
                reason="; ".join(problems[index]),
                raw=_as_csv_line(values.values()),
                record=records_before + index + 1,
                values=values,
            )
        )
    return out


def _as_csv_line(values: Iterable[object]) -> str:
    """The row's raw values back as one CSV record (quoting as the API's files do)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(["" if v is None else v for v in values])
    return buffer.getvalue()


def _assemble(dataset: Dataset, typed: dict[str, pa.Array], rows: int) -> pa.RecordBatch:
    """Catalog columns first (typed nulls when absent), then unknown columns as text."""
    arrays: list[pa.Array] = []
    fields: list[pa.Field] = []
    for column in dataset.columns:
        arrow_type = column.type.arrow_type
        arrays.append(typed.get(column.name, pa.nulls(rows, type=arrow_type)))
        fields.append(pa.field(column.name, arrow_type))
    for name, values in typed.items():
        if dataset.column(name) is None:
            arrays.append(values)
            fields.append(pa.field(name, pa.string()))
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))


class _Gather:
    """Joins small batches of one schema into batches of ``batch_rows`` rows (the last less)."""

    def __init__(self, batch_rows: int) -> None:
        self.batch_rows = batch_rows
        self.pending: list[pa.RecordBatch] = []
        self.rows = 0

    def add(self, batch: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
        if self.pending and batch.schema != self.pending[0].schema:
            yield from self.flush()
        self.pending.append(batch)
        self.rows += batch.num_rows
        if self.rows < self.batch_rows:
            return
        table = pa.Table.from_batches(self.pending).combine_chunks()
        whole = self.rows - self.rows % self.batch_rows
        for offset in range(0, whole, self.batch_rows):
            yield from table.slice(offset, self.batch_rows).to_batches()
        rest = table.slice(whole)
        self.pending = rest.to_batches() if rest.num_rows else []
        self.rows = rest.num_rows

    def flush(self) -> Iterator[pa.RecordBatch]:
        if self.pending:
            table = pa.Table.from_batches(self.pending).combine_chunks()
            yield from table.to_batches()
        self.pending, self.rows = [], 0
