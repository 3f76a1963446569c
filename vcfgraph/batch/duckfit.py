"""DuckDB's JSON texts fitted to a schema's types, and the checks that send a line back to the
line reader: the parts of :mod:`vcfgraph.batch.duck` that work on whole columns with numpy and Arrow.

:func:`fit` tells a value by its text's first byte, for all rows at once, and reads only the
other texts with ``json.loads`` (once per distinct text, :func:`read_text`); :func:`suspect`
finds the lines DuckDB may have read otherwise than the line reader (a key it ignored, a
trailing comma). Arrays are built from buffers: ``pa.array`` would import pandas.

What it leaves to others: running DuckDB and reading lines again (:mod:`vcfgraph.batch.duck`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vcfgraph.batch.arrays import as_text, ints, strings
from vcfgraph.batch.jsonl import fits

__all__ = ["CACHE", "fit", "found_values", "int_values", "mask", "named_keys", "read_text", "suspect"]

#: plain JSON numbers (DuckDB writes NaN and Infinity too, which json.loads would read)
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_COLON, _NULL, _COMMA = ord(":"), b"null", ord(",")
_T, _F, _QUOTE, _BACKSLASH, _MINUS, _ZERO, _NINE = (ord(c) for c in 'tf"\\-09')
#: distinct texts remembered per column between blocks, at most
CACHE = 4096


def fit(field: pa.Field, column: pa.ChunkedArray, verbatim: bool, cache: dict[str, Any]
        ) -> tuple[pa.Array, np.ndarray, dict[int, Any]]:
    """One column of JSON texts as the schema's type; rows to read again; odd cells.

    A value is told by its text's first byte, for all rows at once: ``t``/``f`` a boolean,
    a digit or ``-`` a number (checked against plain JSON and cast by Arrow), ``"`` text
    (its quotes dropped when it holds no escape). Only the rest (a value of another type, an
    escape, a number past 2**53 or not finite) is read by :func:`read_text`, once per distinct text.
    """
    texts = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not pa.types.is_string(texts.type):
        texts = texts.cast(pa.string())
    n = len(texts)
    if texts.null_count == n:
        return pa.nulls(n, field.type), np.zeros(n, dtype=bool), {}
    valid = mask(texts.is_valid())
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
            plain = mask(pc.match_substring_regex(some, _NUMBER.pattern.join("^$")))
            rows, some = rows[plain], some.filter(_bools(plain))
            numbers = np.asarray(pc.cast(some, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
            sure = np.isfinite(numbers) & (np.abs(numbers) < float(1 << 53))
            good[:] = False
            good[rows[sure]] = True
            values[rows[sure]] = numbers[sure]
    else:
        good = first == _QUOTE
        if np.count_nonzero((data == _BACKSLASH) | (data < 32)):  # an escape: those texts by json.loads
            good &= ~mask(pc.match_substring_regex(texts, r"[\\\x00-\x1f]"), n)
        values = pc.utf8_slice_codeunits(texts, 1, -1) if good.any() else pa.nulls(n, pa.string())
    others = np.flatnonzero(valid & ~good)
    odd = np.zeros(n, dtype=bool)
    cells: dict[int, Any] = {}
    fitted: dict[int, Any] = {}
    if len(others):
        if len(cache) > CACHE:
            cache.clear()
        for row, text in zip(others.tolist(), texts.take(ints(others)).to_pylist()):
            found = cache.get(text)
            if found is None:
                found = cache[text] = read_text(text, field, verbatim)
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


def mask(array: pa.Array, n: int | None = None) -> np.ndarray:
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


def int_values(array: pa.Array) -> np.ndarray:
    """An int64 Arrow array's values as numpy, without a copy (a null row holds any number)."""
    return np.frombuffer(array.buffers()[1], dtype=np.int64, count=array.offset + len(array))[array.offset:]


def _bools(values: np.ndarray) -> pa.Array:
    """A numpy boolean array as an Arrow one, from its buffer."""
    return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(np.packbits(values, bitorder="little"))])


def read_text(text: str, field: pa.Field, verbatim: bool) -> tuple[Any, int, Any]:
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


def found_values(read: pa.StructArray) -> np.ndarray:
    """How many of the schema's columns DuckDB found a value for (not ``null``), per line of
    ``read`` (its struct of columns; 0 on a line it could not read)."""
    found = np.zeros(len(read), dtype=np.int64)
    for k in range(read.type.num_fields):
        column = read.field(k)
        if column.null_count < len(column):
            found += mask(column.is_valid())
    if read.null_count:
        found[~mask(read.is_valid())] = 0
    return found


def named_keys(data: np.ndarray, starts: np.ndarray, ends: np.ndarray, nulls: bool = True) -> np.ndarray:
    """Per line, its colons (every key has one), less the ``null`` values after a colon
    (``nulls``): at least its keys (of a value other than ``null``), as a colon inside a string
    only makes it larger and a ``:null`` inside a string takes back only its own colon."""
    colons = np.flatnonzero(data == _COLON)
    named = np.searchsorted(colons, ends) - np.searchsorted(colons, starts)
    if not nulls:
        return named
    last = len(data) - 1
    value = colons + 1 + (data[np.minimum(colons + 1, last)] == 32)  # ": null" or ":null"
    is_null = data[np.minimum(value, last)] == _NULL[0]
    for k in range(1, 4):
        is_null &= data[np.minimum(value + k, last)] == _NULL[k]
    nulled = colons[is_null]
    return named - (np.searchsorted(nulled, ends) - np.searchsorted(nulled, starts))


def suspect(data: np.ndarray, starts: np.ndarray, ends: np.ndarray, found: np.ndarray,
            keys: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Rows DuckDB may have read otherwise than the line reader: a key it ignored, or a trailing
    comma before the line's closing ``}`` (one inside a value is that value's: a nested value
    is read again anyway, and a key of no column is seen as a key).

    A line holds no key of no column (but one whose value is ``null``, which the line reader
    passes over too) when its keys equal the values DuckDB found (``found``), or else when its
    colons less the ``null`` values after a colon do (:func:`named_keys`): a colon inside a
    string only makes that count larger, so a mismatch may be a false alarm, never a miss.

    A line has no more keys than colons, and no fewer than the values found, so where its colons
    equal ``found`` (a line written by a program: no ``null``, no colon in a text) it holds no
    other key; and as no line has fewer colons than ``found`` (0 on a line DuckDB could not
    read), when ``data`` holds as many colons as all of ``found`` every line does. Only on the
    other lines are the keys counted (``keys(rows)``: DuckDB's ``json_keys``, -1 where it
    cannot read the line or a key is given twice, which makes the row odd), and only where those
    differ are the ``null`` values after a colon.
    ``data`` holds the lines and white space between them, nothing else.
    """
    odd = np.zeros(len(starts), dtype=bool)
    if np.count_nonzero(data == _COLON) == int(found.sum()):  # every line as many colons as values (the usual case)
        rows = np.zeros(0, dtype=np.int64)
    else:
        rows = np.flatnonzero(named_keys(data, starts, ends, nulls=False) != found)
    if len(rows):
        counted = keys(rows)
        odd[rows[counted < 0]] = True  # a key given twice, or a line DuckDB cannot read: the line reader's
        rows = rows[(counted >= 0) & (counted != found[rows])]
    if len(rows):
        odd[rows] = named_keys(data, starts[rows], ends[rows]) != found[rows]
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
