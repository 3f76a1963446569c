"""Generate N random cases from a pathway's fact domains, for batch benchmarks and tests.

    python benchmarks/generate_cases.py 1000000 -o /tmp/cases.parquet --seed 7
    python benchmarks/generate_cases.py 2000 -o cases.csv --audit-column action_taken \\
        --inject-rate 0.05 --truth injected.json

Every fact is drawn from its domain (an int fact: first an interval between its cut points,
then a value inside it), with ``--null-rate`` of the cells left not known and ``--invalid-rate``
of the rows given one invalid value (a word that is not a value, a number out of range, text
where a boolean is expected; in Parquet only values of the column's type). On the bundled
pathway the neurologic red flags and high-energy trauma are drawn rarely (3%) so that traffic
reaches the variants as it would in practice.

With ``--audit-column`` every row also names the action taken: a usually-appropriate (or
may-be-appropriate) action of the row's variant, as traced by ``vcfgraph.engine.trace`` (not
by the batch evaluator, which the tests check against it), except for ``--inject-rate`` of the
variant rows, which get a usually-not-appropriate or a contraindicated action instead. Those
rows are written to ``--truth`` as JSON ``{case_id: class}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vcfgraph.batch.readers import file_format
from vcfgraph.engine import trace
from vcfgraph.errors import RouteError
from vcfgraph.io.load import load_pathway
from vcfgraph.model import Case, Fact, Pathway

#: P(true) of rare facts of the bundled pathway: red flags are rare in real records (other booleans: one half)
RARE = {"high_energy_trauma": 0.03, "neurologic_deficit": 0.03, "retropulsion": 0.03, "epidural_disease": 0.03,
        "suspected_infection": 0.03, "suspected_instability": 0.03}


def _draw(fact: Fact, n: int, rng: np.random.Generator) -> np.ndarray:
    """Values of one fact as codes: 0/1 for bool, index for enum, the number for int."""
    if fact.type == "bool":
        return (rng.random(n) < RARE.get(fact.name, 0.5)).astype(np.int64)
    if fact.type == "enum":
        return rng.integers(0, len(fact.values), n)
    spans = np.array(fact.intervals(), dtype=np.int64)
    pick = spans[rng.integers(0, len(spans), n)]
    return rng.integers(pick[:, 0], pick[:, 1] + 1)


def _arrow(fact: Fact, codes: np.ndarray, null: np.ndarray) -> pa.Array:
    if fact.type == "bool":
        return pa.array(codes.astype(bool), pa.bool_(), mask=null)
    if fact.type == "int":
        return pa.array(codes, pa.int64(), mask=null)
    return pc.take(pa.array(list(fact.values), pa.string()), pa.array(codes, pa.int64(), mask=null))


def _invalid(fact: Fact, typed: bool, rng: np.random.Generator) -> Any:
    """One invalid value for ``fact`` (of the column's type when ``typed``)."""
    if fact.type == "int":
        assert fact.max is not None and fact.min is not None
        choices: list[Any] = [fact.max + 1 + int(rng.integers(0, 50)), fact.min - 1 - int(rng.integers(0, 50))]
        if not typed:
            choices.append("several")
        return choices[int(rng.integers(0, len(choices)))]
    if fact.type == "enum":
        value = fact.values[int(rng.integers(0, len(fact.values)))]
        return [value.upper() + "X", value[:-1], "unknown_" + value][int(rng.integers(0, 3))]
    return ["maybe", "2", "yes please"][int(rng.integers(0, 3))]


def generate(pathway: Pathway, n: int, *, seed: int = 0, null_rate: float = 0.15, invalid_rate: float = 0.01,
             typed_invalid: bool = False) -> tuple[pa.Table, dict[int, tuple[str, Any]]]:
    """Draw ``n`` cases.

    Args:
        typed_invalid: invalid values must keep the column's type (Parquet): only int and enum
            facts get them.

    Returns:
        The valid draws as a typed table (``case_id`` first), and row -> (fact, invalid value)
        for the rows given an invalid value.
    """
    rng = np.random.default_rng(seed)
    width = len(str(max(n, 1)))
    columns = {"case_id": pa.array([f"case-{i:0{width}d}" for i in range(1, n + 1)], pa.string())}
    for fact in pathway.facts:
        codes = _draw(fact, n, rng)
        columns[fact.name] = _arrow(fact, codes, rng.random(n) < null_rate)
    eligible = [f for f in pathway.facts if not typed_invalid or f.type != "bool"]
    invalid: dict[int, tuple[str, Any]] = {}
    for row in np.flatnonzero(rng.random(n) < invalid_rate):
        fact = eligible[int(rng.integers(0, len(eligible)))]
        invalid[int(row)] = (fact.name, _invalid(fact, typed_invalid, rng))
    return pa.table(columns), invalid


def _with_invalid(table: pa.Table, invalid: dict[int, tuple[str, Any]], text: bool) -> pa.Table:
    """The table with the invalid values put in (every column as text when ``text``; else the
    invalid values must have the column's type)."""
    columns = {}
    for name in table.column_names:
        col = table.column(name)
        if text and name != "case_id":
            col = pc.cast(col, pa.string())
        rows = {r: v for r, (f, v) in invalid.items() if f == name}
        if rows:
            values = col.to_pylist()
            for r, v in rows.items():
                values[r] = str(v) if text else v
            col = pa.array(values, col.type)
        columns[name] = col
    return pa.table(columns)


def add_actions(pathway: Pathway, table: pa.Table, invalid: dict[int, tuple[str, Any]], column: str, rate: float,
                seed: int) -> tuple[pa.Table, dict[str, str]]:
    """Add the action taken per row; returns the table and {case_id: class} of injected rows."""
    rng = np.random.default_rng(seed + 1)
    actions = [a.id for a in pathway.of_kind("action")]
    ids = table.column("case_id").to_pylist()
    facts = {name: table.column(name).to_pylist() for name in table.column_names if name != "case_id"}
    taken: list[str | None] = []
    truth: dict[str, str] = {}
    for row in range(table.num_rows):
        route = None
        if row not in invalid:
            try:
                route = trace(pathway, Case(ids[row], {k: v[row] for k, v in facts.items()}))
            except RouteError:
                route = None
        action, injected = _choose(route, actions, rate, rng)
        if injected:
            truth[ids[row]] = injected
        taken.append(action)
    return table.append_column(column, pa.array(taken, pa.string())), truth


def _choose(route: Any, actions: Sequence[str], rate: float, rng: np.random.Generator) -> tuple[str | None, str]:
    pick = lambda items: items[int(rng.integers(0, len(items)))]  # noqa: E731
    if route is None or route.outcome != "variant":
        return (pick(actions) if rng.random() < 0.9 else None), ""
    bad = [(a, "usually_not_appropriate") for a in route.actions("UNA")]
    bad += [(c.action, "contraindicated") for c in route.contraindicated]
    if bad and rng.random() < rate:
        return pick(bad)
    good = list(route.actions("UA")) or list(route.actions("MBA"))
    return (pick(good) if good else None), ""


def write(table: pa.Table, invalid: dict[int, tuple[str, Any]], path: Path) -> None:
    """Write the table, with its invalid values, in the format of ``path``'s extension."""
    kind = file_format(path)
    if kind == "csv":
        import pyarrow.csv as pcsv

        pcsv.write_csv(_with_invalid(table, invalid, text=True), str(path),
                       write_options=pcsv.WriteOptions(quoting_style="needed"))
    elif kind == "parquet":
        import pyarrow.parquet as pq

        bools = {f.name for f in table.schema if pa.types.is_boolean(f.type)}
        if any(fact in bools for fact, _v in invalid.values()):
            raise ValueError("Parquet columns are typed: draw the cases with generate(..., typed_invalid=True)")
        pq.write_table(_with_invalid(table, invalid, text=False), str(path), row_group_size=131072)
    else:
        with open(path, "w", encoding="utf-8") as fh:
            for start in range(0, table.num_rows, 65536):
                rows = table.slice(start, 65536).to_pylist()
                for i, row in enumerate(rows, start):
                    if i in invalid:
                        row[invalid[i][0]] = invalid[i][1]
                fh.write("".join(json.dumps({k: v for k, v in r.items() if v is not None}) + "\n" for r in rows))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="how many cases")
    parser.add_argument("-o", "--output", required=True, type=Path, help="output file (.csv, .jsonl or .parquet)")
    parser.add_argument("--graph", "-g", default=None, help="pathway file (default: the bundled one)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--null-rate", type=float, default=0.15, help="share of cells left not known")
    parser.add_argument("--invalid-rate", type=float, default=0.01, help="share of rows with one invalid value")
    parser.add_argument("--audit-column", default=None, help="add this column with the action taken")
    parser.add_argument("--inject-rate", type=float, default=0.05, help="share of variant rows given inappropriate care")
    parser.add_argument("--truth", type=Path, default=None, help="write {case_id: class} of the injected rows here")
    parser.add_argument("--typed-invalid", action="store_true",
                        help="invalid values keep the column's type (always so for Parquet); a JSON Lines file "
                             "made so can be read whole by pyarrow's JSON reader")
    args = parser.parse_args(argv)
    pathway = load_pathway(args.graph)
    kind = file_format(args.output)
    table, invalid = generate(pathway, args.n, seed=args.seed, null_rate=args.null_rate,
                              invalid_rate=args.invalid_rate, typed_invalid=kind == "parquet" or args.typed_invalid)
    truth: dict[str, str] = {}
    if args.audit_column:
        table, truth = add_actions(pathway, table, invalid, args.audit_column, args.inject_rate, args.seed)
    write(table, invalid, args.output)
    if args.truth:
        args.truth.write_text(json.dumps(dict(sorted(truth.items())), indent=1) + "\n", encoding="utf-8")
    print(f"{args.n} cases -> {args.output} ({len(invalid)} with an invalid value"
          + (f", {len(truth)} with injected inappropriate care" if args.audit_column else "") + ")", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
