"""Streaming readers and writers for batch files: CSV, JSON Lines and Parquet, chosen by extension.

Readers yield :class:`Chunk` objects of a bounded number of rows, in file order, so memory stays
bounded whatever the size of the file: CSV through pyarrow's streaming CSV reader (every column
read as dictionary-encoded text), Parquet through ``iter_batches`` over one file, a folder of
files or a glob (sorted by path), JSON Lines in blocks of whole lines (typed by pyarrow; a block
that mixes types in a column, or holds a line that is not JSON, is read line by line so that
the bad line becomes a row with an error instead of stopping the batch).

Writing is :mod:`vcfgraph.batch.writer`'s.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.compute as pc

from vcfgraph.batch.arrays import strings
from vcfgraph.errors import UsageError

__all__ = [
    "FORMATS",
    "Chunk",
    "Input",
    "file_format",
    "open_input",
    "parquet_parts",
]

#: file extension -> format
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
#: JSON Lines: the keys of the lines in this many first bytes are the file's columns
JSONL_HEAD = 1 << 20
#: JSON Lines: a block is parsed in this many parts at once (one per core, at most 4)
JSONL_WORKERS = max(1, min(4, os.cpu_count() or 1))
#: CSV: the largest read block (bytes); the header row may be at most HEADER_LIMIT bytes
CSV_BLOCK = 1 << 22
HEADER_LIMIT = 1 << 20
_NAMES = "CSV (.csv), JSON Lines (.jsonl, .ndjson) or Parquet (.parquet, a folder of .parquet files, or a glob)"


@dataclass
class Chunk:
    """A block of input rows.

    Attributes:
        columns: column name -> Arrow array, or a list of Python values (mixed-type JSON).
        n: the number of rows.
        errors: row index -> why the row could not be read at all (a line that is not JSON).
        text: the values are text typed by people (CSV) rather than typed values.
        done: how far reading had got when the chunk was read (bytes, or rows for Parquet).
        cells: column -> row index -> a raw value that did not fit the column's type (JSON Lines
            read with a schema); the column is null there. A column may appear only here (a key
            first seen deep in the file).
    """

    columns: dict[str, Any]
    n: int
    errors: dict[int, str] = field(default_factory=dict)
    text: bool = False
    done: int = 0
    cells: dict[str, dict[int, Any]] = field(default_factory=dict)


def _is_glob(path: str) -> bool:
    return any(ch in path for ch in "*?[")


def file_format(path: str | Path) -> str:
    """The format of an input or output path, from its extension (a folder or a glob is Parquet).

    Raises:
        UsageError: the extension is not one of the known ones.
    """
    text = str(path)
    if Path(text).is_dir() or _is_glob(text):
        return "parquet"
    suffix = Path(text).suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(f"{text}: cannot tell the format from the extension '{suffix or '(none)'}'; use {_NAMES}")
    return FORMATS[suffix]


def parquet_parts(path: str | Path) -> list[Path]:
    """The Parquet files of a file, a folder (searched recursively) or a glob, sorted by path.

    Raises:
        UsageError: nothing matches.
    """
    text = str(path)
    if Path(text).is_dir():
        parts = sorted(p for p in Path(text).rglob("*") if p.is_file() and p.suffix.lower() in (".parquet", ".pq"))
    elif _is_glob(text):
        parts = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
    else:
        parts = [Path(text)] if Path(text).is_file() else []
    if not parts:
        raise UsageError(f"{text}: no such Parquet file, folder or glob match")
    return parts


class Input:
    """An input file: its columns, its rows in chunks, and how far reading has got."""

    def __init__(self, path: str | Path, rows: int, fields: dict[str, str] | None = None,
                 verbatim: frozenset[str] = frozenset()) -> None:
        self.path = str(path)
        self.format = file_format(path)
        self.rows = rows
        self.fields = fields
        self.verbatim = verbatim
        self.columns: list[str] = []
        self.total = 0
        self.done = 0
        self._header_end = 0
        if self.format == "parquet":
            self._parts = parquet_parts(path)
            self._open_parquet_schema()
        else:
            if not Path(self.path).is_file():
                raise UsageError(f"{self.path}: no such file")
            self.total = Path(self.path).stat().st_size
            if self.format == "csv":
                self.columns, self._header_end = _csv_header(self.path)

    def _open_parquet_schema(self) -> None:
        import pyarrow.parquet as pq

        try:
            first = pq.ParquetFile(self._parts[0])
        except (OSError, pa.ArrowException) as exc:
            raise UsageError(f"{self._parts[0]}: cannot read it as Parquet ({exc})") from None
        self.columns = list(first.schema_arrow.names)
        self.total = sum(pq.ParquetFile(p).metadata.num_rows for p in self._parts)

    def chunks(self) -> Iterator[Chunk]:
        """The rows, in file order, in chunks of about ``rows`` rows."""
        if self.format == "csv":
            yield from self._csv()
        elif self.format == "jsonl":
            yield from self._jsonl()
        else:
            for part in self._parts:
                yield from self._parquet(part)

    # ------------------------------------------------------------------ CSV

    def _csv(self) -> Iterator[Chunk]:
        import pyarrow.csv as pcsv

        if self._header_end >= self.total:  # a header and no rows (with or without a final newline)
            self.done = self.total
            return
        raw_type = pa.dictionary(pa.int32(), pa.binary())  # text checked for UTF-8 per value, below
        bad: list[str] = []

        def handler(row: Any) -> str:
            bad.append(f"{self.path}: a row has {row.actual_columns} fields but the header has "
                       f"{row.expected_columns}: {row.text[:80]!r}; quote values that contain a comma")
            return "error"

        first_row = 1
        with pa.OSFile(self.path) as raw:
            try:
                reader = pcsv.open_csv(
                    raw,
                    read_options=pcsv.ReadOptions(block_size=csv_block(self.rows), encoding="utf8"),
                    parse_options=pcsv.ParseOptions(invalid_row_handler=handler),
                    convert_options=pcsv.ConvertOptions(
                        column_types={name: pa.binary() if name == "case_id" else raw_type for name in self.columns},
                        strings_can_be_null=True, quoted_strings_can_be_null=False, null_values=[""]),
                )
                pending: list[tuple[dict[str, pa.Array], dict[int, str], int]] = []
                for batch in reader:  # small read blocks (bounded read-ahead), gathered into chunks of ~rows rows
                    columns, errors = _utf8_columns(batch, first_row, self.path)
                    pending.append((columns, errors, batch.num_rows))
                    first_row += batch.num_rows
                    if sum(n for _c, _e, n in pending) >= self.rows:
                        self.done = raw.tell()
                        yield _gathered(pending, self.done)
                        pending = []
                if pending:
                    self.done = raw.tell()
                    yield _gathered(pending, self.done)
            except pa.ArrowInvalid as exc:
                raise UsageError(bad[0] if bad else f"{self.path}: cannot read the CSV file ({exc})") from None
        self.done = self.total

    # ------------------------------------------------------------------ Parquet

    def _parquet(self, part: Path) -> Iterator[Chunk]:
        import pyarrow.parquet as pq

        try:
            meta = pq.ParquetFile(part)
            texts = [f.name for f in meta.schema_arrow if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
            handle = pq.ParquetFile(part, read_dictionary=texts)
        except (OSError, pa.ArrowException) as exc:
            raise UsageError(f"{part}: cannot read it as Parquet ({exc})") from None
        names = list(handle.schema_arrow.names)
        if names != self.columns:
            raise UsageError(f"{part}: its columns ({', '.join(names)}) differ from those of {self._parts[0]} "
                             f"({', '.join(self.columns)}); every part must have the same columns")
        for batch in handle.iter_batches(batch_size=self.rows):
            self.done += batch.num_rows
            yield Chunk({name: batch.column(i) for i, name in enumerate(names)}, batch.num_rows, done=self.done)

    # ------------------------------------------------------------------ JSON Lines

    def _jsonl(self) -> Iterator[Chunk]:
        size = max(1 << 16, min(self.rows * 400, 1 << 26))
        first_line = 1
        with open(self.path, "rb") as fh:
            rest = b""
            while True:
                data = fh.read(size)
                buf = rest + data
                if data:
                    cut = buf.rfind(b"\n") + 1
                    block, rest = buf[:cut], buf[cut:]
                    if not block:
                        rest = buf
                        continue
                else:
                    block, rest = buf, b""
                if block.strip():
                    chunk = self._json_chunk(block, first_line)
                    self.done = chunk.done = fh.tell() - len(rest)
                    yield chunk
                first_line += block.count(b"\n")
                if not data:
                    break

    def _json_chunk(self, block: bytes, first_line: int) -> Chunk:
        # FHIR QuestionnaireResponse lines (main's fhir_case support) are rows of their answers,
        # not of their keys: they keep the line-by-line reader, which flattens them
        if self.fields is None or b'"QuestionnaireResponse"' in block:
            return _json_block(block, first_line, self.path)
        from vcfgraph.batch.jsonl import json_schema, read_block

        table, errors, cells = read_block(block, first_line, self.path, json_schema(self.fields), self.verbatim,
                                          JSONL_WORKERS)
        columns = {name: table.column(name).chunk(0) if table.column(name).num_chunks
                   else pa.nulls(0, table.schema.field(name).type) for name in table.column_names}
        return Chunk(columns, table.num_rows, errors, cells=cells)

    def first_columns(self) -> list[str]:
        """The column names (for JSON Lines: the keys of the lines in the first
        :data:`JSONL_HEAD` bytes, or of the first line when it is longer; a key seen only later
        is an error of its rows)."""
        if self.format == "jsonl" and not self.columns:
            with open(self.path, "rb") as fh:
                head = fh.read(JSONL_HEAD)
                while head and b"\n" not in head:  # a first line longer than JSONL_HEAD: read all of it
                    more = fh.read(JSONL_HEAD)
                    if not more:
                        break
                    head += more
                complete = not fh.read(1)
            cut = len(head) if complete else head.rfind(b"\n") + 1
            if not head.strip():
                raise UsageError(f"{self.path}: the file holds no JSON lines; write one JSON object per line")
            if head[:cut].strip():
                self.columns = list(_json_block(head[:cut], 1, self.path).columns)
        return self.columns


def csv_block(rows: int) -> int:
    """The CSV read block for chunks of about ``rows`` rows: at least 64 KiB, at most 4 MiB, so
    that pyarrow's read-ahead holds a few blocks, not hundreds of megabytes."""
    return max(1 << 16, min(rows * 200, CSV_BLOCK))


def _csv_header(path: str) -> tuple[list[str], int]:
    """The column names of a CSV file and the byte offset where its first row starts.

    Only the header's own bytes are decoded, so a bad byte in a later row is that row's error.
    """
    try:
        with open(path, "rb") as fh:
            data = b""
            while True:  # whole lines until the quotes balance (a quoted name may hold a newline)
                line = fh.readline(HEADER_LIMIT + 1 - len(data))
                data += line
                if not line or data.count(b'"') % 2 == 0 or len(data) > HEADER_LIMIT:
                    break
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the CSV header ({exc.strerror or exc})") from None
    if len(data) > HEADER_LIMIT:
        raise UsageError(f"{path}:1: the header row is longer than {HEADER_LIMIT >> 10} KiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}:1: the header row is not valid UTF-8 (byte 0x{data[exc.start]:02x} at "
                         f"offset {exc.start}); save the file as UTF-8") from None
    header = next(csv.reader([text]), None) if text.strip() else None
    if not header:
        raise UsageError(f"{path}: the file is empty; a CSV input starts with a header row of column names")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise UsageError(f"{path}: column '{dupes[0]}' appears more than once in the header")
    return header, len(data)


def _gathered(parts: list[tuple[dict[str, pa.Array], dict[int, str], int]], done: int) -> Chunk:
    """One chunk of several CSV batches: columns concatenated (dictionaries unified), row errors
    renumbered."""
    if len(parts) == 1:
        columns, errors, n = parts[0]
        return Chunk(columns, n, errors, text=True, done=done)
    errors = {}
    start = 0
    for _columns, part_errors, n in parts:
        errors.update({start + row: message for row, message in part_errors.items()})
        start += n
    columns = {name: pa.chunked_array([c[name] for c, _e, _n in parts]).combine_chunks() for name in parts[0][0]}
    return Chunk(columns, start, errors, text=True, done=done)


def _invalid_utf8(column: pa.Array) -> bool:
    try:
        column.cast(pa.string())
    except pa.ArrowInvalid:
        return True
    return False


def _utf8_columns(batch: pa.RecordBatch, first_row: int, path: str) -> tuple[dict[str, pa.Array], dict[int, str]]:
    """Text columns of a CSV batch (read as bytes) checked for UTF-8: the valid ones as they are,
    a value that is not UTF-8 a row error (rows numbered from 1 after the header) and null."""
    columns: dict[str, pa.Array] = {}
    errors: dict[int, str] = {}
    for name, column in zip(batch.schema.names, batch.columns):
        if not pa.types.is_dictionary(column.type):  # case_id: every value distinct, so not a dictionary
            column = pc.dictionary_encode(column) if _invalid_utf8(column) else column.cast(pa.string())
            if pa.types.is_string(column.type):
                columns[name] = column
                continue
        try:
            columns[name] = pa.DictionaryArray.from_arrays(column.indices, column.dictionary.cast(pa.string()))
            continue
        except pa.ArrowInvalid:
            pass
        texts: list[str | None] = []
        broken: list[int] = []
        for k, value in enumerate(column.dictionary.to_pylist()):
            try:
                texts.append(value.decode("utf-8"))
            except UnicodeDecodeError as exc:
                texts.append(value.decode("utf-8", errors="replace") if name == "case_id" else None)
                broken.append(k)
                reason = f"byte 0x{value[exc.start]:02x} at offset {exc.start}"
                for row in pc.indices_nonzero(pc.equal(column.indices, k)).to_pylist():
                    errors.setdefault(row, f"{path}: row {first_row + row}: the value of '{name}' is not valid "
                                           f"UTF-8 ({reason}); save the file as UTF-8")
        columns[name] = pa.DictionaryArray.from_arrays(column.indices, strings(texts))
    return columns, errors


def _json_block(block: bytes, first_line: int, path: str) -> Chunk:
    """Parse whole lines of JSON: typed by pyarrow when it can, else one line at a time. Lines
    that are FHIR QuestionnaireResponses become rows of their answers (:func:`_rows`)."""
    import pyarrow.json as pjson

    responses = b'"QuestionnaireResponse"' in block
    try:
        if responses:
            raise pa.ArrowInvalid("read as QuestionnaireResponses")
        table = pjson.read_json(io.BytesIO(block), read_options=pjson.ReadOptions(block_size=len(block) + 1))
        table = table.combine_chunks()
        table.validate(full=True)  # pyarrow's JSON reader lets invalid UTF-8 through; the slow path names the line
        return Chunk({name: table.column(name).chunk(0) if table.column(name).num_chunks else
                      pa.nulls(0, table.column(name).type) for name in table.column_names}, table.num_rows)
    except pa.ArrowInvalid:
        pass
    rows: list[dict[str, Any]] = []
    errors: dict[int, str] = {}
    for number, line in enumerate(block.split(b"\n"), first_line):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            errors[len(rows)] = f"{path}:{number}: not a valid JSON line ({exc})"
            value = {}
        if not isinstance(value, dict):
            errors.setdefault(len(rows), f"{path}:{number}: a JSON line must be an object of fact names and values")
            value = {}
        if responses and value:
            value, problem = _response_row(value)
            if problem:
                errors[len(rows)] = f"{path}:{number}: {problem}"
        rows.append(value)
    names = list(dict.fromkeys(k for row in rows for k in row))
    return Chunk({name: [row.get(name) for row in rows] for name in names}, len(rows), errors)


def _response_row(value: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """A QuestionnaireResponse line as a row: ``case_id`` (its id) and its answers."""
    from vcfgraph.io.fhir import flat_answers

    answers, problem = flat_answers(value)
    case_id = value.get("id") if isinstance(value.get("id"), str) else None
    return ({"case_id": case_id, **answers} if case_id is not None else answers), problem



def open_input(path: str | Path, rows: int = 131072, fields: dict[str, str] | None = None,
               verbatim: frozenset[str] = frozenset()) -> Input:
    """Open an input file (or Parquet folder or glob) for reading in chunks of about ``rows`` rows.

    Args:
        fields: JSON Lines: read with this schema (column -> ``bool``, ``number`` or ``text``),
            see :mod:`vcfgraph.batch.jsonl`; None: types inferred per block.
        verbatim: JSON Lines: text columns that take any JSON value, written as JSON text.
    """
    return Input(path, rows, fields, verbatim)
