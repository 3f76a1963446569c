"""Issue 29: rules that fire together and rating modifiers in the batch, the SQL export and the audit.

The compiled batch evaluator and the SQL query (DuckDB and PostgreSQL) are held to
:func:`vcfgraph.engine.trace` over the whole case space of the rules fixture, a variant of it whose
rules clash, and the modifiers fixture (every combination of every fact's classes and null), and
over every region of the Ottawa ankle rules split by its rules. The output files, the summary and
the heat-map values are compared as exact texts; the bundled pathway keeps its columns.
"""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from tests.casespace import region_points
from tests.test_export_sql import assert_same, expected, run_duckdb, run_postgres
from vcfgraph.batch.compile import Evaluator, compile_pathway
from vcfgraph.batch.heat import inappropriate_values, traffic_values
from vcfgraph.batch.results import LIST_FIELDS, ROUTE_ERROR, result_fields, result_from_route
from vcfgraph.batch.run import Tally, output_schema, run_batch
from vcfgraph.batch.summary import summary_data, summary_text
from vcfgraph.cli import main
from vcfgraph.engine import trace
from vcfgraph.errors import RouteError
from vcfgraph.export.sql import OUTPUT_COLUMNS, output_columns, to_sql
from vcfgraph.io.load import load_pathway
from vcfgraph.model import Case, Pathway

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
RULES = DATA / "rules" / "two-rules.yaml"
MODIFIERS = DATA / "modifiers" / "observe-or-ct.yaml"
OTTAWA = ROOT / "graphs" / "examples" / "ottawa-ankle.yaml"
CURB65 = ROOT / "graphs" / "examples" / "curb-65.yaml"
#: with this, the knee rule and the "negative" one both fire when the knee and the hip hurt
CLASH = ("when: {fact: knee_pain, eq: false}", "when: {fact: hip_pain, eq: true}")
CLASH_ERROR = ("rule 'knee_rule' and rule 'no_knee_rule' of 'V_assess' both rate 'a_knee_xray' for this case; "
               "the pathway must keep rules that rate the same action exclusive")


@pytest.fixture(scope="module")
def clash_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = RULES.read_text(encoding="utf-8")
    assert text.count(CLASH[0]) == 1
    path = tmp_path_factory.mktemp("clash") / "clash.yaml"
    path.write_text(text.replace(*CLASH), encoding="utf-8")
    return path


def every_case(pathway: Pathway) -> list[dict[str, Any]]:
    """Every combination of every fact's values (an int by its classes) and null."""
    names = [f.name for f in pathway.facts]
    return [dict(zip(names, combo)) for combo in itertools.product(*([*f.domain(), None] for f in pathway.facts))]


def space(name: str, clash_path: Path) -> tuple[Pathway, list[dict[str, Any]]]:
    if name == "ottawa":
        pathway = load_pathway(OTTAWA)
        return pathway, region_points(pathway, draws=2, contributions=True) + [{}]
    pathway = load_pathway({"rules": RULES, "modifiers": MODIFIERS, "clash": clash_path}[name])
    return pathway, every_case(pathway)


SPACES = ["rules", "clash", "modifiers", "ottawa"]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


# ---------------------------------------------------------------- the compiled evaluator


@pytest.mark.slow
@pytest.mark.parametrize("name", SPACES)
def test_the_compiled_evaluator_agrees_with_trace_over_the_case_space(name: str, clash_path: Path) -> None:
    pathway, points = space(name, clash_path)
    got, errors = Evaluator(compile_pathway(pathway)).evaluate_facts(points)
    outcomes = set()
    for i, point in enumerate(points):
        try:
            want, error = result_from_route(trace(pathway, Case("c", point))), None
        except RouteError as exc:
            want, error = ROUTE_ERROR, str(exc)
        outcomes.add(want.outcome)
        assert (got[i], errors.get(i)) == (want, error), point
    assert "need_info" in outcomes and "variant" in outcomes
    assert ("route_error" in outcomes) == (name == "clash")


def test_a_clash_is_the_row_s_route_error(clash_path: Path) -> None:
    pathway = load_pathway(clash_path)
    rows = [{"in_scope": True, "knee_pain": True, "hip_pain": True, "age_years": 40},
            {"in_scope": True, "knee_pain": True, "hip_pain": False, "age_years": 40},
            {"in_scope": True, "knee_pain": True, "age_years": 40}]
    got, errors = Evaluator(compile_pathway(pathway)).evaluate_facts(rows)
    assert [r.outcome for r in got] == ["route_error", "variant", "need_info"]
    assert errors == {0: CLASH_ERROR}
    assert got[2].missing == ("hip_pain",)


# ---------------------------------------------------------------- output files


TWO_ROWS = [
    ["1", "true", "true", "false", "40", "", "a_knee_xray"],
    ["2", "true", "false", "true", "70", "", "a_hip_xray"],
    ["3", "true", "", "false", "40", "", "a_exam"],
    ["4", "true", "true", "", "70", "", "a_rest"],
    ["5", "false", "", "", "", "", "a_exam"],
    ["6", "true", "false", "false", "80", "true", "a_knee_xray"],
    ["7", "maybe", "", "", "", "", ""],
]
TWO_HEADER = ["case_id", "in_scope", "knee_pain", "hip_pain", "age_years", "frail", "taken"]


def test_the_rules_column_in_csv(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", TWO_HEADER, TWO_ROWS)
    assert main(["batch", "--graph", str(RULES), str(source), "-o", str(tmp_path / "out.csv"), "--audit", "taken",
                 "-q"]) == 0
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines() == [
        '"case_id","outcome","terminal","missing","usually_appropriate","may_be_appropriate",'
        '"usually_not_appropriate","contraindicated","rules","error","taken","audit"',
        '"1","variant","V_assess","","a_exam;a_knee_xray","","","","knee_rule",,"a_knee_xray","usually_appropriate"',
        '"2","variant","V_assess","","a_exam;a_hip_xray","a_rest","a_knee_xray","","hip_rule;no_knee_rule",,'
        '"a_hip_xray","usually_appropriate"',
        '"3","need_info",,"knee_pain","","","","","",,"a_exam","undetermined"',
        '"4","need_info",,"hip_pain","","","","","",,"a_rest","undetermined"',
        '"5","handoff","H_out","","","","","","",,"a_exam","not_rated"',
        '"6","variant","V_assess","","a_exam;a_hip_xray","a_rest","a_knee_xray","","hip_rule;no_knee_rule",,'
        '"a_knee_xray","usually_not_appropriate"',
        '"7","invalid",,"","","","","","","fact \'in_scope\' cannot be \'maybe\'; allowed: true, false or null '
        '(not known)",,"invalid"',
    ]


def test_the_modifier_columns_in_json_lines(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", ["case_id", "alert", "age_months", "findings", "worsening"],
                       [["1", "true", "2", "0", "false"], ["2", "true", "40", "0", ""], ["3", "true", "40", "0", "true"],
                        ["4", "false", "", "", ""]])
    assert main(["batch", "--graph", str(MODIFIERS), str(source), "-o", str(tmp_path / "out.jsonl"), "-q"]) == 0
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert list(rows[0]) == ["case_id", "outcome", "terminal", *LIST_FIELDS, "favoured", "disfavoured", "error"]
    assert [(r["case_id"], r["may_be_appropriate"], r["favoured"], r["disfavoured"]) for r in rows] == [
        ("1", ["a_observe", "a_ct"], ["a_ct"], ["a_ct"]),
        ("2", ["a_observe", "a_ct"], [], ["a_ct"]),
        ("3", ["a_observe", "a_ct"], ["a_ct"], ["a_observe", "a_ct"]),
        ("4", [], [], []),
    ]


def test_the_rule_and_modifier_columns_in_parquet(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    source = write_csv(tmp_path / "in.csv", TWO_HEADER[:-1], [r[:-1] for r in TWO_ROWS[:2]])
    assert main(["batch", "--graph", str(RULES), str(source), "-o", str(tmp_path / "out.parquet"), "-q"]) == 0
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.column("rules").to_pylist() == [["knee_rule"], ["hip_rule", "no_knee_rule"]]


@pytest.mark.parametrize("path", [None, CURB65], ids=["bundled", "curb65"])
def test_pathways_without_rules_or_modifiers_keep_their_columns(path: Path | None) -> None:
    pathway = load_pathway(path)
    assert result_fields(pathway) == LIST_FIELDS
    assert output_schema(lists=result_fields(pathway)).names == [
        "case_id", "outcome", "terminal", "missing", "usually_appropriate", "may_be_appropriate",
        "usually_not_appropriate", "contraindicated", "error"]
    assert output_columns(pathway) == OUTPUT_COLUMNS
    assert "rule_traffic" not in summary_data(Tally(), pathway)


# ---------------------------------------------------------------- the audit


def test_the_summary_says_how_often_each_rule_fired(tmp_path: Path) -> None:
    pathway = load_pathway(RULES)
    source = write_csv(tmp_path / "in.csv", TWO_HEADER, TWO_ROWS)
    tally = run_batch(pathway, source, tmp_path / "out.csv", audit="taken")
    text = summary_text(tally, pathway, "taken")
    assert text.split("\n\n")[2:4] == [
        "Variants\n  variant   rows  share\n  V_assess     3  42.9%",
        "Rules that fired\n  variant/rule           rows  of variant\n  V_assess/knee_rule        1       33.3%\n"
        "  V_assess/hip_rule         2       66.7%\n  V_assess/no_knee_rule     2       66.7%",
    ]
    data = summary_data(tally, pathway, "taken")
    assert data["rule_traffic"] == {"V_assess": {"knee_rule": 1, "hip_rule": 2, "no_knee_rule": 2}}
    from jsonschema import Draft202012Validator

    schema = json.loads((ROOT / "vcfgraph" / "schemas" / "batch-summary.json").read_text(encoding="utf-8"))
    Draft202012Validator(schema).validate(data)
    data["rule_traffic"]["V_assess"]["hip_rule"] = -1
    assert not Draft202012Validator(schema).is_valid(data)
    _nodes, edges = traffic_values(tally, pathway)
    assert {k: v for k, v in edges.items() if "->" in k and k.startswith("V_assess")} == {
        "V_assess->a_exam": 0.0, "V_assess/knee_rule->a_knee_xray": 1.0, "V_assess/hip_rule->a_hip_xray": 1.0,
        "V_assess/hip_rule->a_rest": 0.0, "V_assess/no_knee_rule->a_knee_xray": 1.0}
    rate, bad = inappropriate_values(tally, pathway)
    assert rate == {"V_assess": 33.3}
    assert bad == {"V_assess->a_exam": 0.0, "V_assess/knee_rule->a_knee_xray": 0.0,
                   "V_assess/hip_rule->a_hip_xray": 0.0, "V_assess/hip_rule->a_rest": 0.0,
                   "V_assess/no_knee_rule->a_knee_xray": 33.3}


# ---------------------------------------------------------------- the SQL export


def test_the_query_names_the_rule_and_modifier_columns() -> None:
    head = to_sql(load_pathway(RULES)).splitlines()[2]
    assert head == ("-- Result columns: case_id, outcome, terminal, missing, usually_appropriate, may_be_appropriate, "
                    "usually_not_appropriate, contraindicated, rules, error (lists joined by ';').")
    assert output_columns(load_pathway(MODIFIERS))[-3:] == ("favoured", "disfavoured", "error")


def test_a_clash_in_sql_is_trace_s_route_error(clash_path: Path) -> None:
    pathway = load_pathway(clash_path)
    rows = [{"in_scope": True, "knee_pain": True, "hip_pain": True, "age_years": 40},
            {"in_scope": True, "knee_pain": True, "hip_pain": False, "age_years": 80}]
    got = run_duckdb(to_sql(pathway), pathway, rows)
    assert got == {"0": ("route_error", None, "", "", "", "", "", "", CLASH_ERROR),
                   "1": ("variant", "V_assess", "", "a_exam;a_knee_xray", "", "", "", "knee_rule", None)}


@pytest.mark.parametrize("name", SPACES)
def test_the_query_agrees_with_trace_in_duckdb(name: str, clash_path: Path) -> None:
    pathway, points = space(name, clash_path)
    want = [expected(pathway, p) for p in points]
    sql = to_sql(pathway)
    assert_same(pathway, points, run_duckdb(sql, pathway, points), want)
    assert_same(pathway, points, run_duckdb(sql, pathway, points, typed=True), want)


@pytest.mark.slow
def test_the_query_agrees_with_trace_in_postgres(clash_path: Path, postgres_db: str) -> None:
    for name in SPACES:
        pathway, points = space(name, clash_path)
        sql = to_sql(pathway, "postgres")
        got = run_postgres(postgres_db, sql, pathway, points)
        assert_same(pathway, points, got)
        import psycopg

        with psycopg.connect(postgres_db, autocommit=True) as conn:
            conn.execute("DROP TABLE cases")
