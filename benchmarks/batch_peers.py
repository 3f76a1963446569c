"""Peers of ``vcfgraph batch`` for benchmarks/batch.py: the same routing, written two other ways.

Both route every row from the pathway's questions to a terminal (a variant, a hand-off, or
``need_info`` when no answer is known to hold), with the three-valued logic of the engine, and
write ``case_id, terminal`` in the input's format. Neither validates values, reports errors,
applies the patient-level checks or writes the recommendation lists, so both do less work than
vcfgraph; they are floors to compare against, not replacements.

- :func:`duckdb_sql`: one SQL ``CASE`` expression, nested along the graph, over every column read
  as text (SQL's NULL logic is Kleene logic, as the engine's);
- :func:`numpy_route`: the same nesting over numpy masks (true / false per row) of columns read by
  pyarrow.

    python benchmarks/batch_peers.py duckdb|numpy INPUT OUTPUT
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from vcfgraph.conditions import AllOf, AnyOf, Not, Test
from vcfgraph.io.load import load_pathway
from vcfgraph.model import Pathway

# ---------------------------------------------------------------------------------- SQL


def _sql_value(value: Any) -> str:
    if isinstance(value, bool):
        return "'true'" if value else "'false'"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _sql_test(test: Test, numeric: set[str]) -> str:
    col = f'"{test.fact}"'
    num = f"TRY_CAST({col} AS DOUBLE)"
    op, value = test.op, test.value
    if op == "is_known":
        return f"({col} IS NOT NULL)" if value else f"({col} IS NULL)"
    if op in ("eq", "ne") and value is None:
        return f"({col} IS {'NOT ' if op == 'ne' else ''}NULL)"
    side = num if test.fact in numeric else col
    if op in ("eq", "ne"):
        return f"({side} {'=' if op == 'eq' else '<>'} {_sql_value(value)})"
    if op == "in":
        known = [v for v in value if v is not None]
        inside = f"{side} IN ({', '.join(_sql_value(v) for v in known)})" if known else "FALSE"
        return f"({col} IS NULL OR {inside})" if None in value else f"({inside})"
    if op == "between":
        return f"({num} BETWEEN {value[0]} AND {value[1]})"
    return f"({num} {dict(lt='<', le='<=', gt='>', ge='>=')[op]} {value})"


def _sql_condition(cond: Any, numeric: set[str]) -> str:
    if cond is None:
        return "TRUE"
    if isinstance(cond, Test):
        return _sql_test(cond, numeric)
    if isinstance(cond, Not):
        return f"(NOT {_sql_condition(cond.item, numeric)})"
    joiner = " AND " if isinstance(cond, AllOf) else " OR "
    return "(" + joiner.join(_sql_condition(c, numeric) for c in cond.items) + ")"


def _sql_node(pathway: Pathway, node_id: str, numeric: set[str]) -> str:
    node = pathway.node(node_id)
    if node.kind != "question":
        return _sql_value(node.id)
    whens = " ".join(f"WHEN {_sql_condition(e.condition, numeric)} THEN {_sql_node(pathway, e.target, numeric)}"
                     for e in pathway.out_edges(node.id))
    return f"CASE {whens} ELSE 'need_info' END"


def duckdb_sql(pathway: Pathway, source: str, target: str) -> str:
    """The one statement that routes ``source`` into ``target`` (formats by extension)."""
    numeric = {f.name for f in pathway.facts if f.type == "int"}
    kind = Path(source).suffix.lower()
    names = [f.name for f in pathway.facts]
    if kind == ".csv":
        read = f"read_csv('{source}', all_varchar = true, header = true)"
    elif kind == ".parquet":
        read = f"read_parquet('{source}')"
    else:
        columns = ", ".join(f"'{n}': 'VARCHAR'" for n in ["case_id"] + names)
        read = f"read_json('{source}', columns = {{{columns}}}, format = 'newline_delimited')"
    present = f"(SELECT * FROM {read})"
    cast = ", ".join(f'CAST("{n}" AS VARCHAR) AS "{n}"' for n in ["case_id"] + names)
    fmt = {".csv": "(FORMAT csv, HEADER)", ".parquet": "(FORMAT parquet)", ".jsonl": "(FORMAT json)"}[
        Path(target).suffix.lower()]
    return (f"COPY (SELECT case_id, {_sql_node(pathway, pathway.meta.entry, numeric)} AS terminal "
            f"FROM (SELECT {cast} FROM {present})) TO '{target}' {fmt}")


def run_duckdb(pathway: Pathway, source: str, target: str) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    con.execute(duckdb_sql(pathway, source, target))


# ---------------------------------------------------------------------------------- numpy


class _Columns:
    """Columns of one batch as numpy: text as object-free codes, numbers as floats, and nulls."""

    def __init__(self, batch: Any) -> None:
        self.batch = batch
        self._cache: dict[str, Any] = {}

    def get(self, name: str) -> tuple[Any, Any]:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        if name not in self._cache:
            if name not in self.batch.schema.names:
                n = self.batch.num_rows
                self._cache[name] = (np.zeros(n, dtype=object), np.zeros(n, dtype=bool))
            else:
                col = self.batch.column(self.batch.schema.get_field_index(name))
                known = np.asarray(pc.is_valid(col).to_numpy(zero_copy_only=False))
                if pa.types.is_dictionary(col.type):
                    col = col.cast(col.type.value_type)
                if pa.types.is_boolean(col.type):
                    col = pc.if_else(col, "true", "false")
                self._cache[name] = (col, known)
        return self._cache[name]


def _np_test(test: Test, cols: _Columns, numeric: set[str]) -> tuple[Any, Any]:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    col, known = cols.get(test.fact)
    n = len(known)
    op, value = test.op, test.value
    if op == "is_known":
        return (known, ~known) if value else (~known, known)
    if op in ("eq", "ne") and value is None:
        return (~known, known) if op == "eq" else (known, ~known)

    def mask(arrow: Any) -> Any:
        return np.asarray(pc.fill_null(arrow, False).to_numpy(zero_copy_only=False), dtype=bool)

    if test.fact in numeric and not isinstance(col, np.ndarray):
        num = np.asarray(pc.cast(col, pa.float64(), safe=False).to_numpy(zero_copy_only=False), dtype=float) \
            if not pa.types.is_string(col.type) else np.asarray(
                pc.cast(pc.if_else(pc.match_substring_regex(col, r"^[0-9]+(\.0*)?$"), col, None), pa.float64())
                .to_numpy(zero_copy_only=False), dtype=float)
        ok = known & ~np.isnan(num)
        if op in ("eq", "ne", "in"):
            hit = np.isin(num, [v for v in (value if op == "in" else [value]) if v is not None])
        elif op == "between":
            hit = (num >= value[0]) & (num <= value[1])
        else:
            hit = {"lt": num < value, "le": num <= value, "gt": num > value, "ge": num >= value}[op]
    elif isinstance(col, np.ndarray):
        ok, hit = known, np.zeros(n, dtype=bool)
    else:
        words = [_sql_value(v).strip("'") for v in (value if op == "in" else [value]) if v is not None]
        hit, ok = mask(pc.is_in(col, value_set=pa.array(words, pa.string()))), known
    if op == "in" and None in value:
        return hit & ok | ~known, ok & ~hit
    if op == "ne":
        return ok & ~hit, ok & hit
    return ok & hit, ok & ~hit


def _np_condition(cond: Any, cols: _Columns, numeric: set[str], n: int) -> tuple[Any, Any]:
    import numpy as np

    if cond is None:
        return np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    if isinstance(cond, Test):
        return _np_test(cond, cols, numeric)
    if isinstance(cond, Not):
        true, false = _np_condition(cond.item, cols, numeric, n)
        return false, true
    parts = [_np_condition(c, cols, numeric, n) for c in cond.items]
    if isinstance(cond, AllOf):
        return np.logical_and.reduce([p[0] for p in parts]), np.logical_or.reduce([p[1] for p in parts])
    return np.logical_or.reduce([p[0] for p in parts]), np.logical_and.reduce([p[1] for p in parts])


def numpy_route(pathway: Pathway, batch: Any, names: list[str]) -> Any:
    """The terminal index (into ``names``) of every row of a pyarrow record batch."""
    import numpy as np

    numeric = {f.name for f in pathway.facts if f.type == "int"}
    cols = _Columns(batch)
    n = batch.num_rows
    out = np.full(n, names.index("need_info"), dtype=np.int32)

    def walk(node_id: str, rows: Any) -> None:
        node = pathway.node(node_id)
        if node.kind != "question":
            out[rows] = names.index(node.id)
            return
        left = rows.copy()
        for edge in pathway.out_edges(node.id):
            true, _false = _np_condition(edge.condition, cols, numeric, n)
            take = left & true
            if take.any():
                walk(edge.target, take)
            left &= ~true

    walk(pathway.meta.entry, np.ones(n, dtype=bool))
    return out


def run_numpy(pathway: Pathway, source: str, target: str) -> None:
    import pyarrow as pa

    from vcfgraph.batch.arrays import ints, strings
    from vcfgraph.batch.readers import open_input

    names = ["need_info"] + [node.id for node in pathway.nodes if node.kind != "question"]
    dictionary = strings(names)
    from vcfgraph.batch.run import input_fields

    reader = open_input(source, fields=input_fields(pathway), verbatim=frozenset(["case_id"]))
    writer: Any = None
    kind = Path(target).suffix.lower()
    with open(target, "wb") as fh:
        for chunk in reader.chunks():
            batch = pa.record_batch(list(chunk.columns.values()), names=list(chunk.columns))
            terminal = dictionary.take(ints(numpy_route(pathway, batch, names)))
            table = pa.table([_text(chunk.columns["case_id"]), terminal], names=["case_id", "terminal"])
            if kind == ".jsonl":
                from vcfgraph.batch.jsonl import encode_lines

                fh.write(encode_lines(table))
                continue
            if writer is None:
                import pyarrow.csv as pcsv
                import pyarrow.parquet as pq

                writer = pcsv.CSVWriter(fh, table.schema) if kind == ".csv" else pq.ParquetWriter(fh, table.schema)
            writer.write_table(table)
        if writer is not None:
            writer.close()


def _text(column: Any) -> Any:
    import pyarrow as pa

    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    return column if pa.types.is_string(column.type) else column.cast(pa.string())


def main(argv: list[str]) -> int:
    engine, source, target = argv
    pathway = load_pathway()
    (run_duckdb if engine == "duckdb" else run_numpy)(pathway, source, target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
