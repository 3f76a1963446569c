"""The batch pipeline: chunks of input rows in, result rows and running counts out.

:class:`BatchJob` holds what one run needs (the compiled pathway, an evaluator with its caches,
the column coder, the optional auditor) and turns each :class:`~vcfgraph.batch.readers.Chunk` into
an Arrow table of results plus a :class:`Tally`. :func:`run_batch` streams a whole file through
it (the local engine); :mod:`vcfgraph.batch.dask_engine` runs the same job per partition.

Every input row gives exactly one output row, in input order. A row whose facts are invalid
gets outcome ``invalid`` and its error; a row the pathway cannot decide gets ``route_error``;
neither stops the batch.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pyarrow as pa

from vcfgraph.batch.arrays import as_text, encoded, ints, sparse_strings, string_lists, strings
from vcfgraph.batch.audit import CLASSES, Auditor, count_classes, count_rule_taken, count_taken
from vcfgraph.batch.columns import ColumnCoder
from vcfgraph.batch.compile import CompiledPathway, Evaluator, compile_pathway
from vcfgraph.batch.groups import PLAIN, Breakdown, Case, DrillKey, GroupKey, collect_cases, count_groups, group_codes, \
    kept_arrays
from vcfgraph.batch.readers import Chunk, file_format, open_input
from vcfgraph.batch.masks import NULL
from vcfgraph.batch.results import LIST_FIELDS, Registry, result_fields
from vcfgraph.batch.threads import WriteBehind, read_ahead
from vcfgraph.batch.writer import open_output
from vcfgraph.errors import UsageError, did_you_mean
from vcfgraph.model import Pathway

__all__ = ["CASE_ID", "BatchJob", "Tally", "output_schema", "input_fields", "check_columns", "run_batch"]

CASE_ID = "case_id"


def output_schema(audit: str | None = None, lists_as_text: bool = False, keep: Sequence[str] = (),
                  lists: Sequence[str] = LIST_FIELDS) -> pa.Schema:
    """The columns of a batch output (lists become ``;``-joined text in CSV, ``lists_as_text``),
    then the kept input columns as text, in input order. ``lists``: the pathway's list columns
    (:func:`vcfgraph.batch.results.result_fields`)."""
    text = pa.string()
    words = text if lists_as_text else pa.list_(pa.string())
    fields = [pa.field(CASE_ID, text), pa.field("outcome", text), pa.field("terminal", text)]
    fields += [pa.field(name, words) for name in lists]
    fields.append(pa.field("error", text))
    if audit:
        fields += [pa.field(audit, text), pa.field("audit", text)]
    fields += [pa.field(name, text) for name in keep]
    return pa.schema(fields)


@dataclass
class Tally:
    """Running counts of a batch: rows, outcomes, terminals, errors, traffic per node and answer
    edge, audit classes per group, and (group, action taken, class) for rows naming a known action;
    with a :class:`~vcfgraph.batch.groups.Breakdown`, also the audit classes per value of its groups
    and the first inappropriate cases per variant and per group value (``cap`` of each). At
    variants with rules that fire together: (variant, rule) -> rows for which the rule fired, and
    (variant, rule, action taken, class) for rows whose action that rule rated."""

    rows: int = 0
    errors: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    terminals: Counter[str] = field(default_factory=Counter)
    nodes: Counter[str] = field(default_factory=Counter)
    edges: Counter[str] = field(default_factory=Counter)
    audit: Counter[tuple[str, str]] = field(default_factory=Counter)
    taken: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    rules: Counter[tuple[str, str]] = field(default_factory=Counter)
    taken_rules: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    groups: Counter[GroupKey] = field(default_factory=Counter)
    cases: dict[DrillKey, list[Case]] = field(default_factory=dict)
    cap: int = 0

    def add(self, other: "Tally") -> None:
        """Add another tally's counts to this one (its cases after this one's, up to the cap)."""
        self.rows += other.rows
        self.errors += other.errors
        for name in ("outcomes", "terminals", "nodes", "edges", "audit", "taken", "rules", "taken_rules", "groups"):
            getattr(self, name).update(getattr(other, name))
        self.cap = max(self.cap, other.cap)
        for key, more in other.cases.items():
            held = self.cases.setdefault(key, [])
            held.extend(more[:max(0, self.cap - len(held))])


def input_fields(pathway: Pathway, audit: str | None = None, keep: Sequence[str] = ()) -> dict[str, str]:
    """The typed input columns (for JSON Lines): ``case_id``, every fact, the audit column, the kept columns."""
    kinds = {"bool": "bool", "int": "number", "enum": "text"}
    fields = {CASE_ID: "text"} | {f.name: kinds[f.type] for f in pathway.facts}
    return fields | ({audit: "text"} if audit else {}) | {name: "text" for name in keep}


def check_columns(columns: Sequence[str], pathway: Pathway, audit: str | None, where: str,
                  keep: Sequence[str] = ()) -> None:
    """Check an input's columns: fact names, ``case_id``, the audit column and the kept columns, nothing else.

    Raises:
        UsageError: naming every unknown column with a suggestion, or the missing ones.
    """
    allowed = [f.name for f in pathway.facts] + [CASE_ID] + ([audit] if audit else []) + list(keep)
    problems = [f"unknown column '{c}'{did_you_mean(c, allowed)}" for c in columns if c not in allowed]
    if problems:
        problems.append(f"columns must be '{CASE_ID}', the audit column (--audit COLUMN) or facts of the pathway: "
                        + ", ".join(sorted(f.name for f in pathway.facts))
                        + "; to pass other columns through to the output, give --keep-columns")
        raise UsageError(f"{where}: " + "; ".join(problems))
    if CASE_ID not in columns:
        raise UsageError(f"{where}: there is no '{CASE_ID}' column; give every row an id in a '{CASE_ID}' column")
    if audit and audit not in columns:
        raise UsageError(f"{where}: there is no column '{audit}' to audit{did_you_mean(audit, columns)}")


class BatchJob:
    """Everything one run needs to turn chunks into result tables. One per thread or task."""

    def __init__(self, compiled: CompiledPathway, audit: str | None = None, lists_as_text: bool = False,
                 dictionary: bool = False, breakdown: Breakdown = PLAIN) -> None:
        """``lists_as_text``: give the list columns as ``;``-joined text (for CSV), joined once per
        distinct result rather than once per row. ``dictionary``: give the result columns
        (``outcome`` to ``contraindicated``) dictionary-encoded, rows pointing into the small
        table of distinct results, so nothing is copied per row before the writer
        (:mod:`vcfgraph.batch.writer` takes such tables; the schema then differs from
        :attr:`schema` in those columns' types only). ``breakdown``: the extra columns to pass
        through and the groups to count the audit by."""
        self.pathway = compiled.pathway
        self._lists_as_text = lists_as_text
        self._dictionary = dictionary
        self.evaluator = Evaluator(compiled)
        self.coder = ColumnCoder(compiled.pathway)
        self.auditor = Auditor(compiled.pathway, audit) if audit else None
        self.breakdown = breakdown
        self._lists = result_fields(compiled.pathway)
        self.schema = output_schema(audit, lists_as_text, breakdown.keep, self._lists)
        self._allowed = {f.name for f in self.pathway.facts} | {CASE_ID} | ({audit} if audit else set()) | set(
            breakdown.keep)
        self._table: pa.Table | None = None
        self._classes = strings(CLASSES)

    def process(self, chunk: Chunk) -> tuple[pa.Table, Tally]:
        """Evaluate one chunk.

        Returns:
            The output rows (one per input row, in order) and the chunk's counts.
        """
        n = chunk.n
        self.coder.trim()
        errors: dict[int, list[str]] = {row: [message] for row, message in chunk.errors.items()}
        codes = self._codes(chunk, errors)
        valid = np.ones(n, dtype=bool)  # a mask, not setdiff1d: no sort of every row number
        valid[np.fromiter(errors, dtype=np.int64, count=len(errors))] = False
        rows = np.flatnonzero(valid)
        ev = self.evaluator.run(codes, rows, n)
        for row, message in ev.errors.items():
            errors.setdefault(row, []).append(message)
        tally = Tally(rows=n, nodes=ev.nodes, edges=ev.edges)
        registry = self.evaluator.registry
        results = self._results(registry)
        if self._dictionary:
            table_columns = [encoded(ev.ids, column.chunk(0)) for column in results.columns]
        else:
            table_columns = results.take(ints(ev.ids)).columns
        case_ids = _case_ids(chunk.columns.get(CASE_ID), n)
        columns = [case_ids] + table_columns
        extra: list[pa.Array] = []
        kept = kept_arrays(chunk.columns, chunk.cells, self.breakdown, n)
        if self.auditor is not None:
            classes, text, audit_errors = self.auditor.classify(_column(chunk, self.auditor.column), ev.ids, registry)
            for row, message in audit_errors.items():
                errors.setdefault(row, []).append(message)
            extra = [text, self._classes.take(ints(classes))]
            tally.audit = count_classes(classes, ev.ids, registry)
            tally.taken = count_taken(classes, self.auditor.last_actions, ev.ids, registry, self.auditor.actions)
            if self.pathway.collects():
                tally.taken_rules = count_rule_taken(classes, self.auditor.last_actions, ev.ids, registry,
                                                     self.auditor.actions, self.pathway)
            if self.breakdown.grouped or self.breakdown.cap:
                self._count_groups(chunk, case_ids, classes, ev.ids, tally, text)
        columns.append(_errors(errors, n))
        counts = np.bincount(ev.ids, minlength=len(registry))
        for k in np.flatnonzero(counts):
            result = registry.items[int(k)]
            tally.outcomes[result.outcome] += int(counts[k])
            if result.terminal:
                tally.terminals[result.terminal] += int(counts[k])
            for rule in result.rules:
                tally.rules[(result.terminal or "", rule)] += int(counts[k])
        tally.errors = len(errors)
        extra += kept
        if self._dictionary:
            return pa.Table.from_arrays(columns + extra, names=self.schema.names), tally
        return pa.Table.from_arrays(columns + extra, schema=self.schema), tally

    def _count_groups(self, chunk: Chunk, case_ids: pa.Array, classes: np.ndarray, ids: np.ndarray,
                      tally: Tally, actions: pa.Array) -> None:
        breakdown, registry = self.breakdown, self.evaluator.registry
        groups = group_codes(chunk.columns, chunk.cells, breakdown, chunk.n)
        if breakdown.grouped:
            tally.groups = count_groups(breakdown.by, groups, classes)
        tally.cap = breakdown.cap
        if breakdown.cap:
            collect_cases(case_ids, groups, classes, ids, registry, breakdown, tally.cases, chunk.columns,
                          [f.name for f in self.pathway.facts], actions)

    def _codes(self, chunk: Chunk, errors: dict[int, list[str]]) -> dict[str, np.ndarray]:
        codes: dict[str, np.ndarray] = {}
        problems: list[tuple[str, np.ndarray]] = []
        for fact in self.pathway.facts:
            column = chunk.columns.get(fact.name)
            if column is None:
                codes[fact.name] = np.full(chunk.n, NULL, dtype=np.int64)
                continue
            codes[fact.name], bad = self.coder.encode(fact, column, chunk.text)
            odd = chunk.cells.get(fact.name)
            if odd:  # values that did not fit the column's type: checked one by one
                bad = np.full(chunk.n, -1, dtype=np.int32) if bad is None else bad
                for row, value in odd.items():
                    codes[fact.name][row], bad[row] = self.coder.classify(fact, value, chunk.text)
            if bad is not None:
                problems.append((fact.name, bad))
        for name in list(chunk.columns) + [c for c in chunk.cells if c not in chunk.columns]:
            if name not in self._allowed:  # a key that first appears deep in a JSON Lines file
                column = chunk.columns.get(name)
                if column is None:
                    column = [chunk.cells[name].get(row) for row in range(chunk.n)]
                problems.append((name, self._unknown_key(name, column)))
        for name, bad in sorted(problems, key=lambda p: p[0]):
            for at in np.flatnonzero(bad >= 0):
                errors.setdefault(int(at), []).append(self.coder.messages[bad[at]])
        return codes

    def _unknown_key(self, name: str, column: Any) -> np.ndarray:
        values = column if isinstance(column, list) else column.to_pylist()
        names = [f.name for f in self.pathway.facts]
        mid = self.coder.message_id(f"unknown fact '{name}'{did_you_mean(name, names)}")
        return np.array([-1 if v is None else mid for v in values], dtype=np.int32).reshape(-1)

    def _results(self, registry: Registry) -> pa.Table:
        if self._table is None or self._table.num_rows != len(registry):
            items = registry.items
            data: dict[str, Any] = {
                "outcome": strings([r.outcome for r in items]),
                "terminal": strings([r.terminal for r in items]),
            }
            for name in self._lists:
                lists = [getattr(r, name) for r in items]
                data[name] = strings([";".join(w) for w in lists]) if self._lists_as_text else string_lists(lists)
            self._table = pa.table(data).combine_chunks()
        return self._table


def _column(chunk: Chunk, name: str) -> Any:
    """A column of a chunk, all null when a block of JSON lines has no such key at all."""
    column = chunk.columns.get(name)
    return pa.nulls(chunk.n, pa.string()) if column is None else column


def _case_ids(column: Any, n: int) -> pa.Array:
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
    if pa.types.is_large_string(column.type) or pa.types.is_integer(column.type) or pa.types.is_boolean(column.type):
        return column.cast(pa.string())  # the same text as JSON writes: 7, true, false
    return strings([as_text(v) for v in column.to_pylist()])


def _errors(errors: dict[int, list[str]], n: int) -> pa.Array:
    if not errors:
        return pa.nulls(n, pa.string())
    rows = sorted(errors)
    return sparse_strings(n, np.array(rows, dtype=np.int64), ["; ".join(errors[row]) for row in rows])


def plan_breakdown(columns: Sequence[str], pathway: Pathway, audit: str | None, keep_columns: bool,
                   by: Sequence[str], period_column: str | None, cap: int, where: str) -> Breakdown:
    """The columns to keep and the groups to count by, checked against the input's columns.

    Raises:
        UsageError: a ``by`` or period column the input lacks, ``month`` without a period column,
            groups without an audit, a group named twice, a kept column that clashes with an output column.
    """
    from vcfgraph.batch.groups import MONTH

    if (by or period_column) and not audit:
        raise UsageError("--by and --period-column group the audit; give --audit COLUMN too")
    if len(set(by)) != len(by):
        raise UsageError(f"--by names '{next(b for b in by if list(by).count(b) > 1)}' twice; name each group once")
    if MONTH in by and not period_column and MONTH not in columns:
        raise UsageError(f"--by {MONTH} needs --period-column COLUMN, the date column the month is taken from")
    if cap < 0:
        raise UsageError("--drill-cases must be 0 or more")
    wanted = [b for b in by if not (b == MONTH and period_column)] + ([period_column] if period_column else [])
    for name in wanted:
        if name not in columns:
            raise UsageError(f"{where}: there is no column '{name}' to group by{did_you_mean(name, list(columns))}")
    facts = {f.name for f in pathway.facts} | {CASE_ID} | ({audit} if audit else set())
    for name in wanted:
        if name in facts:
            raise UsageError(f"'{name}' is a fact, the case id or the audit column; group by another column "
                             "(a site, a clinician, a date)")
    extra = [c for c in columns if c not in facts]
    keep = tuple(extra if keep_columns else [c for c in extra if c in wanted])
    taken = set(output_schema(audit, lists=result_fields(pathway)).names) & set(keep)
    if taken:
        raise UsageError(f"{where}: the input column '{sorted(taken)[0]}' has the name of an output column; "
                         "rename it to keep it")
    return Breakdown(keep=keep, by=tuple(by), period=period_column if MONTH in by and period_column else None,
                     cap=cap)


def run_batch(
    pathway: Pathway,
    source: str | Path,
    target: str | Path,
    *,
    audit: str | None = None,
    rows: int = 131072,
    progress: Callable[[int, int], None] | None = None,
    overlap: bool = True,
    keep_columns: bool = False,
    by: Sequence[str] = (),
    period_column: str | None = None,
    cap: int = 0,
) -> Tally:
    """Trace every row of ``source`` and write one result row per input row to ``target``.

    Args:
        pathway: the pathway to trace on.
        source: a CSV, JSON Lines or Parquet file (or a folder or glob of Parquet files).
        target: the output file; its extension picks the format.
        audit: the column naming the action taken, to classify against the recommendations.
        rows: about how many rows to hold in memory at once.
        progress: called with (done, total) after each chunk, in bytes or rows.
        overlap: read the next chunk and write the last one in helper threads while evaluating.
        keep_columns: pass every extra input column through to the output (as text); without
            it an extra column is an error, save those ``by`` and ``period_column`` name.
        by: count the audit per value of these columns (or ``month`` of ``period_column``).
        period_column: the date column ``month`` is taken from.
        cap: inappropriate cases held per variant and per group value, for the drill-down (none by default).

    Returns:
        The counts of the whole run.

    Raises:
        UsageError: unknown or missing columns, unreadable input, unwritable output.
    """
    if Path(source).resolve() == Path(target).resolve():
        raise UsageError(f"{target}: the output would overwrite the input")
    reader = open_input(source, rows, input_fields(pathway, audit), frozenset([CASE_ID] + ([audit] if audit else [])),
                        pathway)
    breakdown = plan_breakdown(reader.first_columns(), pathway, audit, keep_columns, by, period_column, cap,
                               str(source))
    if breakdown.keep:
        reader.fields = input_fields(pathway, audit, breakdown.keep)
        reader.verbatim = reader.verbatim | frozenset(breakdown.keep)
    check_columns(reader.first_columns(), pathway, audit, str(source), breakdown.keep)
    job = BatchJob(compile_pathway(pathway), audit, lists_as_text=file_format(target) == "csv",
                   dictionary=file_format(target) != "parquet", breakdown=breakdown)
    behind: WriteBehind | None = None
    total = Tally()
    writer = open_output(target, job.schema)  # nothing between this and the try: a signal must find it
    try:  # from here on, any exception or signal removes the partial output
        behind = WriteBehind(writer.write) if overlap else None
        for chunk in (read_ahead(reader.chunks()) if overlap else reader.chunks()):
            table, tally = job.process(chunk)
            behind.put(table) if behind is not None else writer.write(table)
            total.add(tally)
            if progress is not None:
                progress(chunk.done, reader.total)
        if behind is not None:
            behind.close()
    except BaseException:
        if behind is not None:
            behind.close_quietly()
        writer.discard()
        raise
    writer.commit()
    return total

