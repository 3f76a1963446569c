"""JSON Lines blocks read by DuckDB, with :class:`vcfgraph.batch.jsonl.Block` for the lines it cannot read.

:func:`read_block` takes the same block of whole lines as :func:`vcfgraph.batch.jsonl.read_block`
and gives the same table, row errors and odd cells, row for row; only the time differs.

A part of a block whose lines all fit the schema (a file written by a program) is read by
pyarrow's JSON reader with the schema, strictly, which costs about the CPU DuckDB's texts and
their checks cost and spares a typed file DuckDB's import; when one part does not fit, that
thread reads its later parts by DuckDB directly.

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
- keys DuckDB ignores (a key of no column): a line's keys (``json_keys``, counted by DuckDB)
  must equal the values it found; where they differ (a key whose value is ``null``, or of no
  column), the line's colons (every key has one) less the ``null`` values after a colon must: a
  colon inside a string only makes that count larger, so a mismatch may be a false alarm, never
  a miss (a key of no column whose value is ``null`` is passed over, as the line reader passes
  it). The keys are counted only on the lines whose colons differ from the values found: a line
  has no more keys than colons, so on the others they are equal
  (:func:`vcfgraph.batch.duckfit.suspect`);
- a trailing comma before the line's closing ``}`` (``{"a": 1,}``), which DuckDB accepts; one
  inside a value is that value's, and a nested value is read again anyway;
- values whose text is not plain JSON (``NaN``, ``Infinity``) or that nest (``[70]``, ``{...}``);
- a key given twice (DuckDB keeps the first value; the line reader refuses the line): a line's
  keys are counted where its colons differ from the values found, which a second key always
  makes them, and a line whose keys repeat is the line reader's;
- the lines DuckDB refuses (not JSON, a lone surrogate): the block is read
  again with each line under ``TRY``, so such a line is null there and the others are kept.

What it leaves to others: cutting the file into blocks and the file's columns
(:mod:`vcfgraph.batch.readers`), the values' domains (:mod:`vcfgraph.batch.columns`).
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

import numpy as np
import pyarrow as pa

from vcfgraph.batch.arrays import ints
from vcfgraph.batch.duckfit import fit, found_values, int_values, mask, suspect
from vcfgraph.batch.jsonl import Block, Responses
from vcfgraph.batch.linescan import cut_lines, line_ends, line_index

__all__ = ["available", "read_block"]

_LOCAL = threading.local()


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
        read = out.column(0).combine_chunks()
        if len(read) != b - a:  # not expected: every line is a row
            return self.schema.empty_table(), np.ones(b - a, dtype=bool), {}
        raw = [read.field(k) for k in range(read.type.num_fields)]

        def keys(rows: np.ndarray) -> np.ndarray:  # the keys of these lines, by DuckDB (-1: it cannot read one, or a key is given twice)
            some = pa.Table.from_arrays([lines.take(ints(rows))], names=["line"])
            keys_of = "TRY(json_keys(line))"
            counted = _transform(con, some, f"CASE WHEN len(list_distinct({keys_of})) = len({keys_of}) "
                                            f"THEN len({keys_of}) END AS k").column(0).combine_chunks()
            return np.where(mask(counted.is_valid()), int_values(counted), -1)

        odd = mask(read.is_null())
        odd |= suspect(np.frombuffer(data, dtype=np.uint8), starts[a:b] - lo, self.lines.ends[a:b] - lo,
                       found_values(read), keys)
        arrays, cells = [], {}
        for field, column in zip(self.schema, raw):
            cache = _LOCAL.cache.setdefault(field.name, {})
            array, column_odd, column_cells = fit(field, column, field.name in self.verbatim, cache)
            arrays.append(array)
            odd |= column_odd
            if column_cells:
                cells[field.name] = column_cells
        return pa.Table.from_arrays(arrays, schema=self.schema), odd, cells

def _query(spec: str, each: bool) -> str:
    """The lines' values as JSON texts (``r``); ``each``: a line DuckDB refuses is null
    (``TRY``), not an error of the whole block."""
    def guard(expression: str) -> str:
        return f"TRY({expression})" if each else expression

    literal = "'" + spec.replace("'", "''") + "'"
    return f"{guard(f'json_transform(line, {literal})')} AS r"


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


def _shift(cells: dict[str, dict[int, Any]], lo: int, hi: int) -> dict[str, dict[int, Any]]:
    """The cells of rows ``lo`` to ``hi``, numbered from ``lo``."""
    out = {}
    for name, values in cells.items():
        kept = {row - lo: value for row, value in values.items() if lo <= row < hi}
        if kept:
            out[name] = kept
    return out
