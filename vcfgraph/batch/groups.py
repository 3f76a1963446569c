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

__all__ = ["MONTH", "PLAIN", "Breakdown", "Coded", "text_column", "kept_arrays", "group_codes", "count_groups",
           "collect_cases", "GroupKey", "DrillKey", "Case"]

#: the group made of the period column: its year and month, ``YYYY-MM``
MONTH = "month"
#: a drill-down case: case id, variant, class, its value of every ``by`` group, and (when it is in
#: its variant's list) its facts as the input held them (name, text), for its explanation; and the
#: action taken, as the row named it
Case = tuple[str | None, str, str, tuple[str | None, ...], tuple[tuple[str, str], ...], str | None]
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


#: no columns kept, no groups, no drill-down: a batch as it always was
PLAIN = Breakdown()


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


@dataclass(frozen=True)
class Coded:
    """A group's values in one chunk: a code per row into ``words`` (its last entry is None: no value)."""

    codes: np.ndarray
    words: list[str | None]


def _coded(column: Any, n: int, month: bool = False) -> Coded:
    """Code a column by its distinct values, reusing the dictionary a reader already made (the
    month of a date is taken from the distinct dates, not from every row)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not (isinstance(column, pa.DictionaryArray) and pa.types.is_string(column.type.value_type)):
        column = pc.dictionary_encode(text_column(column, n))
    dictionary = _month(column.dictionary) if month else column.dictionary
    words = dictionary.to_pylist() + [None]
    codes = column.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    if column.null_count:
        codes = np.where(column.is_valid().to_numpy(zero_copy_only=False), codes, len(words) - 1)
    return Coded(codes, words)


def group_codes(columns: dict[str, Any], cells: dict[str, dict[int, Any]], breakdown: Breakdown,
                n: int) -> list[Coded]:
    """Every ``by`` group of a chunk, coded (the month from the period column)."""
    out = []
    for name in breakdown.by:
        source = breakdown.period if name == MONTH and breakdown.period else name
        column = columns.get(source)
        if column is None and source in cells:
            column = [cells[source].get(row) for row in range(n)]
        out.append(_coded(column, n, month=source != name))
    return out


def count_groups(names: Sequence[str], groups: Sequence[Coded], classes: np.ndarray) -> Counter[GroupKey]:
    """(group name, value, class) -> rows, for one chunk: each group counted on its own (a
    site's rate, a clinician's rate), so the work grows with the distinct values, not with
    their combinations. Python steps once per distinct value; the rows are counted by numpy."""
    out: Counter[GroupKey] = Counter()
    kinds = len(CLASSES)
    for name, group in zip(names, groups):
        flat = np.bincount(group.codes * kinds + classes, minlength=len(group.words) * kinds)
        for k in np.flatnonzero(flat).tolist():
            value, cls = divmod(k, kinds)
            out[(name, group.words[value], CLASSES[cls])] += int(flat[k])
    return out


def _first(codes: np.ndarray, room: np.ndarray) -> np.ndarray:
    """A mask of the rows that are among the first ``room[code]`` rows of their code."""
    order = np.argsort(codes, kind="stable")
    ranked = codes[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    rank = np.empty(len(codes), dtype=np.int64)
    rank[order] = np.arange(len(codes)) - np.repeat(starts, np.diff(np.r_[starts, len(codes)]))
    return rank < room[codes]


def _facts(columns: dict[str, Any], names: Sequence[str], rows: np.ndarray) -> list[tuple[tuple[str, str], ...]]:
    """The facts of some rows as the input held them, as text (absent and null cells left out)."""
    at = pa.array(rows)
    texts: list[list[str | None]] = []
    for name in names:
        column = columns.get(name)
        if column is None:
            texts.append([None] * len(rows))
        elif isinstance(column, list):
            texts.append(text_column([column[int(r)] for r in rows], len(rows)).to_pylist())
        else:
            texts.append(text_column(column.take(at), len(rows)).to_pylist())
    return [tuple((name, value) for name, t in zip(names, texts) if (value := t[i]) is not None)
            for i in range(len(rows))]


def collect_cases(case_ids: pa.Array, groups: Sequence[Coded], classes: np.ndarray, ids: np.ndarray,
                  registry: Registry, breakdown: Breakdown, held: dict[DrillKey, list[Case]],
                  columns: dict[str, Any] | None = None, facts: Sequence[str] = (),
                  actions: pa.Array | None = None) -> None:
    """Add a chunk's inappropriate cases to ``held``: under ``("", variant)`` and ``(group name,
    value)`` of every group, the first :attr:`Breakdown.cap` of each, in input order. Python
    steps only over the rows that still fit a list."""
    rows = np.flatnonzero(np.isin(classes, _BAD))
    if not len(rows):
        return
    results, variant_codes = np.unique(ids[rows], return_inverse=True)
    variants = [group_of(registry.items[int(r)]) for r in results.tolist()]
    families = [("", variant_codes.reshape(-1), variants)] + [
        (name, g.codes[rows], g.words) for name, g in zip(breakdown.by, groups)]
    wanted = np.zeros(len(rows), dtype=bool)
    explained = wanted
    for name, codes, words in families:
        distinct = list(dict.fromkeys(words))  # several codes may be one word (the dates of one month)
        index = {w: k for k, w in enumerate(distinct)}
        to_word = np.array([index[w] for w in words], dtype=np.int64)
        room = np.array([breakdown.cap - len(held.get((name, w), ())) for w in distinct], dtype=np.int64)
        first = _first(to_word[codes], room)
        if not name:
            explained = first  # the facts are kept for the cases of the variant lists (their explanations)
        wanted |= first
    picked = np.flatnonzero(wanted)
    if not len(picked):
        return
    at = pa.array(rows[picked])
    names = case_ids.take(at).to_pylist()
    taken = actions.take(at).to_pylist() if actions is not None else [None] * len(picked)
    told = np.flatnonzero(explained[picked])
    known: list[tuple[tuple[str, str], ...]] = [()] * len(picked)
    for i, row_facts in zip(told.tolist(), _facts(columns or {}, facts, rows[picked][told])):
        known[i] = row_facts
    for i, j in enumerate(picked.tolist()):
        variant = variants[int(variant_codes[j])]
        values = tuple(g.words[int(g.codes[rows[j]])] for g in groups)
        case: Case = (names[i], variant, CLASSES[int(classes[rows[j]])], values, known[i], taken[i])
        for key in [("", variant)] + list(zip(breakdown.by, values)):
            bucket = held.setdefault(key, [])
            if len(bucket) < breakdown.cap:
                bucket.append(case)
