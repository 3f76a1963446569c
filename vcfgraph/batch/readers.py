"""Streaming readers and writers for batch files: CSV, JSON Lines and Parquet, chosen by extension.

Readers yield :class:`Chunk` objects of a bounded number of rows, in file order, so memory stays
bounded whatever the size of the file: CSV through pyarrow's streaming CSV reader (every column
read as dictionary-encoded text), Parquet through ``iter_batches`` over one file, a folder of
files or a glob (sorted by path), JSON Lines in blocks of whole lines, each block a view of the
bytes read, not a copy (typed with a schema by pyarrow or DuckDB, :mod:`vcfgraph.batch.duck`;
the lines that do not fit, or are not JSON, are read line by line so that a bad line becomes a
row with an error instead of stopping the batch).

A JSON line that is a FHIR QuestionnaireResponse (decided per line, by its ``resourceType``) is
read by :func:`vcfgraph.io.fhir.read_response`, the reader ``trace`` and the service use too, and
becomes one row: its ``id`` and the facts it answers, or its ``id`` and the reader's reason as
the row's error (a response to another Questionnaire included). A bad response is one bad row.

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
from typing import Any, Iterator, assert_never

import pyarrow as pa
import pyarrow.compute as pc

from vcfgraph.batch.arrays import strings
from vcfgraph.errors import UsageError
from vcfgraph.model import Pathway

__all__ = [
    "FORMATS",
    "input_sha256",
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
#: JSON Lines read with a schema: ``duckdb`` (:mod:`vcfgraph.batch.duck`, when DuckDB is installed)
#: or ``arrow`` (:mod:`vcfgraph.batch.jsonl`); both give the same rows, errors and cells
JSONL_READER = "duckdb"
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


def _row_group_runs(meta: Any, rows: int) -> Iterator[list[int]]:
    """The row groups of a Parquet file in runs of at least ``rows`` rows (the last may be
    shorter), so that a file of many small row groups is still read in chunks of about ``rows``."""
    run: list[int] = []
    held = 0
    for k in range(meta.num_row_groups):
        run.append(k)
        held += meta.row_group(k).num_rows
        if held >= rows:
            yield run
            run, held = [], 0
    if run:
        yield run


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
                 verbatim: frozenset[str] = frozenset(), pathway: Pathway | None = None) -> None:
        self.path = str(path)
        self.format = file_format(path)
        self.rows = rows
        self.fields = fields
        self.verbatim = verbatim
        self.responses = ResponseRows(pathway, self.path) if pathway is not None else None
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
        dupes = sorted({name for name in self.columns if self.columns.count(name) > 1})
        if dupes:  # a second 'age' would be read as the first, or silently win
            raise UsageError(f"{self._parts[0]}: column '{dupes[0]}' appears more than once; give every column "
                             "one name")
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
        pending: list[tuple[dict[str, pa.Array], dict[int, str], int]] = []
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
                    pending = []
            except pa.ArrowInvalid as exc:
                if bad or "straddl" not in str(exc):
                    raise UsageError(bad[0] if bad else f"{self.path}: cannot read the CSV file ({exc})") from None
                straddled = True  # a row longer than a read block: the rest is read by Python, row by row
            else:
                straddled = False
        if straddled:
            if pending:
                yield _gathered(pending, self.done)
            yield from self._csv_rows(first_row - 1)
        self.done = self.total

    def _csv_rows(self, skip: int) -> Iterator[Chunk]:
        """The rows after the first ``skip``, read by Python, for a file with a row longer than
        :data:`CSV_BLOCK` (which pyarrow cannot read): such a row is kept, with its error and
        its ``case_id`` when that comes first, and reading goes on; memory stays bounded."""
        width = len(self.columns)
        index = {name: k for k, name in enumerate(self.columns)}
        values: list[list[str | None]] = [[] for _ in self.columns]
        errors: dict[int, str] = {}
        number = 0
        with open(self.path, "rb") as fh:
            fh.seek(self._header_end)
            for line, prefix in _physical_lines(fh, CSV_BLOCK):
                number += 1
                if number <= skip:
                    continue
                row = len(values[0])
                cells, problem = _csv_cells(line, prefix, width, index)
                if problem:
                    errors[row] = f"{self.path}: row {number}: {problem}"
                for k, cell in enumerate(cells):
                    values[k].append(cell)
                if row + 1 >= min(self.rows, 4096):
                    self.done = fh.tell()
                    yield _python_chunk(self.columns, values, errors, self.done)
                    values, errors = [[] for _ in self.columns], {}
        if values[0]:
            yield _python_chunk(self.columns, values, errors, self.total)

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
        for groups in _row_group_runs(handle.metadata, self.rows):
            # one reader per run of row groups: pyarrow's reader grows a text column's dictionary
            # over everything it has read, so one reader for the whole file held every case id
            for batch in handle.iter_batches(batch_size=self.rows, row_groups=groups):
                self.done += batch.num_rows
                yield Chunk({name: batch.column(i) for i, name in enumerate(names)}, batch.num_rows, done=self.done)

    # ------------------------------------------------------------------ JSON Lines

    def _jsonl(self) -> Iterator[Chunk]:
        """Blocks of whole lines (the last line may lack its line end): a block ends at its last
        line end, and the next is read from there (one copy of a block, not three)."""
        size = max(1 << 16, min(self.rows * 400, 1 << 26))
        from vcfgraph.batch.linescan import line_ends

        first_line = 1
        rest = 0  # the bytes after the last block's line end, read again with the next block
        with open(self.path, "rb") as fh:
            while True:
                start = fh.tell()
                data = fh.read(rest + size)  # (so the blocks, and the chunks, are those of reading on by size)
                if not data:
                    break
                cut = data.rfind(b"\n") + 1
                while not cut:  # no line end yet: read on, to one or to the end of the file
                    more = fh.read(size)
                    if not more:
                        cut = len(data)
                        break
                    found = more.rfind(b"\n") + 1
                    cut = len(data) + found if found else 0
                    data += more
                block = memoryview(data)[:cut]  # no copy: a copy of 50 MB holds the interpreter for 0.1 s
                rest = len(data) - cut
                fh.seek(start + cut)
                if not (data[:1].isspace() and bytes(block).isspace()):  # (a block of blank lines has no rows)
                    chunk = self._json_chunk(block, first_line)
                    self.done = chunk.done = start + cut
                    yield chunk
                first_line += line_ends(data, 0, cut)  # (numpy: other threads run meanwhile)

    def _json_chunk(self, view: memoryview, first_line: int) -> Chunk:
        if self.fields is None:
            return _json_block(bytes(view), first_line, self.path, self.responses)
        from vcfgraph.batch import duck
        from vcfgraph.batch.jsonl import json_schema, read_block

        if JSONL_READER == "duckdb" and duck.available():
            table, errors, cells = duck.read_block(view, first_line, self.path, json_schema(self.fields),
                                                   self.verbatim, self.responses, JSONL_WORKERS)
        else:
            table, errors, cells = read_block(bytes(view), first_line, self.path, json_schema(self.fields),
                                              self.verbatim, JSONL_WORKERS, self.responses)
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
                self.columns = list(_json_block(head[:cut], 1, self.path, self.responses).columns)
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
            head = fh.read(HEADER_LIMIT + 1)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the CSV header ({exc.strerror or exc})") from None
    data = head[:_row_end(head)]  # the header row and its line end (LF, CRLF or a lone CR)
    if len(data) > HEADER_LIMIT:
        raise UsageError(f"{path}:1: the header row is longer than {HEADER_LIMIT >> 10} KiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}:1: the header row is not valid UTF-8 (byte 0x{data[exc.start]:02x} at "
                         f"offset {exc.start}); save the file as UTF-8") from None
    try:
        header = next(csv.reader([text.rstrip("\r\n")]), None) if text.strip() else None
    except csv.Error as exc:
        raise UsageError(f"{path}:1: cannot read the header row ({exc})") from None
    if not header:
        raise UsageError(f"{path}: the file is empty; a CSV input starts with a header row of column names")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise UsageError(f"{path}: column '{dupes[0]}' appears more than once in the header")
    return header, len(data)


def _physical_lines(fh: Any, limit: int) -> Iterator[tuple[bytes | None, bytes]]:
    """The non-empty lines of a file (ended by LF, CR or CRLF, as pyarrow reads rows without
    newlines in values), read in bounded memory: a line longer than ``limit`` is (None, its
    first KiB)."""
    buf, skipping, prefix = b"", False, b""
    while True:
        data = fh.read(1 << 20)
        buf += data
        while True:
            ends = [at for at in (buf.find(b"\n"), buf.find(b"\r")) if at >= 0]
            if not ends:
                break
            at = min(ends)
            line, buf = buf[:at], buf[at + 1:]
            if skipping:
                skipping = False
                yield None, prefix
            elif len(line) > limit:
                yield None, line[:1024]
            elif line:
                yield line, b""
        if len(buf) > limit and not skipping:
            skipping, prefix = True, buf[:1024]
        if skipping:
            buf = b""
        if not data:
            if skipping:
                yield None, prefix
            elif buf:
                yield buf, b""
            return


def _csv_cells(line: bytes | None, prefix: bytes, width: int, index: dict[str, int]) -> tuple[list[str | None], str | None]:
    """One CSV row's cells (None where empty) and its problem, or None."""
    if line is None:
        cells: list[str | None] = [None] * width
        first = prefix.split(b",", 1)[0]
        if index.get("case_id") == 0 and b'"' not in first and len(first) < len(prefix):
            cells[0] = first.decode("utf-8", errors="replace") or None
        return cells, f"the row is longer than {CSV_BLOCK >> 20} MiB, the most a batch reads in one row; it is not read"
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [None] * width, f"the row is not valid UTF-8 (byte 0x{line[exc.start]:02x} at offset {exc.start}); save the file as UTF-8"
    try:
        row = next(csv.reader([text]), [])
    except csv.Error as exc:
        return [None] * width, f"cannot read the row ({exc})"
    if len(row) != width:
        return [None] * width, f"the row has {len(row)} fields but the header has {width}; quote values that contain a comma"
    return [cell if cell != "" else None for cell in row], None


def _python_chunk(names: list[str], values: list[list[str | None]], errors: dict[int, str], done: int) -> Chunk:
    columns = {name: strings(column) for name, column in zip(names, values)}
    return Chunk(columns, len(values[0]), dict(errors), text=True, done=done)


def _row_end(data: bytes) -> int:
    """Where the first CSV row of ``data`` ends, after its line end (``\n``, ``\r\n`` or a lone
    ``\r``, as pyarrow reads them; a line end inside quotes is part of a value); ``len(data)`` + 1
    when no row ends in it."""
    quoted = False
    for at, byte in enumerate(data):
        if byte == 34:  # '"'; a doubled quote inside quotes flips twice
            quoted = not quoted
        elif not quoted and byte in (10, 13):
            return at + 2 if data[at:at + 2] == b"\r\n" else at + 1
    return len(data) + 1


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


def _json_block(block: bytes, first_line: int, path: str, responses: Any = None) -> Chunk:
    """Parse whole lines of JSON: typed by pyarrow when every line is an object and none is a
    QuestionnaireResponse, else one line at a time (:func:`vcfgraph.batch.jsonl.parse_line`)."""
    import pyarrow.json as pjson

    from vcfgraph.batch.jsonl import parse_line
    from vcfgraph.batch.linescan import arrow_safe

    lines = [(number, line) for number, line in enumerate(block.split(b"\n"), first_line) if line.strip()]
    if all(arrow_safe(line) for _n, line in lines):
        try:  # pyarrow only sees shallow objects: it crashes on a lone `null` or deep nesting
            table = pjson.read_json(io.BytesIO(block), read_options=pjson.ReadOptions(block_size=len(block) + 1))
            table = table.combine_chunks()
            table.validate(full=True)  # pyarrow's JSON reader lets invalid UTF-8 through; the slow path names the line
            if table.num_rows == len(lines) and "resourceType" not in table.column_names:
                return Chunk({name: table.column(name).chunk(0) if table.column(name).num_chunks else
                              pa.nulls(0, table.column(name).type) for name in table.column_names}, table.num_rows)
        except pa.ArrowInvalid:
            pass
    rows: list[dict[str, Any]] = []
    errors: dict[int, str] = {}
    for number, line in lines:
        value, error = parse_line(line, number, path, responses)
        if error:
            errors[len(rows)] = error
        rows.append(value)
    names = list(dict.fromkeys(k for row in rows for k in row))
    return Chunk({name: [row.get(name) for row in rows] for name in names}, len(rows), errors)


#: at most this many problems of one response are written in its row's error
RESPONSE_PROBLEMS = 20


class ResponseRows:
    """Makes a QuestionnaireResponse line one row, through :func:`vcfgraph.io.fhir.read_response`.

    The row is ``case_id`` (the response's ``id``, or null) and the facts it answers; when the
    reader refuses the response, or it answers another Questionnaire, the row keeps its
    ``case_id`` and gets the reason as its error (``path:line: ...``). An item whose linkId is
    ``case_id`` is an unknown linkId, never the row's id.
    """

    def __init__(self, pathway: Pathway, path: str) -> None:
        self.pathway, self.path = pathway, path

    def __call__(self, line: bytes, number: int) -> tuple[dict[str, Any], str | None]:
        from vcfgraph.io.fhir import Accepted, DuplicateKey, NotOurs, Refused, read_response, unique_keys

        where = f"{self.path}:{number}"
        try:  # again, refusing a key given twice, as trace's reader does
            data = json.loads(line, object_pairs_hook=unique_keys)
        except DuplicateKey as exc:
            return {"case_id": None}, f"{where}: {exc}"
        case_id = data.get("id") if isinstance(data.get("id"), str) and data.get("id") else None
        verdict = read_response(data, self.pathway, source=where, default_id=None)
        match verdict:
            case Accepted(case):
                return {"case_id": case_id, **{k: v for k, v in case.facts.items() if v is not None}}, None
            case Refused(problems):
                shown = "; ".join(p.message for p in problems[:RESPONSE_PROBLEMS])
                more = len(problems) - RESPONSE_PROBLEMS
                return {"case_id": case_id}, f"{where}: {shown}" + (f"; ... and {more} more problems" if more > 0 else "")
            case NotOurs(_, problem):
                return {"case_id": case_id}, f"{where}: {problem.message}"
            case _:
                assert_never(verdict)


def open_input(path: str | Path, rows: int = 131072, fields: dict[str, str] | None = None,
               verbatim: frozenset[str] = frozenset(), pathway: Pathway | None = None) -> Input:
    """Open an input file (or Parquet folder or glob) for reading in chunks of about ``rows`` rows.

    Args:
        fields: JSON Lines: read with this schema (column -> ``bool``, ``number`` or ``text``),
            see :mod:`vcfgraph.batch.jsonl`; None: types inferred per block.
        verbatim: JSON Lines: text columns that take any JSON value, written as JSON text.
        pathway: JSON Lines: read QuestionnaireResponse lines as cases of this pathway (None:
            such a line is an object like any other).
    """
    return Input(path, rows, fields, verbatim, pathway)


def input_sha256(path: str | Path) -> str:
    """The SHA-256 of an input file (hex); of a folder or glob of Parquet files, the SHA-256 of
    the lines ``<sha256>  <name>`` of its parts, in path order (as ``sha256sum`` prints them).

    Raises:
        UsageError: a file cannot be read.
    """
    import hashlib

    def digest(file: Path) -> str:
        h = hashlib.sha256()
        try:
            with open(file, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
        except OSError as exc:
            raise UsageError(f"{file}: cannot read it to take its SHA-256 ({exc.strerror or exc})") from None
        return h.hexdigest()

    if file_format(path) != "parquet" or Path(str(path)).is_file():
        return digest(Path(str(path)))
    base = Path(str(path)) if Path(str(path)).is_dir() else Path(".")
    lines = "".join(f"{digest(p)}  {p.relative_to(base) if p.is_relative_to(base) else p.name}\n"
                    for p in parquet_parts(path))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()
