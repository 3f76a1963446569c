"""JSON Lines output without Python per value: the lines are built from Arrow columns by kernels.

Each text column becomes a column of JSON literals (``"..."`` with ``\\`` and ``"`` escaped and
control characters written as ``json`` writes them, or ``null``); each list column becomes
``[...]`` by joining its quoted words with ``", "``; a row's line is the element-wise join of its
literals with the keys between them. The bytes are the same as ``json.dumps(row,
ensure_ascii=False)`` per row: non-ASCII text stays as it is. (A Python ``";"`` or ``"null"``
given to a kernel would become a scalar through ``pa.scalar``, which imports pandas; the constant
pieces are made with :func:`vcfgraph.batch.arrays.strings` instead.)
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vcfgraph.batch.arrays import strings

__all__ = ["encode_lines"]

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


def encode_lines(table: pa.Table) -> pa.Buffer:
    """The rows of ``table`` (text and list-of-text columns) as JSON lines, keys in column order:
    byte for byte ``json.dumps(row, ensure_ascii=False) + "\\n"`` of every row."""
    if table.num_rows == 0:
        return pa.py_buffer(b"")
    pieces: list[pa.Array | pa.Scalar] = []
    for k, name in enumerate(table.column_names):
        key = ("{" if k == 0 else ", ") + json.dumps(name, ensure_ascii=False) + ": "
        pieces += [_scalar(key), _literal(table.column(k))]
    pieces.append(_scalar("}\n"))
    lines = pc.binary_join_element_wise(*pieces, _scalar(""))
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32, count=lines.offset + len(lines) + 1)
    first, last = int(offsets[lines.offset]), int(offsets[-1])
    return lines.buffers()[2][first:last]  # the lines, end to end: no copy
