"""JSON Lines without Python per value, in and out.

Reading (:class:`Block`): pyarrow's JSON reader with an explicit schema derived from the fact
vocabulary (:func:`json_schema`), so that a column never changes type between blocks and no
block falls back to Python as a whole. A line that does not fit the schema (a value of another
type, a key the schema does not have, not JSON, not UTF-8) is read by Python alone: pyarrow
names the row it stopped at, the rows before it are read by pyarrow again, that line by
``json.loads``, and reading goes on from the next line. Every line keeps its row, in order, and
its own error with its line number. pyarrow only ever sees lines that start with ``{`` and end
with ``}`` and hold few brackets (:func:`vcfgraph.batch.linescan.arrow_safe`: it crashes on a
lone ``null``, reads ``null`` as an empty row, and overflows its stack on deep nesting); any
other line is read by Python alone, and one that is not an object or is nested too deeply becomes its row's error.
A line that is a FHIR QuestionnaireResponse (by its ``resourceType``, decided per line) is
handed to the ``responses`` callable, which makes it a row (:mod:`vcfgraph.batch.readers`).

Writing (:func:`encode_lines`): the lines are built from Arrow columns by kernels.

Each text column becomes a column of JSON literals (``"..."`` with ``\\`` and ``"`` escaped and
control characters written as ``json`` writes them, or ``null``); each list column becomes
``[...]`` by joining its quoted words with ``", "``; a row's line is the element-wise join of its
literals with the keys between them. The bytes are the same as ``json.dumps(row,
ensure_ascii=False)`` per row: non-ASCII text stays as it is. (A Python ``";"`` or ``"null"``
given to a kernel would become a scalar through ``pa.scalar``, which imports pandas; the constant
pieces are made with :func:`vcfgraph.batch.arrays.strings` instead.)

What it leaves to others: where a block's lines are and which of them pyarrow may see
(:mod:`vcfgraph.batch.linescan`), DuckDB's faster reading of the same blocks
(:mod:`vcfgraph.batch.duck`), cutting the file into blocks (:mod:`vcfgraph.batch.readers`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vcfgraph.batch.arrays import as_text, strings
from vcfgraph.batch.linescan import cut_lines, line_index
from vcfgraph.io.fhir import unique_keys

__all__ = ["Block", "Responses", "encode_lines", "fits", "json_schema", "parse_line", "read_block"]

#: makes a QuestionnaireResponse line (its bytes, its line number) a row and its error (or None)
Responses = Callable[[bytes, int], tuple[dict[str, Any], "str | None"]]

#: how ``json.dumps`` writes the control characters it escapes
_CONTROLS = {chr(c): json.dumps(chr(c))[1:-1] for c in range(0x20)}


@lru_cache(maxsize=64)
def _scalar(text: str) -> pa.Scalar:
    return strings([text])[0]


def _text(column: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_large_string(column.type):
        column = column.cast(pa.string())
    return column


def _quoted(column: pa.Array) -> pa.Array:
    """Text as JSON string literals; null stays null."""
    text = pc.replace_substring(_text(column), "\\", "\\\\")
    text = pc.replace_substring(text, '"', '\\"')
    if pc.any(pc.match_substring_regex(text, "[\\x00-\\x1f]")).as_py():  # rare: escape them as json does
        for char, escaped in _CONTROLS.items():
            text = pc.replace_substring(text, char, escaped)
    quote = _scalar('"')
    return pc.binary_join_element_wise(quote, text, quote, _scalar(""))


def _literal(column: pa.Array) -> pa.Array:
    """A column of text or of lists of text as JSON literals, ``null`` for null."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        words = pa.ListArray.from_arrays(column.offsets, _quoted(column.values), mask=column.is_null()) \
            if column.null_count else pa.ListArray.from_arrays(column.offsets, _quoted(column.values))
        joined = pc.binary_join(words, _scalar(", "))
        literal = pc.binary_join_element_wise(_scalar("["), joined, _scalar("]"), _scalar(""))
    else:
        literal = _quoted(column)
    return pc.fill_null(literal, _scalar("null")) if literal.null_count else literal


def _same_rows(a: pa.Array, b: pa.Array) -> bool:
    """Two dictionary-encoded columns whose rows point the same way (the same indices buffer)."""
    if not (pa.types.is_dictionary(a.type) and pa.types.is_dictionary(b.type)) or len(a.dictionary) != len(b.dictionary):
        return False
    x, y = a.indices, b.indices
    return (x.offset == y.offset and x.null_count == 0 and y.null_count == 0
            and x.buffers()[1].address == y.buffers()[1].address)


def encode_lines(table: pa.Table) -> pa.Buffer:
    """The rows of ``table`` (text and list-of-text columns) as JSON lines, keys in column order:
    byte for byte ``json.dumps(row, ensure_ascii=False) + "\\n"`` of every row.

    A dictionary-encoded column is written once per distinct value and spread over its rows;
    neighbouring dictionary-encoded columns whose rows share one index (the result columns of a
    batch) become one piece of text per distinct result, so a row costs one ``take``, not one
    per column.
    """
    if table.num_rows == 0:
        return pa.py_buffer(b"")
    columns = [c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c for c in table.columns]
    pieces: list[pa.Array | pa.Scalar] = []
    k = 0
    while k < len(columns):
        column = columns[k]
        if not pa.types.is_dictionary(column.type):
            pieces += [_scalar(_key(table.column_names, k)), _literal(column)]
            k += 1
            continue
        end = k + 1
        while end < len(columns) and _same_rows(column, columns[end]):
            end += 1
        parts: list[pa.Array | pa.Scalar] = []
        for j in range(k, end):
            parts += [_scalar(_key(table.column_names, j)), _literal(columns[j].dictionary)]
        fragment = pc.binary_join_element_wise(*parts, _scalar(""))
        piece = fragment.take(column.indices)
        pieces.append(pc.fill_null(piece, _scalar(_key(table.column_names, k) + "null")) if piece.null_count else piece)
        k = end
    pieces.append(_scalar("}\n"))
    lines = pc.binary_join_element_wise(*pieces, _scalar(""))
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32, count=lines.offset + len(lines) + 1)
    first, last = int(offsets[lines.offset]), int(offsets[-1])
    return lines.buffers()[2][first:last]  # the lines, end to end: no copy


def _key(names: list[str], k: int) -> str:
    return ("{" if k == 0 else ", ") + json.dumps(names[k], ensure_ascii=False) + ": "


# ---------------------------------------------------------------------------------- reading


def json_schema(fields: dict[str, str]) -> pa.Schema:
    """The Arrow schema JSON lines are read with: column -> ``bool``, ``number`` or ``text``.

    Numbers are read as float64 (so ``70`` and ``70.0`` both fit; whole floats count as whole
    numbers later); a whole number beyond 2**53 is then no longer exact, which only changes how an
    out-of-range value is shown in its error.
    """
    kinds = {"bool": pa.bool_(), "number": pa.float64(), "text": pa.string()}
    return pa.schema([pa.field(name, kinds[kind]) for name, kind in fields.items()])


class Block:
    """One block of whole JSON lines, read with an explicit schema; rows that do not fit it (a
    value of another type, a key not in the schema, a line that is not JSON or not UTF-8) are
    read one by one, and only they.

    Args:
        verbatim: text columns that take any JSON value, as JSON text (``case_id``, the audit
            column); a value of another type in any other column goes to ``cells``.
        responses: makes a QuestionnaireResponse line a row (None: such a line is an object like
            any other).

    Attributes:
        table: one row per non-blank line, in order, with the schema's columns; a cell that did
            not fit is null there and its raw value is in ``cells``.
        errors: row -> why the line could not be read at all (``path:line: ...``).
        cells: column -> row -> the raw Python value of a cell that did not fit the schema.
    """

    #: lines parsed by pyarrow at once after a row that did not fit; doubled on each success
    WINDOW = 256

    def __init__(self, block: bytes, first_line: int, path: str, schema: pa.Schema, verbatim: frozenset[str],
                 responses: Responses | None = None) -> None:
        self.block, self.first_line, self.path, self.schema = block, first_line, path, schema
        self.errors: dict[int, str] = {}
        self.cells: dict[str, dict[int, Any]] = {}
        self._verbatim = verbatim
        self._responses = responses
        self._lines()
        segments = self._segments()
        self.table = pa.concat_tables(segments).combine_chunks() if segments else schema.empty_table()

    def _lines(self) -> None:
        lines = line_index(self.block, self.first_line)
        self.numbers, self.starts, self.ends, self.broken = lines.numbers, lines.starts, lines.ends, lines.broken

    def _read(self, first: int, stop: int) -> pa.Table:
        import pyarrow.json as pjson

        data = memoryview(self.block)[int(self.starts[first]):int(self.ends[stop - 1])]
        table = pjson.read_json(pa.BufferReader(pa.py_buffer(data)),
                                read_options=pjson.ReadOptions(block_size=len(data) + 1, use_threads=False),
                                parse_options=pjson.ParseOptions(explicit_schema=self.schema,
                                                                 unexpected_field_behavior="error"))
        if table.num_rows != stop - first:  # two objects on one line: read those lines alone
            raise pa.ArrowInvalid("rows and lines differ")
        return table

    def _segments(self) -> list[pa.Table]:
        segments: list[pa.Table] = []
        pos, total, window = 0, len(self.starts), self.WINDOW
        broken = sorted(self.broken)
        while pos < total:
            limit = next((b for b in broken if b >= pos), total)
            if limit == pos:
                segments.append(self._slow(pos))
                pos += 1
                continue
            stop = min(limit, pos + window)
            try:
                segments.append(self._read(pos, stop))
                pos, window = stop, window * 2
                continue
            except pa.ArrowInvalid as exc:
                found = _ROW.search(str(exc))
                row = int(found.group(1)) if found else -1
            if 0 < row < stop - pos:
                try:
                    segments.append(self._read(pos, pos + row))
                    pos += row
                except pa.ArrowInvalid:
                    window = max(1, (stop - pos) // 2)
                    continue
            elif stop - pos > 1 and row != 0:
                window = max(1, (stop - pos) // 2)  # no row named: halve until the line is found
                continue
            segments.append(self._slow(pos))
            pos += 1
            window = self.WINDOW
        return segments

    def _slow(self, row: int) -> pa.Table:
        """One line read by Python: its fitted values as a one-row table; the rest in cells/errors."""
        line = self.block[int(self.starts[row]):int(self.ends[row])]
        number = int(self.numbers[row])
        value, error = parse_line(line, number, self.path, self._responses)
        if error:
            self.errors[row] = error
        fitted: dict[str, Any] = {}
        for key, raw in value.items():
            kind = self.schema.field(key).type if key in self.schema.names else None
            if raw is None:
                continue
            if kind is not None and fits(raw, kind):
                fitted[key] = raw
            elif key in self._verbatim:  # case_id and the audit column: any JSON value, as JSON text
                fitted[key] = as_text(raw)
            else:
                self.cells.setdefault(key, {})[row] = raw
        return _one_row(fitted, self.schema)


def parse_line(line: bytes, number: int, path: str, responses: Responses | None) -> tuple[dict[str, Any], str | None]:
    """One JSON line as a row (an object of column names and values) and its error, or None.

    A line that is not JSON, not an object, gives a key twice or is nested too deeply is an empty
    row with its error;
    a QuestionnaireResponse goes to ``responses``.
    """
    try:  # a key given twice is refused, as the case files' reader and DuckDB's fast path refuse it
        value = json.loads(line, object_pairs_hook=unique_keys)
    except RecursionError:
        return {}, f"{path}:{number}: the JSON line is nested too deeply; a line is an object of fact names and values"
    except ValueError as exc:  # UnicodeDecodeError included
        return {}, f"{path}:{number}: not a valid JSON line ({short_reason(exc)})"
    if not isinstance(value, dict):
        return {}, f"{path}:{number}: a JSON line must be an object of fact names and values"
    if responses is not None and value.get("resourceType") == "QuestionnaireResponse":
        return responses(line, number)
    return value, None


def short_reason(exc: BaseException) -> str:
    """An exception's text, at most 200 characters (a bad line is never quoted whole)."""
    text = str(exc)
    return text if len(text) <= 200 else text[:200] + "..."


def read_block(block: bytes, first_line: int, path: str, schema: pa.Schema, verbatim: frozenset[str],
               workers: int, responses: Responses | None = None) -> tuple[pa.Table, dict[int, str], dict[str, dict[int, Any]]]:
    """Read a block of whole JSON lines as :class:`Block` does, in up to ``workers`` parts at once.

    The parts are cut at line ends, each is a :class:`Block` with its own line numbers (so every
    error keeps its line), and their rows, errors and odd cells are put back together in order.
    pyarrow's reader releases the GIL, so the parts are parsed on several cores; one reader over
    the whole block with its own threads would number a bad row within its own internal block,
    which cannot be told back to a line.

    Returns:
        The table, row -> error, and column -> row -> raw value, as :class:`Block`'s attributes.
    """
    pieces = [(block[a:b], first_line + block.count(b"\n", 0, a)) for a, b in cut_lines(block, workers)]
    if len(pieces) == 1:
        read = Block(pieces[0][0], pieces[0][1], path, schema, verbatim, responses)
        return read.table, read.errors, read.cells
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(pieces), thread_name_prefix="vcfgraph-json") as pool:
        blocks = list(pool.map(lambda piece: Block(piece[0], piece[1], path, schema, verbatim, responses), pieces))
    errors: dict[int, str] = {}
    cells: dict[str, dict[int, Any]] = {}
    start = 0
    for read in blocks:
        errors.update({start + row: message for row, message in read.errors.items()})
        for name, values in read.cells.items():
            cells.setdefault(name, {}).update({start + row: value for row, value in values.items()})
        start += read.table.num_rows
    return pa.concat_tables([read.table for read in blocks]).combine_chunks(), errors, cells


_ROW = re.compile(r" in row (\d+)$")


def fits(value: Any, kind: pa.DataType) -> bool:
    """Whether a raw JSON value fits a column of this Arrow type as it is (a whole number beyond
    2**53, a string for a boolean, a float that is not finite: no)."""
    if pa.types.is_boolean(kind):
        return isinstance(value, bool)
    if pa.types.is_floating(kind):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        try:
            return math.isfinite(float(value)) and (isinstance(value, float) or abs(value) < (1 << 53))
        except OverflowError:
            return False
    return isinstance(value, str)


def _one_row(values: dict[str, Any], schema: pa.Schema) -> pa.Table:
    """A one-row table of ``schema`` from fitted values (absent: null), built without pandas."""
    columns = []
    for f in schema:
        value = values.get(f.name)
        valid = None if value is not None else pa.py_buffer(b"\x00")
        if pa.types.is_string(f.type):
            columns.append(strings([value]))
        elif pa.types.is_boolean(f.type):
            columns.append(pa.Array.from_buffers(f.type, 1, [valid, pa.py_buffer(bytes([1 if value else 0]))]))
        else:
            data = np.array([0.0 if value is None else float(value)], dtype=np.float64)
            columns.append(pa.Array.from_buffers(f.type, 1, [valid, pa.py_buffer(data)]))
    return pa.Table.from_arrays(columns, schema=schema)
