"""Peers of ``vcfgraph batch`` for benchmarks/batch.py: the same routing, built from the pathway.

Each peer reads the input, checks every fact value against its domain (a row with a bad value
gets outcome ``invalid`` and an error, as vcfgraph gives it), routes every other row from the
pathway's questions with the engine's three-valued logic and the facts' ``unknown:`` policies
(``unknown: absent`` always; ``unknown: {read_as: absent, when: ...}`` only while its condition
is true), and writes the columns vcfgraph writes (``case_id, outcome, terminal``, the five list
columns, ``error``) in the output's format:

- :func:`duckdb_sql`: one DuckDB statement (a ``CASE`` expression nested along the graph);
- :func:`polars_frame`: the same expression as a Polars lazy frame (optional: ``pip install polars``).

What they leave out, so that they stay floors: the patient-level checks (the list columns are
the variant's ratings as written, not set apart per patient), the missing facts of a
``need_info`` row (an empty list), and error texts worded as vcfgraph words them. Route checks
(``benchmarks/batch.py``) compare ``outcome`` and ``terminal`` only, on every row vcfgraph found valid.

    python benchmarks/batch_peers.py duckdb|polars INPUT OUTPUT
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

from vcfgraph.batch.results import LIST_FIELDS, variant_result
from vcfgraph.conditions import AllOf, AnyOf, AtLeast, Named, Not, Points, Test
from vcfgraph.io.load import load_pathway
from vcfgraph.model import Fact, Pathway

NULL_WORDS = ("null", "unknown")


def terminal_lists(pathway: Pathway) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Terminal -> its five list columns (the variant's ratings as written; empty for a hand-off)."""
    out = {}
    for node in pathway.nodes:
        if node.kind == "variant":
            result = variant_result(node, frozenset())
            out[node.id] = tuple(getattr(result, name) for name in LIST_FIELDS)
        elif node.kind == "handoff":
            out[node.id] = tuple(() for _ in LIST_FIELDS)
    return out


def _route(pathway: Pathway, node_id: str, compile_cond: Callable[[Any], Any],
           case: Callable[[list[tuple[Any, Any]], Any], Any], lit: Callable[[Any], Any],
           is_null: Callable[[Any], Any], any_of: Callable[[list[Any]], Any]) -> Any:
    """The terminal of a row as one expression: the first answer that holds; ``need_info`` when
    none holds and one is undecided; else ``otherwise``, or ``route_error`` without one."""
    node = pathway.node(node_id)
    if node.kind != "question":
        return lit(node.id)
    edges = pathway.out_edges(node.id)
    conds = [(compile_cond(e.condition), e) for e in edges if e.condition is not None]
    otherwise = next((e for e in edges if e.condition is None), None)
    whens = [(c, _route(pathway, e.target, compile_cond, case, lit, is_null, any_of)) for c, e in conds]
    whens.append((any_of([is_null(c) for c, _e in conds]), lit("need_info")))
    last = _route(pathway, otherwise.target, compile_cond, case, lit, is_null, any_of) if otherwise else lit("route_error")
    return case(whens, last)


# ---------------------------------------------------------------------------------- DuckDB SQL


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_lit(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _sql_in(col: str, values: list[Any]) -> str:
    """``col IN (values)`` written so that DuckDB does not turn it into a join: DuckDB 2.0
    rewrites an IN list of several constants into a mark join, which loses the row order."""
    return f"list_contains([{', '.join(_sql_lit(v) for v in values)}], {col})"
    # (and a bare TRY_CAST of a CSV column is pushed into its reader as a strict cast, which
    # fails on the first bad value: the CSV peer casts concat(col, '') instead)


def _sql_count(items: list[str], adds: list[int]) -> tuple[str, str, str]:
    sure = " + ".join(f"(CASE WHEN {c} THEN {a} ELSE 0 END)" for c, a in zip(items, adds)) or "0"
    low = " + ".join(f"(CASE WHEN ({c}) IS NULL THEN {min(a, 0)} ELSE 0 END)" for c, a in zip(items, adds)) or "0"
    high = " + ".join(f"(CASE WHEN ({c}) IS NULL THEN {max(a, 0)} ELSE 0 END)" for c, a in zip(items, adds)) or "0"
    return sure, low, high


def sql_condition(cond: Any) -> str:
    """A condition as a three-valued SQL expression over the typed fact columns."""
    match cond:
        case Test():
            col = _q(cond.fact)
            if cond.op == "is_known":
                return f"({col} IS {'NOT ' if cond.value else ''}NULL)"
            if cond.assume is not None:
                when = "TRUE" if cond.assume_when is None else f"(({sql_condition(cond.assume_when)}) IS TRUE)"
                col = f"(CASE WHEN {col} IS NULL AND {when} THEN {_sql_lit(cond.assume)} ELSE {col} END)"
            op, value = cond.op, cond.value
            if op in ("eq", "ne") and value is None:
                return f"({col} IS {'NOT ' if op == 'ne' else ''}NULL)"
            if op in ("eq", "ne"):
                return f"({col} {'=' if op == 'eq' else '<>'} {_sql_lit(value)})"
            if op == "in":
                known = [v for v in value if v is not None]
                inside = _sql_in(col, known) if known else "FALSE"
                return f"(CASE WHEN {col} IS NULL THEN {'TRUE' if None in value else 'NULL'} ELSE {inside} END)"
            if op == "between":
                return f"({col} BETWEEN {value[0]} AND {value[1]})"
            return f"({col} {dict(lt='<', le='<=', gt='>', ge='>=')[op]} {value})"
        case Not():
            return f"(NOT {sql_condition(cond.item)})"
        case Named():
            return sql_condition(cond.item)
        case AllOf() | AnyOf():
            return "(" + (" AND " if isinstance(cond, AllOf) else " OR ").join(sql_condition(c) for c in cond.items) + ")"
        case AtLeast() | Points():
            items = [sql_condition(c) for c in cond.items]
            adds = list(cond.adds) if isinstance(cond, Points) else [1] * len(items)
            goal = cond.threshold if isinstance(cond, Points) else cond.n
            sure, low, high = _sql_count(items, adds)
            return f"(CASE WHEN ({sure}) + ({low}) >= {goal} THEN TRUE WHEN ({sure}) + ({high}) < {goal} THEN FALSE END)"
    raise TypeError(cond)


def _sql_fact(fact: Fact, kind: str, present: bool) -> tuple[str, str]:
    """(the typed value or NULL, whether the cell holds something that is not a value of the fact)."""
    if not present:
        return "NULL", "FALSE"
    col = _q(fact.name)
    if kind == "csv":
        given = f"({col} IS NOT NULL AND lower({col}) NOT IN ('null', 'unknown'))"
        raw = {"bool": f"(CASE WHEN lower({col}) IN ('true', 'yes') THEN TRUE WHEN lower({col}) IN ('false', 'no') "
                       f"THEN FALSE END)",
               "int": f"TRY_CAST(concat({col}, '') AS DOUBLE)", "enum": col}[fact.type]
    elif kind == "jsonl":
        given = f"({col} IS NOT NULL)"
        raw = {"bool": f"(CASE WHEN json_type({col}) = 'BOOLEAN' THEN {col}::VARCHAR = 'true' END)",
               "int": f"(CASE WHEN json_type({col}) IN ('UBIGINT', 'BIGINT', 'DOUBLE') THEN {col}::VARCHAR::DOUBLE END)",
               "enum": f"(CASE WHEN json_type({col}) = 'VARCHAR' THEN {col} ->> '$' END)"}[fact.type]
    else:
        given = f"({col} IS NOT NULL)"
        raw = col
    if fact.type == "int":
        value = f"(CASE WHEN {raw} = floor({raw}) AND {raw} BETWEEN {fact.min} AND {fact.max} THEN {raw} END)"
    elif fact.type == "enum":
        value = f"(CASE WHEN {_sql_in(raw, list(fact.values))} THEN {raw} END)"
    else:
        value = raw
    return value, f"({given} AND {value} IS NULL)"


def _sql_list(words: tuple[str, ...], text: bool) -> str:
    if text:
        return _sql_lit(";".join(words))
    return "[" + ", ".join(_sql_lit(w) for w in words) + "]::VARCHAR[]"


def duckdb_sql(pathway: Pathway, source: str, target: str, columns: list[str]) -> str:
    """The one statement that reads ``source``, validates, routes and writes ``target``."""
    kind = Path(source).suffix.lower().lstrip(".")
    names = ["case_id"] + [f.name for f in pathway.facts]
    if kind == "csv":
        read = f"read_csv({_sql_lit(source)}, all_varchar = true, header = true)"
    elif kind == "parquet":
        read = f"read_parquet({_sql_lit(source)})"
    else:
        spec = ", ".join(f"{_sql_lit(n)}: 'JSON'" for n in names if n in columns)
        read = f"read_json({_sql_lit(source)}, columns = {{{spec}}}, format = 'newline_delimited')"
    typed, bad = [], []
    for fact in pathway.facts:
        value, wrong = _sql_fact(fact, kind, fact.name in columns)
        typed.append(f"{value} AS {_q(fact.name)}")
        bad.append(f"CASE WHEN {wrong} THEN {_sql_lit(repr(fact.name) + ': not a value of the fact')} END")
    case_id = "case_id" if kind != "jsonl" else \
        "(CASE WHEN json_type(case_id) = 'VARCHAR' THEN case_id ->> '$' ELSE case_id::VARCHAR END)"
    text = Path(target).suffix.lower() == ".csv"
    lists = terminal_lists(pathway)
    route = _route(pathway, pathway.entry, sql_condition,
                   lambda whens, last: "CASE " + " ".join(f"WHEN {c} THEN {t}" for c, t in whens) + f" ELSE {last} END",
                   _sql_lit, lambda c: f"({c}) IS NULL", lambda items: "(" + " OR ".join(items) + ")" if items else "FALSE")
    outcome = ("CASE WHEN error IS NOT NULL THEN 'invalid' WHEN t IN ('need_info', 'route_error') THEN t "
               + " ".join(f"WHEN t = {_sql_lit(n.id)} THEN {_sql_lit(n.kind)}" for n in pathway.nodes
                          if n.kind in ("variant", "handoff")) + " END")
    list_columns = []
    for k, name in enumerate(LIST_FIELDS):
        arms = " ".join(f"WHEN {_sql_lit(t)} THEN {_sql_list(v[k], text)}" for t, v in lists.items() if v[k])
        empty = _sql_list((), text)
        list_columns.append(f"(CASE t {arms} ELSE {empty} END) AS {_q(name)}" if arms else f"{empty} AS {_q(name)}")
    fmt = {".csv": "(FORMAT csv, HEADER)", ".parquet": "(FORMAT parquet)", ".jsonl": "(FORMAT json)"}[
        Path(target).suffix.lower()]
    return (f"COPY (WITH typed AS (SELECT {case_id} AS case_id, {', '.join(typed)}, "
            f"NULLIF(concat_ws('; ', {', '.join(bad)}), '') AS error FROM {read}), "
            f"routed AS (SELECT *, CASE WHEN error IS NULL THEN {route} END AS t FROM typed) "
            f"SELECT case_id, {outcome} AS outcome, CASE WHEN t NOT IN ('need_info', 'route_error') THEN t END "
            f"AS terminal, {', '.join(list_columns)}, error FROM routed) TO {_sql_lit(target)} {fmt}")


def run_duckdb(pathway: Pathway, source: str, target: str) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    kind = Path(source).suffix.lower()
    probe = {".csv": f"read_csv({_sql_lit(source)}, all_varchar = true, header = true)",
             ".parquet": f"read_parquet({_sql_lit(source)})"}.get(kind)
    if probe is None:  # JSON Lines: the keys of the first lines
        import json

        with open(source, "rb") as fh:
            columns = sorted({k for line in [fh.readline() for _ in range(100)] if line.strip()
                              for k in json.loads(line)})
    else:
        columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {probe}").fetchall()]
    con.execute(duckdb_sql(pathway, source, target, columns))


# ---------------------------------------------------------------------------------- Polars


def polars_condition(cond: Any) -> Any:
    """A condition as a Polars expression (Kleene logic, as the engine's)."""
    import polars as pl

    match cond:
        case Test():
            col = pl.col(cond.fact)
            if cond.op == "is_known":
                return col.is_not_null() if cond.value else col.is_null()
            if cond.assume is not None:
                when = pl.lit(True) if cond.assume_when is None else polars_condition(cond.assume_when).fill_null(False)
                col = pl.when(col.is_null() & when).then(pl.lit(cond.assume)).otherwise(col)
            op, value = cond.op, cond.value
            if op in ("eq", "ne") and value is None:
                return col.is_null() if op == "eq" else col.is_not_null()
            if op == "eq":
                return col == value
            if op == "ne":
                return col != value
            if op == "in":
                known = [v for v in value if v is not None]
                return pl.when(col.is_null()).then(pl.lit(True if None in value else None, pl.Boolean)).otherwise(
                    col.is_in(known) if known else pl.lit(False))
            if op == "between":
                return (col >= value[0]) & (col <= value[1])
            return {"lt": col < value, "le": col <= value, "gt": col > value, "ge": col >= value}[op]
        case Not():
            return ~polars_condition(cond.item)
        case Named():
            return polars_condition(cond.item)
        case AllOf() | AnyOf():
            parts = [polars_condition(c) for c in cond.items]
            out = parts[0]
            for p in parts[1:]:
                out = (out & p) if isinstance(cond, AllOf) else (out | p)
            return out
        case AtLeast() | Points():
            items = [polars_condition(c) for c in cond.items]
            adds = list(cond.adds) if isinstance(cond, Points) else [1] * len(items)
            goal = cond.threshold if isinstance(cond, Points) else cond.n
            sure = pl.sum_horizontal([pl.when(c).then(a).otherwise(0) for c, a in zip(items, adds)])
            low = pl.sum_horizontal([pl.when(c.is_null()).then(min(a, 0)).otherwise(0) for c, a in zip(items, adds)])
            high = pl.sum_horizontal([pl.when(c.is_null()).then(max(a, 0)).otherwise(0) for c, a in zip(items, adds)])
            return pl.when(sure + low >= goal).then(True).when(sure + high < goal).then(False).otherwise(None)
    raise TypeError(cond)


def _polars_fact(fact: Fact, kind: str) -> tuple[Any, Any]:
    import polars as pl

    col = pl.col(fact.name)
    if kind == "csv":
        low = col.str.to_lowercase()
        given = col.is_not_null() & ~low.is_in(list(NULL_WORDS))
        raw = {"bool": pl.when(low.is_in(["true", "yes"])).then(True).when(low.is_in(["false", "no"])).then(False)
                       .otherwise(None),
               "int": col.cast(pl.Float64, strict=False), "enum": col}[fact.type]
    else:
        given, raw = col.is_not_null(), col
    if fact.type == "int":
        value = pl.when((raw == raw.floor()) & (raw >= fact.min) & (raw <= fact.max)).then(raw).otherwise(None)
    elif fact.type == "enum":
        value = pl.when(raw.is_in(list(fact.values))).then(raw).otherwise(None)
    else:
        value = raw
    return value, given & value.is_null()


def polars_frame(pathway: Pathway, source: str, text_lists: bool) -> Any:
    """A lazy frame with vcfgraph's output columns, read from ``source``."""
    import polars as pl

    kind = Path(source).suffix.lower().lstrip(".")
    if kind == "csv":
        frame = pl.scan_csv(source, infer_schema=False)
    elif kind == "parquet":
        frame = pl.scan_parquet(source)
    else:
        kinds = {"bool": pl.Boolean, "int": pl.Float64, "enum": pl.String}
        frame = pl.scan_ndjson(source, schema={"case_id": pl.String} | {f.name: kinds[f.type] for f in pathway.facts})
    present = set(frame.collect_schema().names())
    typed, bad = [], []
    for fact in pathway.facts:
        if fact.name not in present:
            typed.append(pl.lit(None).alias(fact.name))
            continue
        value, wrong = _polars_fact(fact, kind)
        typed.append(value.alias(fact.name))
        bad.append(pl.when(wrong).then(pl.lit(repr(fact.name) + ": not a value of the fact")))
    error = pl.concat_str(bad, separator="; ", ignore_nulls=True) if bad else pl.lit(None, pl.String)
    frame = frame.select(pl.col("case_id").cast(pl.String), *typed, pl.when(error != "").then(error).alias("error"))
    route = _route(pathway, pathway.entry, polars_condition, _pl_case, lambda v: pl.lit(v), lambda c: c.is_null(),
                   lambda items: pl.any_horizontal(items) if items else pl.lit(False))
    t = pl.when(pl.col("error").is_null()).then(route).alias("t")
    kinds = {n.id: n.kind for n in pathway.nodes if n.kind in ("variant", "handoff")}
    outcome = pl.when(pl.col("error").is_not_null()).then(pl.lit("invalid")).otherwise(
        pl.col("t").replace_strict(kinds, default=pl.col("t"), return_dtype=pl.String))
    lists = terminal_lists(pathway)
    list_columns = []
    for k, name in enumerate(LIST_FIELDS):
        table = {term: (";".join(v[k]) if text_lists else list(v[k])) for term, v in lists.items()}
        dtype = pl.String if text_lists else pl.List(pl.String)
        default = pl.lit("" if text_lists else [], dtype)
        list_columns.append(pl.col("t").replace_strict(table, default=default, return_dtype=dtype).alias(name))
    return frame.with_columns(t).select(
        "case_id", outcome.alias("outcome"),
        pl.when(~pl.col("t").is_in(["need_info", "route_error"])).then(pl.col("t")).alias("terminal"),
        *list_columns, "error")


def _pl_case(whens: list[tuple[Any, Any]], last: Any) -> Any:
    import polars as pl

    expr: Any = pl
    for cond, then in whens:
        expr = expr.when(cond.fill_null(False)).then(then)
    return expr.otherwise(last)


def run_polars(pathway: Pathway, source: str, target: str) -> None:
    kind = Path(target).suffix.lower()
    frame = polars_frame(pathway, source, text_lists=kind == ".csv")
    if kind == ".csv":
        frame.sink_csv(target)
    elif kind == ".parquet":
        frame.sink_parquet(target)
    else:
        frame.sink_ndjson(target)


def main(argv: list[str]) -> int:
    engine, source, target = argv
    pathway = load_pathway()
    {"duckdb": run_duckdb, "polars": run_polars}[engine](pathway, source, target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
