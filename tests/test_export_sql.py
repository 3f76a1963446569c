"""Issue 27: ``vcfgraph export --to sql``, the pathway as one SQL query, run in DuckDB and PostgreSQL.

The query is run over the whole case space of each bundled pathway (tests/casespace.py: every
region of the walk, split by the checks, its minimal case and a random one) in DuckDB, with text
columns and with typed ones, and in a real PostgreSQL server (the ``postgres_db`` fixture), and
every row is compared with :func:`vcfgraph.engine.trace`: outcome, terminal, the facts asked
for and the lists (with the rules and modifier columns of the fixtures that have them). Invalid
cells give the batch's error rows; route errors give trace's message; hostile names stay inside
their quotes; ``--table`` and the command line's errors.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, Mapping

import pytest

from tests.casespace import region_points
from vcfgraph.batch.results import result_from_route
from vcfgraph.cli import main
from vcfgraph.engine import trace
from vcfgraph.errors import RouteError
from vcfgraph.export.sql import OUTPUT_COLUMNS, SqlUnsupported, output_columns, to_sql
from vcfgraph.io.load import load_pathway
from vcfgraph.model import Case, Pathway

duckdb = pytest.importorskip("duckdb")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
OTTAWA = ROOT / "graphs" / "examples" / "ottawa-ankle.yaml"
CURB65 = ROOT / "graphs" / "examples" / "curb-65.yaml"
Row = tuple[Any, ...]


# ---------------------------------------------------------------- helpers


def expected(pathway: Pathway, facts: Mapping[str, Any]) -> Row:
    """What trace says of a case, as the query's columns after case_id (the lists of rules and
    modifiers too, when the pathway has them)."""
    names = output_columns(pathway)[3:-1]
    try:
        r = result_from_route(trace(pathway, Case("c", dict(facts))))
    except RouteError as exc:
        return ("route_error", None, *("" for _ in names), str(exc))
    return (r.outcome, r.terminal, *(";".join(getattr(r, name)) for name in names), None)


def text(value: Any) -> str | None:
    """A value as a person types it in a CSV cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def run_duckdb(sql: str, pathway: Pathway, rows: list[Mapping[str, Any]], typed: bool = False,
               table: str = "cases") -> dict[str, Row]:
    import pyarrow as pa

    kinds = {"bool": pa.bool_(), "int": pa.int64(), "enum": pa.string()}
    columns = {"case_id": pa.array([str(i) for i in range(len(rows))], pa.string())}
    for f in pathway.facts:
        values = [r.get(f.name) for r in rows]
        columns[f.name] = pa.array(values, kinds[f.type]) if typed else pa.array([text(v) for v in values], pa.string())
    con = duckdb.connect()
    con.register("arrow_cases", pa.table(columns))
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM arrow_cases")
    cursor = con.execute(sql)
    assert [d[0] for d in cursor.description] == list(output_columns(pathway))
    got = cursor.fetchall()
    con.close()
    return _by_id(got)


def run_postgres(url: str, sql: str, pathway: Pathway, rows: list[Mapping[str, Any]]) -> dict[str, Row]:
    psycopg = pytest.importorskip("psycopg")
    names = ["case_id"] + [f.name for f in pathway.facts]
    quoted = ", ".join('"' + n.replace('"', '""') + '"' for n in names)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE cases ({', '.join(q + ' TEXT' for q in quoted.split(', '))})")
        with conn.cursor() as cur:
            with cur.copy(f"COPY cases ({quoted}) FROM STDIN") as copy:
                for i, r in enumerate(rows):
                    copy.write_row([str(i)] + [text(r.get(f.name)) for f in pathway.facts])
        cursor = conn.execute(sql)
        assert cursor.description is not None
        assert [d.name for d in cursor.description] == list(output_columns(pathway))
        got = cursor.fetchall()
    return _by_id(got)


def _by_id(rows: Iterable[Row]) -> dict[str, Row]:
    out = {}
    for row in rows:
        out[row[0]] = tuple(row[1:])
    return out


def assert_same(pathway: Pathway, points: list[Mapping[str, Any]], got: dict[str, Row],
                want: list[Row] | None = None) -> None:
    want = want if want is not None else [expected(pathway, p) for p in points]
    assert len(got) == len(points)
    wrong = [(p, got[str(i)], w) for i, (p, w) in enumerate(zip(points, want)) if got[str(i)] != w]
    assert not wrong, f"{len(wrong)} of {len(points)} rows differ from trace; first: {wrong[0]}"


# ---------------------------------------------------------------- the case spaces


@pytest.fixture(scope="module")
def bundled_space(bundled: Pathway) -> tuple[list[dict[str, Any]], list[Row]]:
    points = region_points(bundled, draws=1) + [{}]
    return points, [expected(bundled, p) for p in points]


@pytest.mark.slow
def test_the_bundled_case_space_in_duckdb(bundled: Pathway, bundled_space: Any) -> None:
    points, want = bundled_space
    assert len(points) > 20000  # every region, its minimal case and one drawn inside it
    outcomes = {w[0] for w in want}
    assert outcomes == {"variant", "handoff", "need_info"}
    assert any(w[6] for w in want), "some case has an action set apart"
    sql = to_sql(bundled)
    assert_same(bundled, points, run_duckdb(sql, bundled, points), want)
    assert_same(bundled, points, run_duckdb(sql, bundled, points, typed=True), want)


@pytest.mark.slow
def test_the_bundled_case_space_in_postgres(bundled: Pathway, bundled_space: Any, postgres_db: str) -> None:
    points, want = bundled_space
    assert_same(bundled, points, run_postgres(postgres_db, to_sql(bundled, "postgres"), bundled, points), want)


@pytest.mark.slow
@pytest.mark.parametrize("path", [OTTAWA, CURB65, DATA / "tiny.yaml", DATA / "rules" / "two-rules.yaml",
                                  DATA / "modifiers" / "observe-or-ct.yaml"],
                         ids=["ottawa", "curb65", "tiny", "two-rules", "modifiers"])
def test_the_other_case_spaces_in_both_databases(path: Path, postgres_db: str) -> None:
    """Every region, split by the variants' checks, rules and modifiers (issue 29)."""
    pathway = load_pathway(path)
    points = region_points(pathway, draws=2, contributions=True) + [{}]
    want = [expected(pathway, p) for p in points]
    assert_same(pathway, points, run_duckdb(to_sql(pathway), pathway, points), want)
    assert_same(pathway, points, run_postgres(postgres_db, to_sql(pathway, "postgres"), pathway, points), want)


def test_the_tiny_pathway_row_by_row(tiny: Pathway) -> None:
    rows = [{"pain": False}, {"pain": False, "block": "bleeding"}, {"pain": True, "levels": 1},
            {"pain": True, "levels": 2, "block": "bleeding"}, {"pain": True}, {}]
    got = run_duckdb(to_sql(tiny), tiny, rows)
    assert [got[str(i)] for i in range(len(rows))] == [
        ("variant", "V_quiet", "", "a_rest", "", "a_cement", "", None),
        ("variant", "V_quiet", "", "a_rest", "", "a_cement", "", None),
        ("variant", "V_sore", "", "a_cement", "a_mri", "", "", None),
        ("handoff", "H_refer", "", "", "", "", "", None),
        ("need_info", None, "levels", "", "", "", "", None),
        ("need_info", None, "pain", "", "", "", "", None),
    ]
    assert_same(tiny, rows, got)


def test_policies_and_set_apart_actions_in_the_bundled_pathway(bundled: Pathway) -> None:
    """A few cases that lean on the ``unknown:`` policies (the conditional one too) and the checks."""
    rows: list[dict[str, Any]] = [
        {"age": 70},  # fragility context: an unrecorded mechanism reads as low-energy
        {"age": 30},  # no fragility context: the mechanism is asked
        {"age": 30, "neurologic_deficit": True},  # a red flag with the mechanism unknown
        {"age": 30, "suspected_infection": True, "neurologic_deficit": False},
    ]
    rows += [{"age": 80, "high_energy_trauma": False, "neurologic_deficit": False, "decision_stage": stage}
             for stage in ("next_imaging", "initial_treatment")]
    assert_same(bundled, rows, run_duckdb(to_sql(bundled), bundled, rows))


# ---------------------------------------------------------------- invalid cells, route errors


def test_invalid_cells_give_the_batch_error_rows(bundled: Pathway, tmp_path: Path) -> None:
    cells = [
        {"age": "400"}, {"age": "abc"}, {"age": " 70 "}, {"age": "+070.00"}, {"age": "7" * 45},
        {"age": "-3"}, {"age": "70.5"}, {"high_energy_trauma": "maybe"}, {"high_energy_trauma": " YES "},
        {"high_energy_trauma": "Unknown"}, {"high_energy_trauma": "UN\u212aNOWN"}, {"high_energy_trauma": "1"},
        {"decision_stage": "Imaging"}, {"decision_stage": "x" * 80}, {"decision_stage": "it's; DROP TABLE cases"},
        {"age": "400", "sex": "other", "high_energy_trauma": "n"}, {"neurologic_deficit": "\t\u3000true\n"},
    ]
    import csv

    names = ["case_id"] + [f.name for f in bundled.facts]
    source = tmp_path / "cells.csv"
    with open(source, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        for i, c in enumerate(cells):
            w.writerow([str(i)] + [c.get(n, "") for n in names[1:]])
    assert main(["batch", str(source), "-o", str(tmp_path / "out.csv"), "--quiet"]) == 0
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as fh:
        batch = {r["case_id"]: r for r in csv.DictReader(fh)}
    con = duckdb.connect()
    con.execute(f"CREATE TABLE cases ({', '.join(chr(34) + n + chr(34) + ' TEXT' for n in names)})")
    con.executemany(f"INSERT INTO cases VALUES ({', '.join('?' for _ in names)})",
                    [[str(i)] + [c.get(n) for n in names[1:]] for i, c in enumerate(cells)])
    got = _by_id(con.execute(to_sql(bundled)).fetchall())
    assert con.execute("SELECT count(*) FROM cases").fetchone() == (len(cells),)
    invalid = 0
    for i in range(len(cells)):
        b, (outcome, terminal, missing, *_lists, error) = batch[str(i)], got[str(i)]
        assert (outcome, terminal or "", missing) == (b["outcome"], b["terminal"], b["missing"]), cells[i]
        if outcome == "invalid":
            invalid += 1
            assert error == re.sub(r"; did you mean '[^']*'\?", "", b["error"]), cells[i]
            assert "allowed:" in error
        else:
            assert error is None and b["error"] == ""
    assert invalid == 11


OVERLAP = """
pathway: {id: overlap, title: Overlap, guideline: {publisher: ACR, topic: T, topic_id: 1, revision: "2022"},
          version: "1", reviewed: 2026-01-01, entry: q, summary: Two answers can hold at once.}
sources: {S1: A source}
facts:
  a: {type: bool, question: A?}
  n: {type: int, min: 0, max: 10, cuts: [3, 5], question: N?}
nodes:
  - id: q
    kind: question
    label: Q
    answers:
      - {id: e_a, label: A, to: H1, when: {fact: a, eq: true}}
      - {id: e_big, label: Big, to: H2, when: {fact: n, ge: 5}}
      - {id: e_small, label: Small, to: H1, when: {fact: n, lt: 3}}
  - {id: H1, kind: handoff, label: H1, topic: T}
  - {id: H2, kind: handoff, label: H2, topic: T}
"""


def test_route_errors_carry_the_message_of_trace(tmp_path: Path) -> None:
    path = tmp_path / "overlap.yaml"
    path.write_text(OVERLAP, encoding="utf-8")
    pathway = load_pathway(path)
    rows = [{"a": True, "n": 7}, {"a": True, "n": 1}, {"a": False, "n": 4}, {"a": False, "n": 1}, {"n": 4}, {}]
    got = run_duckdb(to_sql(pathway), pathway, rows)
    assert [got[str(i)][0] for i in range(len(rows))] == ["route_error", "route_error", "route_error",
                                                          "handoff", "need_info", "need_info"]
    want = [expected(pathway, r) for r in rows]
    assert [got[str(i)] for i in (0, 1, 3, 4, 5)] == [want[i] for i in (0, 1, 3, 4, 5)]
    # none holds and there is no otherwise: trace also names each answer's reason, SQL does not
    assert got["2"][-1] == "no answer of 'q' holds for this case and it has no 'otherwise' answer"
    assert want[2][-1].startswith("no answer of 'q' holds for this case (")


# ---------------------------------------------------------------- hostile names, --table


HOSTILE_FACT = "pa'in\"; DROP TABLE cases; --"
HOSTILE_VALUE = "ble'ed\\ing\u00e9"


def _renamed(obj: Any, names: Mapping[str, str]) -> Any:
    """A model object with every string equal to a key of ``names`` replaced (dataclasses rebuilt)."""
    import dataclasses

    if isinstance(obj, str):
        return names.get(obj, obj)
    if isinstance(obj, (tuple, list)):
        return type(obj)(_renamed(x, names) for x in obj)
    if isinstance(obj, dict):
        return {_renamed(k, names): _renamed(v, names) for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: _renamed(getattr(obj, f.name), names) for f in dataclasses.fields(obj) if f.init}
        return dataclasses.replace(obj, **changes)
    return obj


def _hostile(tiny: Pathway) -> Pathway:
    """The tiny pathway with quotes, backslashes, newlines and SQL in its names (only an in-memory
    pathway can have them: the reader takes letters, digits and _ only)."""
    names = {"pain": HOSTILE_FACT, "bleeding": HOSTILE_VALUE, "V_sore": "V_so're\\'); --", "a_mri": "a_m\"ri\n--"}
    return _renamed(tiny, names)


def test_hostile_names_stay_inside_their_quotes(tiny: Pathway) -> None:
    pathway = _hostile(tiny)
    assert pathway.has_fact(HOSTILE_FACT) and HOSTILE_VALUE in pathway.fact("block").values
    sql = to_sql(pathway)
    assert sql.isascii() and "\\" not in sql.split("\n", 3)[3]
    rows = [{HOSTILE_FACT: False}, {HOSTILE_FACT: True, "levels": 1, "block": HOSTILE_VALUE},
            {HOSTILE_FACT: True, "levels": 1}, {}]
    got = run_duckdb(sql, pathway, rows)
    assert got["1"][:5] == ("variant", "V_so're\\'); --", "", "", "a_m\"ri\n--")
    assert_same(pathway, rows, got)


@pytest.mark.slow
def test_hostile_names_in_postgres(tiny: Pathway, postgres_db: str) -> None:
    pathway = _hostile(tiny)
    points = region_points(pathway, draws=2)
    psycopg = pytest.importorskip("psycopg")
    got = run_postgres(postgres_db, to_sql(pathway, "postgres"), pathway, points)
    assert_same(pathway, points, got)
    with psycopg.connect(postgres_db) as conn:
        assert conn.execute("SELECT count(*) FROM cases").fetchone() == (len(points),)


def test_the_table_option_names_the_table_exactly(tiny: Pathway) -> None:
    rows = [{"pain": False}, {}]
    got = run_duckdb(to_sql(tiny, table="Audit Cases"), tiny, rows, table='"Audit Cases"')
    assert got["0"][:2] == ("variant", "V_quiet")
    con = duckdb.connect()
    con.execute("CREATE SCHEMA ward; CREATE TABLE ward.intake (case_id TEXT, pain TEXT, stage TEXT, levels TEXT, block TEXT)")
    con.execute("INSERT INTO ward.intake VALUES ('x', 'yes', NULL, '3', NULL)")
    assert con.execute(to_sql(tiny, table="ward.intake")).fetchall() == [
        ("x", "handoff", "H_refer", "", "", "", "", "", None)]
    with pytest.raises(duckdb.CatalogException):
        con.execute(to_sql(tiny))  # the default, cases, is not there
    for bad in ("", "a..b", "x" * 201, "a\x00b"):
        with pytest.raises(SqlUnsupported):
            to_sql(tiny, table=bad)


def test_the_query_text_is_deterministic_and_differs_by_dialect(bundled: Pathway) -> None:
    duck, pg = to_sql(bundled), to_sql(bundled, "postgres")
    assert duck == to_sql(load_pathway(cache=False)) and duck != pg
    assert duck.isascii() and pg.isascii()
    assert "regexp_full_match" in duck and "~ '^" in pg


def test_a_cycle_is_refused(tmp_path: Path) -> None:
    source = (DATA / "tiny.yaml").read_text(encoding="utf-8").replace("to: V_sore, otherwise: true", "to: q_pain, otherwise: true")
    path = tmp_path / "cycle.yaml"
    path.write_text(source, encoding="utf-8")
    with pytest.raises(SqlUnsupported, match="cycle"):
        to_sql(load_pathway(path))


# ---------------------------------------------------------------- the command line


def test_the_command_writes_the_query(bundled: Pathway, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--to", "sql"]) == 0
    assert capsys.readouterr().out == to_sql(bundled)
    out = tmp_path / "route.sql"
    assert main(["export", "--to", "sql", "--dialect", "postgres", "--table", "audit.cases", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == to_sql(bundled, "postgres", "audit.cases")


@pytest.mark.parametrize("args, words", [
    (["--to", "mermaid", "--dialect", "postgres"], "--dialect and --table go with --to sql"),
    (["--to", "sql", "--table", ""], "is not a table name"),
    (["--to", "sql", "--table", "a..b"], "is not a table name"),
])
def test_bad_arguments_exit_2_with_a_message(args: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", *args]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_an_unknown_dialect_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--to", "sql", "--dialect", "oracle"]) == 2
    assert "invalid choice: 'oracle'" in capsys.readouterr().err


def test_a_question_with_too_many_combinations_is_refused(bundled: Pathway, monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import vcfgraph.export.sqlneed

    monkeypatch.setattr(vcfgraph.export.sqlneed, "MAX_COMBINATIONS", 50)
    with pytest.raises(SqlUnsupported, match="combinations"):
        to_sql(bundled)
    source = (DATA / "tiny.yaml").read_text(encoding="utf-8").replace("to: V_sore, otherwise: true", "to: q_pain, otherwise: true")
    (tmp_path / "cycle.yaml").write_text(source, encoding="utf-8")
    assert main(["export", "--to", "sql", "-g", str(tmp_path / "cycle.yaml")]) == 2
    assert "cannot export tiny as sql: the pathway has a cycle" in capsys.readouterr().err


def test_counts_nested_too_deep_are_refused_not_written_out(tiny: Pathway) -> None:
    """Each count writes its items twice: 30 nested counts would be a gigabyte of SQL."""
    from vcfgraph import conditions as cm
    from vcfgraph.export.sqltext import condition

    cond: cm.Condition = cm.Test("pain", "eq", True)
    for _ in range(30):
        cond = cm.AtLeast(1, (cond, cm.Test("levels", "ge", 2)))
    columns = {f.name: (f, f"f{i}") for i, f in enumerate(tiny.facts)}
    with pytest.raises(SqlUnsupported, match="characters of SQL"):
        condition(cond, columns)
