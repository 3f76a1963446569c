"""Arrow arrays built straight from their buffers: numbers from numpy, text from Python strings.

``pa.array`` on a Python list or a numpy array first asks pandas whether the value is one of
its types, and so imports pandas (0.2-0.25 s) whenever it is installed (the dask extra brings
it). A 10-row batch would spend most of its time there. These helpers build the same arrays
from buffers, which never touches pandas.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

import numpy as np
import pyarrow as pa

__all__ = ["ints", "strings", "string_lists", "sparse_strings", "encoded", "as_text"]

_INT_TYPES = {np.dtype(np.int8): pa.int8(), np.dtype(np.int32): pa.int32(), np.dtype(np.int64): pa.int64()}


def ints(values: np.ndarray) -> pa.Array:
    """A numpy int8, int32 or int64 array as an Arrow array, without a copy."""
    values = np.ascontiguousarray(values)
    return pa.Array.from_buffers(_INT_TYPES[values.dtype], len(values), [None, pa.py_buffer(values)])


def _validity(present: np.ndarray) -> tuple[pa.Buffer | None, int]:
    nulls = int(len(present) - np.count_nonzero(present))
    if not nulls:
        return None, 0
    return pa.py_buffer(np.packbits(present, bitorder="little")), nulls


def _offsets(lengths: np.ndarray) -> np.ndarray:
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def strings(values: Sequence[str | None]) -> pa.Array:
    """Python strings (None for null) as an Arrow string array (large_string past 2 GiB).

    A lone surrogate, which UTF-8 cannot hold, is written as its escape (``\\ud800``).
    """
    encoded = [b"" if v is None else v.encode("utf-8", "backslashreplace") for v in values]
    n = len(encoded)
    present = np.fromiter((v is not None for v in values), dtype=bool, count=n)
    offsets = _offsets(np.fromiter(map(len, encoded), dtype=np.int64, count=n))
    validity, nulls = _validity(present)
    kind, width = (pa.string(), np.int32) if offsets[-1] < (1 << 31) else (pa.large_string(), np.int64)
    buffers = [validity, pa.py_buffer(offsets.astype(width)), pa.py_buffer(b"".join(encoded))]
    return pa.Array.from_buffers(kind, n, buffers, null_count=nulls)


def string_lists(values: Sequence[Sequence[str]]) -> pa.Array:
    """Lists of strings (never null) as an Arrow ``list<string>`` array."""
    flat = strings([word for words in values for word in words])
    offsets = _offsets(np.fromiter(map(len, values), dtype=np.int64, count=len(values))).astype(np.int32)
    return pa.ListArray.from_arrays(ints(offsets), flat)


def sparse_strings(n: int, rows: np.ndarray, values: Sequence[str]) -> pa.Array:
    """A string array of ``n`` rows, null except at ``rows`` (ascending), which hold ``values``.

    Costs a Python step per given value, not per row: a chunk of a million rows with a few
    errors is built by numpy.
    """
    encoded = [v.encode("utf-8", "backslashreplace") for v in values]
    lengths = np.zeros(n, dtype=np.int64)
    lengths[rows] = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    offsets = _offsets(lengths)
    present = np.zeros(n, dtype=bool)
    present[rows] = True
    validity, nulls = _validity(present)
    kind, width = (pa.string(), np.int32) if offsets[-1] < (1 << 31) else (pa.large_string(), np.int64)
    buffers = [validity, pa.py_buffer(offsets.astype(width)), pa.py_buffer(b"".join(encoded))]
    return pa.Array.from_buffers(kind, n, buffers, null_count=nulls)


def encoded(ids: np.ndarray, values: pa.Array) -> pa.DictionaryArray:
    """Rows that point into a small table of distinct values: ``values[ids]`` without copying
    a value (the dictionary may hold null)."""
    return pa.DictionaryArray.from_arrays(ints(ids.astype(np.int32, copy=False)), values)


def as_text(value: Any) -> str | None:
    """A cell as text: text as it is, any other JSON value as JSON (``true``, ``{"a": 1}``), never
    as a Python repr (``True``, ``{'a': 1}``)."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
