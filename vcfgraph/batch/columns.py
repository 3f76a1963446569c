"""Raw input columns to fact codes: validation of every cell, one message per bad value.

A column arrives as an Arrow array (text from CSV; typed from Parquet or JSON) or, for JSON Lines
blocks that mix types, as a Python list. :class:`ColumnCoder` turns it into the integer codes of
:mod:`vcfgraph.batch.masks` and marks the cells that are not a value of the fact:

- text (CSV): read as a person would type it (:func:`vcfgraph.validate.parse_fact_value`):
  ``true``/``false`` (also ``yes``/``no``, any case), whole numbers (``70`` or ``70.0``), enum
  values exactly; an empty cell, ``null`` or ``unknown`` is not known;
- typed (Parquet, JSON): the value must have the fact's type, as in a case file: a boolean for a
  bool fact, a whole number for an int fact (a float such as ``70.0`` counts as 70; NaN is not
  known), one of the values for an enum fact; text where a boolean or number is expected is an
  error.

Distinct values are few (booleans, enum words, ages), so each is checked once per fact and the
result is spread over the rows with ``take``. Messages are those of :func:`vcfgraph.validate.
check_facts`.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vcfgraph.batch.masks import NULL, encode_value
from vcfgraph.errors import CaseError
from vcfgraph.validate import fact_value_problem, parse_fact_value
from vcfgraph.model import Fact, Pathway

__all__ = ["ColumnCoder", "Coded"]

#: floats at least this large are never whole numbers of a fact (and never cast to int64)
_BIG = float(1 << 53)
#: per row: the coded value, and the id of the problem (-1: none)
Coded = tuple[np.ndarray, np.ndarray | None]


class ColumnCoder:
    """Encodes and validates the columns of one pathway's facts; caches every checked value."""

    def __init__(self, pathway: Pathway) -> None:
        self.pathway = pathway
        self.messages: list[str] = []
        self._message_ids: dict[str, int] = {}
        self._seen: dict[tuple[str, bool, str, Any], tuple[int, int]] = {}

    def trim(self, limit: int = 50_000) -> None:
        """Forget every checked value and message once there are more than ``limit`` (a column
        of distinct junk would otherwise grow the caches without bound). Call between chunks:
        problem ids of earlier chunks become meaningless."""
        if len(self._seen) > limit or len(self.messages) > limit:
            self._seen.clear()
            self._message_ids.clear()
            self.messages.clear()

    # ------------------------------------------------------------------ one value

    def classify(self, fact: Fact, value: Any, text: bool) -> tuple[int, int]:
        """The code of one raw value and its problem id (-1 when it is a value of the fact)."""
        try:
            key = (fact.name, text, type(value).__name__, value)
            hash(key)
        except TypeError:
            key = (fact.name, text, type(value).__name__, repr(value))
        found = self._seen.get(key)
        if found is None:
            code, message = _check(fact, value, text)
            found = self._seen[key] = (code, self.message_id(message) if message else -1)
        return found

    def message_id(self, message: str) -> int:
        """The id of an error message in :attr:`messages`, numbering it when it is new."""
        found = self._message_ids.get(message)
        if found is None:
            found = self._message_ids[message] = len(self.messages)
            self.messages.append(message)
        return found

    def _lookup(self, fact: Fact, values: Sequence[Any], text: bool) -> tuple[np.ndarray, np.ndarray]:
        """Codes and problem ids of distinct values, with a last entry for "null"."""
        pairs = [self.classify(fact, v, text) for v in values] + [(int(NULL), -1)]
        return np.array([p[0] for p in pairs], dtype=np.int64), np.array([p[1] for p in pairs], dtype=np.int32)

    # ------------------------------------------------------------------ columns

    def encode(self, fact: Fact, column: pa.Array | pa.ChunkedArray | list[Any], text: bool) -> Coded:
        """Code one column of raw values of ``fact``.

        Args:
            fact: the fact the column holds.
            column: an Arrow array, or a list of Python values (mixed-type JSON).
            text: the values are text typed by people (CSV) rather than typed values.

        Returns:
            The codes (NULL where not known or invalid) and per-row problem ids, or None when
            every value is valid.
        """
        if isinstance(column, list):
            return self._distinct(fact, column, text)
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
        kind = column.type
        if pa.types.is_null(kind):
            return np.full(len(column), NULL, dtype=np.int64), None
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            column = pc.dictionary_encode(column)
            kind = column.type
        if pa.types.is_dictionary(kind):
            return self._dictionary(fact, column, text)
        if fact.type == "int" and (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
            return self._numbers(fact, column)
        if fact.type == "bool" and pa.types.is_boolean(kind):
            return self._booleans(column)
        return self._distinct(fact, column.to_pylist(), text)

    def _dictionary(self, fact: Fact, column: pa.DictionaryArray, text: bool) -> Coded:
        codes, problems = self._lookup(fact, column.dictionary.to_pylist(), text)
        indices, valid = primitive(column.indices)
        if valid is not None:
            indices = np.where(valid, indices, -1)
        if not (problems >= 0).any():  # every distinct value is valid: no per-row problems to spread
            return codes[indices], None
        row_problems = problems[indices]
        return codes[indices], (row_problems if (row_problems >= 0).any() else None)

    def _numbers(self, fact: Fact, column: pa.Array) -> Coded:
        raw, valid = primitive(column)
        valid = np.ones(raw.shape, dtype=bool) if valid is None else valid
        if raw.dtype.kind == "f":
            valid &= ~np.isnan(raw)  # NaN is not known, as a missing value of a float column
            # only finite whole floats of a sane size are cast (inf would warn and wrap)
            whole = np.isfinite(raw) & (np.abs(raw) < _BIG) & (np.floor(raw) == raw)
            values = np.where(whole & valid, raw, 0).astype(np.int64)
        else:
            whole = np.ones(raw.shape, dtype=bool)
            values = raw.astype(np.int64)
        assert fact.min is not None and fact.max is not None
        good = valid & whole & (values >= fact.min) & (values <= fact.max)
        codes = np.where(good, values, NULL)
        bad = valid & ~good
        if not bad.any():
            return codes, None
        problems = np.full(raw.shape, -1, dtype=np.int32)
        distinct, inverse = np.unique(raw[bad], return_inverse=True)
        ids = np.array([self.classify(fact, v.item(), False)[1] for v in distinct], dtype=np.int32)
        problems[bad] = ids[inverse.reshape(-1)]
        return codes, problems

    def _booleans(self, column: pa.Array) -> Coded:
        values, valid = primitive(column)
        codes = values.astype(np.int64)
        return (codes if valid is None else np.where(valid, codes, NULL)), None

    def _distinct(self, fact: Fact, values: list[Any], text: bool) -> Coded:
        pairs = [self.classify(fact, v, text) for v in values]
        codes = np.array([p[0] for p in pairs], dtype=np.int64).reshape(-1)
        problems = np.array([p[1] for p in pairs], dtype=np.int32).reshape(-1)
        return codes, (problems if (problems >= 0).any() else None)


def _bits(buffer: pa.Buffer, offset: int, n: int) -> np.ndarray:
    return np.unpackbits(np.frombuffer(buffer, dtype=np.uint8), count=offset + n, bitorder="little")[offset:].view(bool)


_NUMPY = {
    pa.int8(): np.int8, pa.int16(): np.int16, pa.int32(): np.int32, pa.int64(): np.int64,
    pa.uint8(): np.uint8, pa.uint16(): np.uint16, pa.uint32(): np.uint32, pa.uint64(): np.uint64,
    pa.float16(): np.float16, pa.float32(): np.float32, pa.float64(): np.float64,
}


def _numpy_dtype(arrow_type: pa.DataType) -> np.dtype:
    """The numpy dtype of a fixed-width numeric Arrow type (``to_pandas_dtype`` would import
    pandas, a third of a second)."""
    found = _NUMPY.get(arrow_type)
    return np.dtype(found) if found is not None else np.dtype(arrow_type.to_pandas_dtype())


def primitive(column: pa.Array) -> tuple[np.ndarray, np.ndarray | None]:
    """The values of a boolean or numeric array as numpy, and its validity (None: all valid).

    Reads the Arrow buffers directly (no copy for numbers); null slots hold arbitrary values.
    """
    n, offset = len(column), column.offset
    validity, data = column.buffers()[:2]
    valid = _bits(validity, offset, n) if validity is not None and column.null_count else None
    if pa.types.is_boolean(column.type):
        values = _bits(data, offset, n) if data is not None else np.zeros(n, dtype=bool)
    else:
        dtype = _numpy_dtype(column.type)
        values = np.frombuffer(data, dtype=dtype, count=offset + n)[offset:] if data is not None else np.zeros(n, dtype)
    return values, valid


def _check(fact: Fact, value: Any, text: bool) -> tuple[int, str | None]:
    """Code one value of ``fact``, or say why it is not one."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return int(NULL), None
    if text and isinstance(value, str):
        try:
            parsed = parse_fact_value(fact, value)
        except CaseError as exc:
            return int(NULL), _hint(fact, value, exc.message)
        if parsed is None:
            return int(NULL), None
        value = parsed
    if isinstance(value, float) and fact.type == "int" and value.is_integer() and abs(value) < _BIG:
        value = int(value)
    problem = fact_value_problem(fact, value)
    if problem:
        if isinstance(value, str) and fact.type != "enum":
            problem += f" (this is text; a {'boolean' if fact.type == 'bool' else 'number'} is expected)"
        return int(NULL), _hint(fact, value, problem)
    code = encode_value(fact, value)
    return (int(NULL), None) if code is None else (code, None)


def _hint(fact: Fact, value: Any, problem: str) -> str:
    """Add a suggestion for an enum word that differs from a value only in case or spaces."""
    if fact.type != "enum" or not isinstance(value, str) or "did you mean" in problem:
        return problem
    folded = [v for v in fact.values if v.lower() == value.strip().lower()]
    return problem + f"; did you mean '{folded[0]}'?" if folded else problem
