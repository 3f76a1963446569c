"""JSON Lines blocks read by DuckDB, with :class:`vcfgraph.batch.jsonl.Block` for the lines it cannot read.

:func:`read_block` takes the same block of whole lines as :func:`vcfgraph.batch.jsonl.read_block`
and gives the same table, row errors and odd cells, row for row; only the time differs.

A part of a block whose lines all fit the schema (a file written by a program) is read by
pyarrow's JSON reader with the schema, strictly, which costs less than DuckDB's texts and their
checks; when one part does not fit, that thread reads its later parts by DuckDB directly.

DuckDB's ``json_transform`` reads the lines with every schema column typed ``JSON`` (so a value of
another type is never an error and never cast: a column holds each value's JSON text), and the
texts are fitted to the column's type as the line reader fits them
(:func:`vcfgraph.batch.jsonl.fits`), for all rows at once, by the text's first byte: ``t`` or
``f`` a boolean; a digit or ``-`` a number, when it is plain JSON, finite and below 2**53 (cast
by Arrow); ``"`` text, its quotes dropped, when it holds no escape. Only the other texts are read
by ``json.loads``, once per distinct text; a value that does not fit is null in the table and its
raw value goes to ``cells``, as there.

DuckDB is more lenient than the line reader and silent where it is strict, so every line it
reads is checked, and any line that might differ is handed to ``Block`` (the slow path, for
those lines only):

- lines that are not an object or not UTF-8 (DuckDB reads any depth of nesting; the line reader
  counts the brackets of the lines it is given);
- keys DuckDB ignores (a key of no column): a line's keys (``json_keys``, counted by DuckDB) must
  equal the values it found; where they differ (a key whose value is ``null``, or of no column),
  the line's colons (every key has one) less the ``null`` values after a colon must: a colon
  inside a string only makes that count larger, so a mismatch may be a false alarm, never a
  miss (a key of no column whose value is ``null`` is passed over, as the line reader passes it);
- a trailing comma before the line's closing ``}`` (``{"a": 1,}``), which DuckDB accepts; one
  inside a value is that value's, and a nested value is read again anyway;
- values whose text is not plain JSON (``NaN``, ``Infinity``) or that nest (``[70]``, ``{...}``);
- the lines DuckDB refuses (not JSON, a key given twice, a lone surrogate): the block is read
  again with each line under ``TRY``, so such a line is null there and the others are kept.

What it leaves to others: cutting the file into blocks and the file's columns
(:mod:`vcfgraph.batch.readers`), the values' domains (:mod:`vcfgraph.batch.columns`).
"""

from __future__ import annotations

import json
import re
import sys
import threading
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vcfgraph.batch.arrays import as_text, ints, strings
from vcfgraph.batch.jsonl import Block, Responses, cut_lines, fits, line_ends, line_index

__all__ = ["available", "read_block"]

_LOCAL = threading.local()
#: plain JSON numbers (DuckDB writes NaN and Infinity too, which json.loads would read)
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_COLON, _NULL, _COMMA = ord(":"), b"null", ord(",")
_T, _F, _QUOTE, _BACKSLASH, _MINUS, _ZERO, _NINE = (ord(c) for c in 'tf"\\-09')
#: distinct texts remembered per column between blocks, at most
_CACHE = 4096


def available() -> bool:
    """Whether DuckDB can be imported."""
    import importlib.util

    return importlib.util.find_spec("duckdb") is not None


def _connection() -> Any:
    con = getattr(_LOCAL, "con", None)
    if con is None:
        import duckdb

        con = _LOCAL.con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        con.execute("SET threads = 1")  # the blocks are read in parts, one helper thread each
        _LOCAL.cache = {}
    return con


def read_block(block: bytes | memoryview, first_line: int, path: str, schema: pa.Schema, verbatim: frozenset[str],
               responses: Responses | None = None, workers: int = 1
               ) -> tuple[pa.Table, dict[int, str], dict[str, dict[int, Any]]]:
    """Read a block of whole JSON lines as :func:`vcfgraph.batch.jsonl.read_block` does.

    The block is read in up to ``workers`` parts at once (DuckDB and pyarrow let other threads run).
    A part whose every line fits the schema is read by pyarrow's reader, strictly; once a part
    does not, this thread's parts are read by DuckDB.

    Returns:
        The table (one row per non-blank line, in order), row -> error, and column -> row -> raw value.
    """
    parts = cut_lines(block, workers)
    if len(parts) == 1:
        return _read_part(block, first_line, path, schema, verbatim, responses)
    pool = _pool(len(parts))
    firsts = [first_line + (line_ends(block, 0, a) if a else 0) for a, _b in parts]
    reads = list(pool.map(lambda k: _read_part(block[parts[k][0]:parts[k][1]], firsts[k], path, schema, verbatim,
                                               responses), range(len(parts))))
    errors: dict[int, str] = {}
    cells: dict[str, dict[int, Any]] = {}
    start = 0
    for table, part_errors, part_cells in reads:
        errors.update({start + row: message for row, message in part_errors.items()})
        for name, values in part_cells.items():
            cells.setdefault(name, {}).update({start + row: value for row, value in values.items()})
        start += table.num_rows
    return pa.concat_tables([r[0] for r in reads]).combine_chunks(), errors, cells


_POOL: Any = None


def _pool(workers: int) -> Any:
    """Helper threads kept between blocks (each keeps its DuckDB connection and its cache)."""
    global _POOL
    if _POOL is None or _POOL._max_workers < workers:
        from concurrent.futures import ThreadPoolExecutor

        _POOL = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vcfgraph-duck")
    return _POOL


def _read_part(block: bytes | memoryview, first_line: int, path: str, schema: pa.Schema, verbatim: frozenset[str],
               responses: Responses | None) -> tuple[pa.Table, dict[int, str], dict[str, dict[int, Any]]]:
    typed = not getattr(_LOCAL, "mixed", False)
    lines = line_index(block, first_line, brackets=typed)  # (DuckDB reads any depth; pyarrow may not)
    if typed and not lines.broken and len(lines.starts):
        table = _typed(block, lines, schema)
        if table is not None:  # every line an object of the schema's types
            return table, {}, {}
        _LOCAL.mixed = True  # a file that mixes types in one block mostly does in the next: DuckDB from now on
    return _Reader(block, lines, path, schema, verbatim, responses).run()


def _typed(block: bytes | memoryview, lines: Any, schema: pa.Schema) -> pa.Table | None:
    """The lines read by pyarrow's JSON reader with the schema, strictly (a value of another type
    or a key of no column is an error), or None. Where every line fits, it reads them in one
    pass with less work than DuckDB's texts and their checks; the line reader reads such lines
    with it too, so the rows are the same."""
    import pyarrow.json as pjson

    data = memoryview(block)[int(lines.starts[0]):]
    try:
        table = pjson.read_json(pa.BufferReader(pa.py_buffer(data)),
                                read_options=pjson.ReadOptions(block_size=len(data) + 1, use_threads=False),
                                parse_options=pjson.ParseOptions(explicit_schema=schema,
                                                                 unexpected_field_behavior="error"))
    except pa.ArrowInvalid:
        return None
    return table.combine_chunks() if table.num_rows == len(lines.starts) else None


class _Reader:
    def __init__(self, block: bytes | memoryview, lines: Any, path: str, schema: pa.Schema, verbatim: frozenset[str],
                 responses: Responses | None) -> None:
        self.block, self.lines, self.path, self.schema = block, lines, path, schema
        self.verbatim, self.responses = verbatim, responses
        self.parts: list[tuple[int, pa.Table, dict[int, str], dict[str, dict[int, Any]]]] = []

    def run(self) -> tuple[pa.Table, dict[int, str], dict[str, dict[int, Any]]]:
        total = len(self.lines.starts)
        broken = sorted(self.lines.broken)
        pos = 0
        for stop in broken + [total]:
            if stop > pos:
                self._range(pos, stop)
            if stop < total:
                self._block(stop, stop + 1)
            pos = stop + 1
        self.parts.sort(key=lambda p: p[0])
        errors: dict[int, str] = {}
        cells: dict[str, dict[int, Any]] = {}
        for start, _table, part_errors, part_cells in self.parts:
            errors.update({start + row: message for row, message in part_errors.items()})
            for name, values in part_cells.items():
                cells.setdefault(name, {}).update({start + row: value for row, value in values.items()})
        tables = [p[1] for p in self.parts]
        table = pa.concat_tables(tables).combine_chunks() if tables else self.schema.empty_table()
        return table, errors, cells

    def _block(self, first: int, stop: int) -> None:
        """Lines ``first`` to ``stop`` read by the line reader."""
        starts, ends = self.lines.starts, self.lines.ends
        data = bytes(self.block[int(starts[first]):int(ends[stop - 1]) + 1])  # (the block may be a memoryview)
        read = Block(data, int(self.lines.numbers[first]), self.path, self.schema, self.verbatim, self.responses)
        self.parts.append((first, read.table, read.errors, read.cells))

    def _range(self, first: int, stop: int) -> None:
        """Lines ``first`` to ``stop`` (none of them broken), by DuckDB where it can."""
        table, odd, cells = self._duck(first, stop)
        self._splice(first, table, odd, cells)

    def _splice(self, a: int, table: pa.Table, odd: np.ndarray, cells: dict[str, dict[int, Any]]) -> None:
        """DuckDB's rows, with the rows in ``odd`` (and runs of them) read by the line reader instead."""
        flagged = np.flatnonzero(odd)
        if not len(flagged):
            self.parts.append((a, table, {}, cells))
            return
        if len(flagged) == len(odd):
            self._block(a, a + len(odd))
            return
        runs = np.split(flagged, np.flatnonzero(np.diff(flagged) > 1) + 1)
        pos = 0
        for run in runs:
            lo, hi = int(run[0]), int(run[-1]) + 1
            if lo > pos:
                self.parts.append((a + pos, table.slice(pos, lo - pos), {},
                                   _shift(cells, pos, lo)))
            self._block(a + lo, a + hi)
            pos = hi
        if pos < table.num_rows:
            self.parts.append((a + pos, table.slice(pos), {}, _shift(cells, pos, table.num_rows)))

    def _duck(self, a: int, b: int) -> tuple[pa.Table, np.ndarray, dict[str, dict[int, Any]]]:
        """Lines ``a`` to ``b`` by DuckDB: the typed table, the rows to read again, the odd cells.

        The lines go to DuckDB as an Arrow column of text without a copy (a line runs on to the
        next line's start: line ends and blank lines are white space to a JSON parser); a line it
        cannot read (not JSON, a key twice) is null under ``TRY`` and read again by the line reader.
        """
        starts = self.lines.starts
        lo = int(starts[a])
        hi = int(starts[b]) if b < len(starts) else len(self.block)
        offsets = np.append(starts[a:b] - lo, hi - lo).astype(np.int32)
        data = memoryview(self.block)[lo:hi]
        lines = pa.Array.from_buffers(pa.string(), b - a, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
        spec = json.dumps({name: "JSON" for name in self.schema.names})
        con = _connection()
        table = pa.Table.from_arrays([lines], names=["line"])
        out = None
        if not getattr(_LOCAL, "refused", False):  # without TRY first: it costs a sixth of the time
            import duckdb

            try:
                out = _transform(con, table, _query(spec, False))
            except duckdb.Error:  # a line DuckDB refuses: TRY, here and in the blocks after
                _LOCAL.refused = True
        if out is None:
            out = _transform(con, table, _query(spec, True))
        read, keys = out.column(0).combine_chunks(), out.column(1).combine_chunks()
        if len(read) != b - a:  # not expected: every line is a row
            return self.schema.empty_table(), np.ones(b - a, dtype=bool), {}
        raw = [read.field(k) for k in range(read.type.num_fields)]
        odd = _mask(read.is_null()) | _mask(keys.is_null())
        odd |= _suspect(np.frombuffer(data, dtype=np.uint8), starts[a:b] - lo, self.lines.ends[a:b] - lo, raw,
                        _ints(keys))
        arrays, cells = [], {}
        for field, column in zip(self.schema, raw):
            array, column_odd, column_cells = self._fit(field, column)
            arrays.append(array)
            odd |= column_odd
            if column_cells:
                cells[field.name] = column_cells
        return pa.Table.from_arrays(arrays, schema=self.schema), odd, cells

    def _fit(self, field: pa.Field, column: pa.ChunkedArray) -> tuple[pa.Array, np.ndarray, dict[int, Any]]:
        """One column of JSON texts as the schema's type; rows to read again; odd cells.

        A value is told by its text's first byte, for all rows at once: ``t``/``f`` a boolean,
        a digit or ``-`` a number (checked against plain JSON and cast by Arrow), ``"`` text
        (its quotes dropped when it holds no escape). Only the rest (a value of another type, an
        escape, a number past 2**53 or not finite) is read by :func:`_read`, once per distinct text.
        """
        texts = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        if not pa.types.is_string(texts.type):
            texts = texts.cast(pa.string())
        n = len(texts)
        if texts.null_count == n:
            return pa.nulls(n, field.type), np.zeros(n, dtype=bool), {}
        valid = _mask(texts.is_valid())
        offsets = np.frombuffer(texts.buffers()[1], dtype=np.int32, count=texts.offset + n + 1)[texts.offset:]
        data = np.frombuffer(texts.buffers()[2], dtype=np.uint8)
        first = np.where(valid, data[np.minimum(offsets[:-1], max(len(data) - 1, 0))], 0)
        kind = field.type
        if pa.types.is_boolean(kind):
            good = (first == _T) | (first == _F)
            values: Any = first == _T
        elif pa.types.is_floating(kind):
            good = ((first >= _ZERO) & (first <= _NINE)) | (first == _MINUS)
            values = np.zeros(n, dtype=np.float64)
            if good.any():
                rows = np.flatnonzero(good)
                some = texts.take(ints(rows))
                plain = _mask(pc.match_substring_regex(some, _NUMBER.pattern.join("^$")))
                rows, some = rows[plain], some.filter(_bools(plain))
                numbers = np.asarray(pc.cast(some, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
                sure = np.isfinite(numbers) & (np.abs(numbers) < float(1 << 53))
                good[:] = False
                good[rows[sure]] = True
                values[rows[sure]] = numbers[sure]
        else:
            good = first == _QUOTE
            if np.count_nonzero((data == _BACKSLASH) | (data < 32)):  # an escape: those texts by json.loads
                good &= ~_mask(pc.match_substring_regex(texts, r"[\\\x00-\x1f]"), n)
            values = pc.utf8_slice_codeunits(texts, 1, -1) if good.any() else pa.nulls(n, pa.string())
        others = np.flatnonzero(valid & ~good)
        odd = np.zeros(n, dtype=bool)
        cells: dict[int, Any] = {}
        fitted: dict[int, Any] = {}
        if len(others):
            cache = _LOCAL.cache.setdefault(field.name, {})
            if len(cache) > _CACHE:
                cache.clear()
            verbatim = field.name in self.verbatim
            for row, text in zip(others.tolist(), texts.take(ints(others)).to_pylist()):
                found = cache.get(text)
                if found is None:
                    found = cache[text] = _read(text, field, verbatim)
                if found[1] == 0:
                    fitted[row] = found[0]
                elif found[1] == 1:
                    cells[row] = found[2]
                else:
                    odd[row] = True
        return _column(kind, values, good, fitted), odd, cells


def _column(kind: pa.DataType, values: Any, good: np.ndarray, fitted: dict[int, Any]) -> pa.Array:
    """A column of the schema's type: ``values`` where ``good``, the ``fitted`` values at their
    rows, null elsewhere; built from buffers (``pa.array`` would import pandas)."""
    n = len(good)
    if pa.types.is_string(kind):
        if fitted:
            rows = sorted(fitted)
            values = pc.replace_with_mask(values, _bools(np.isin(np.arange(n), rows)), strings([fitted[r] for r in rows]))
            good = good.copy()
            good[rows] = True
        if good.all():
            return values
        return pc.if_else(_bools(good), values, pa.nulls(n, pa.string()))
    for row, value in fitted.items():  # a boolean or a number: set in numpy
        values[row] = value
        good[row] = True
    nulls = n - int(np.count_nonzero(good))
    validity = pa.py_buffer(np.packbits(good, bitorder="little")) if nulls else None
    data = pa.py_buffer(np.packbits(values, bitorder="little")) if pa.types.is_boolean(kind) else pa.py_buffer(values)
    return pa.Array.from_buffers(kind, n, [validity, data], null_count=nulls)


def _mask(array: pa.Array, n: int | None = None) -> np.ndarray:
    """A boolean Arrow array as numpy, null as False (read from its bits: no pandas, no objects)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    size, at = len(array), array.offset

    def bits(buffer: pa.Buffer) -> np.ndarray:
        return np.unpackbits(np.frombuffer(buffer, dtype=np.uint8), bitorder="little")[at:at + size].astype(bool)

    out = bits(array.buffers()[1]) if size else np.zeros(0, dtype=bool)
    if array.null_count:
        out &= bits(array.buffers()[0])
    return out


def _ints(array: pa.Array) -> np.ndarray:
    """An int64 Arrow array's values as numpy, without a copy (a null row holds any number)."""
    return np.frombuffer(array.buffers()[1], dtype=np.int64, count=array.offset + len(array))[array.offset:]


def _bools(values: np.ndarray) -> pa.Array:
    """A numpy boolean array as an Arrow one, from its buffer."""
    return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(np.packbits(values, bitorder="little"))])


def _query(spec: str, each: bool) -> str:
    """The lines' values as JSON texts (``r``) and their count of keys (``k``); ``each``: a line
    DuckDB refuses is null (``TRY``), not an error of the whole block."""
    def guard(expression: str) -> str:
        return f"TRY({expression})" if each else expression

    literal = "'" + spec.replace("'", "''") + "'"
    return f"{guard(f'json_transform(line, {literal})')} AS r, {guard('len(json_keys(line))')} AS k"


def _transform(con: Any, table: pa.Table, expression: str) -> pa.Table:
    """``expression`` over the rows of ``table``, by DuckDB, without importing pandas: DuckDB
    imports it (when installed) to ask whether an object is a DataFrame, which would add half a
    second to every batch's start. While pandas is not imported, ``import pandas`` is made to
    fail for the length of this call."""
    guard = "pandas" not in sys.modules
    if guard:
        sys.modules["pandas"] = None  # type: ignore[assignment]
    try:
        return con.from_arrow(table).project(expression).to_arrow_table()
    finally:
        if guard and sys.modules.get("pandas", 0) is None:
            del sys.modules["pandas"]


def _read(text: str, field: pa.Field, verbatim: bool) -> tuple[Any, int, Any]:
    """A distinct JSON text of a column: (its value in the table or None, 0 fits / 1 odd cell / 2
    read the line again, the raw value)."""
    first = text[:1]
    if first in ("[", "{") or not (first == '"' or text in ("true", "false") or _NUMBER.fullmatch(text)):
        return None, 2, None
    raw = json.loads(text)
    if fits(raw, field.type):
        return raw, 0, raw
    if verbatim:
        return as_text(raw), 0, raw
    return None, 1, raw


def _shift(cells: dict[str, dict[int, Any]], lo: int, hi: int) -> dict[str, dict[int, Any]]:
    """The cells of rows ``lo`` to ``hi``, numbered from ``lo``."""
    out = {}
    for name, values in cells.items():
        kept = {row - lo: value for row, value in values.items() if lo <= row < hi}
        if kept:
            out[name] = kept
    return out


def _suspect(data: np.ndarray, starts: np.ndarray, ends: np.ndarray, raw: list[pa.Array],
             keys: np.ndarray) -> np.ndarray:
    """Rows DuckDB may have read otherwise than the line reader: a key it ignored, or a trailing
    comma before the line's closing ``}`` (one inside a value is that value's: a nested value
    is read again anyway, and a key of no column is seen as a key).

    A line holds no key of no column (but one whose value is ``null``, which the line reader
    passes over too) when its keys (``keys``, DuckDB's count) equal the values DuckDB found, or
    else when its colons (every key has one) less the ``null`` values after a colon do: a colon
    inside a string only makes the count larger, so a mismatch may be a false alarm, never a miss.
    """
    found = np.zeros(len(starts), dtype=np.int64)
    for column in raw:
        if column.null_count < len(column):
            found += _mask(column.is_valid())
    odd = keys != found
    if odd.any():  # keys of value null, or of no column: the colons less the nulls, on those lines
        last = len(data) - 1
        colons = np.flatnonzero(data == _COLON)
        value = colons + 1 + (data[np.minimum(colons + 1, last)] == 32)  # ": null" or ":null"
        is_null = data[np.minimum(value, last)] == _NULL[0]
        for k in range(1, 4):
            is_null &= data[np.minimum(value + k, last)] == _NULL[k]
        named = np.searchsorted(colons, ends) - np.searchsorted(colons, starts)
        nulls = colons[is_null]
        named -= np.searchsorted(nulls, ends) - np.searchsorted(nulls, starts)
        odd &= named != found
    close = _back(data, ends - 1, starts)  # the line's closing brace: white space may follow it
    odd |= data[close] != ord("}")
    before = _back(data, close - 1, starts)
    return odd | (data[before] == _COMMA) | _space(data[before])


def _space(byte: np.ndarray) -> np.ndarray:
    return (byte == 32) | (byte == 9) | (byte == 13) | (byte == 10)


def _back(data: np.ndarray, at: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """From each position step back over white space (a few bytes at most), not below ``floor``."""
    at = np.maximum(at, floor)
    for _ in range(8):
        step = _space(data[at]) & (at > floor)
        if not step.any():
            break
        at = at - step
    return at
