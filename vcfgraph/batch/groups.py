"""Extra input columns carried through a batch, and the audit counted per group of them.

A :class:`Breakdown` says which extra columns pass through to the output rows (``keep``), which
of them group the audit (``by``: a kept column, or ``month`` taken from the date column
``period``), and how many case ids to hold per drill-down list (``cap``). Per chunk,
:func:`kept_arrays` gives the kept columns as text, :func:`count_groups` counts
(group values, audit group, class) with one hash aggregation, and :func:`collect_cases` keeps the
first ``cap`` inappropriate cases per variant and per group value, for the report's drill-down.
The report's numbers are made of these counts by :mod:`vcfgraph.batch.stats`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vcfgraph.batch.arrays import as_text, strings
from vcfgraph.batch.audit import CLASSES, INAPPROPRIATE, group_of
from vcfgraph.batch.results import Registry

__all__ = ["MONTH", "Breakdown", "text_column", "kept_arrays", "group_arrays", "count_groups", "collect_cases",
           "GroupKey", "DrillKey", "Case"]

#: the group made of the period column: its year and month, ``YYYY-MM``
MONTH = "month"
#: a drill-down case: case id, variant, class, and its value of every ``by`` group
Case = tuple[str | None, str, str, tuple[str | None, ...]]
#: (group name, its value, class)
GroupKey = tuple[str, str | None, str]
#: a drill-down list: ("", variant id) or (group name, group value)
DrillKey = tuple[str, str | None]
_BAD = np.array([CLASSES.index(c) for c in INAPPROPRIATE], dtype=np.int64)


@dataclass(frozen=True)
class Breakdown:
    """What a batch carries through and groups by.

    Attributes:
        keep: extra input columns written to the output rows, in input order.
        by: group names, each a kept column or :data:`MONTH`.
        period: the date column :data:`MONTH` is taken from (``YYYY-MM-DD`` or a date type).
        cap: case ids held per drill-down list (per variant, per group value).
    """

    keep: tuple[str, ...] = ()
    by: tuple[str, ...] = ()
    period: str | None = None
    cap: int = 0

    @property
    def grouped(self) -> bool:
        """Whether the audit is counted per group."""
        return bool(self.by)


def text_column(column: Any, n: int) -> pa.Array:
    """Any input column as text, every value as it was read (numbers and booleans as JSON writes
    them, dates as ``YYYY-MM-DD``); an absent column is all null."""
    if column is None:
        return pa.nulls(n, pa.string())
    if isinstance(column, list):
        return strings([as_text(v) for v in column])
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_string(column.type):
        return column
    if (pa.types.is_large_string(column.type) or pa.types.is_integer(column.type) or pa.types.is_boolean(column.type)
            or pa.types.is_date(column.type) or pa.types.is_timestamp(column.type)):
        return column.cast(pa.string())
    return strings([as_text(v) for v in column.to_pylist()])


def kept_arrays(columns: dict[str, Any], cells: dict[str, dict[int, Any]], breakdown: Breakdown, n: int) -> list[pa.Array]:
    """The kept columns of a chunk as text, in :attr:`Breakdown.keep` order."""
    out = []
    for name in breakdown.keep:
        column = columns.get(name)
        if column is None and name in cells:  # a key first seen deep in a JSON Lines file
            column = [cells[name].get(row) for row in range(n)]
        out.append(text_column(column, n))
    return out


def _month(column: pa.Array) -> pa.Array:
    """``YYYY-MM`` of each date (null where the value is not a date starting ``YYYY-MM``)."""
    head = pc.utf8_slice_codeunits(column, 0, 7)
    ok = pc.match_substring_regex(column, r"^\d{4}-(0[1-9]|1[0-2])(-|$|T| )")
    return pc.if_else(ok, head, pa.nulls(len(column), pa.string()))


def group_arrays(kept: dict[str, pa.Array], period: pa.Array | None, breakdown: Breakdown) -> list[pa.Array]:
    """The value of every ``by`` group per row, as text (null: no value)."""
    return [_month(period) if name == MONTH and period is not None else kept[name] for name in breakdown.by]


def count_groups(names: Sequence[str], groups: Sequence[pa.Array], classes: np.ndarray) -> Counter[GroupKey]:
    """(group name, value, class) -> rows, for one chunk: each group counted on its own (a
    site's rate, a clinician's rate), so the work grows with the distinct values, not with
    their combinations. Python steps once per distinct value; the rows are counted by numpy."""
    out: Counter[GroupKey] = Counter()
    kinds = len(CLASSES)
    for name, column in zip(names, groups):
        encoded = pc.dictionary_encode(column)
        words = encoded.dictionary.to_pylist() + [None]
        indices = encoded.indices.to_numpy(zero_copy_only=False)
        if encoded.null_count:
            indices = np.where(encoded.is_valid().to_numpy(zero_copy_only=False), indices, len(words) - 1)
        flat = np.bincount(indices.astype(np.int64) * kinds + classes, minlength=len(words) * kinds)
        for k in np.flatnonzero(flat).tolist():
            value, cls = divmod(k, kinds)
            out[(name, words[value], CLASSES[cls])] += int(flat[k])
    return out


def collect_cases(case_ids: pa.Array, groups: Sequence[pa.Array], classes: np.ndarray, ids: np.ndarray,
                  registry: Registry, breakdown: Breakdown, held: dict[DrillKey, list[Case]]) -> None:
    """Add a chunk's inappropriate cases to ``held``: under ``("", variant)`` and ``(group name,
    value)`` of every group, the first :attr:`Breakdown.cap` of each, in input order."""
    rows = np.flatnonzero(np.isin(classes, _BAD))
    if not len(rows):
        return
    picked = pa.array(rows)
    names = case_ids.take(picked).to_pylist()
    values = [g.take(picked).to_pylist() for g in groups]
    for i, row in enumerate(rows.tolist()):
        variant = group_of(registry.items[int(ids[row])])
        case: Case = (names[i], variant, CLASSES[int(classes[row])], tuple(v[i] for v in values))
        keys = [("", variant)] + [(name, v[i]) for name, v in zip(breakdown.by, values)]
        for key in keys:
            bucket = held.setdefault(key, [])
            if len(bucket) < breakdown.cap:
                bucket.append(case)
