"""vcfgraph batch: every row out, in order, in every format; bad rows reported, never dropped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from vcfgraph.batch.results import result_from_route
from vcfgraph.batch.run import run_batch
from vcfgraph.cli import main
from vcfgraph.engine import trace
from vcfgraph.errors import RouteError
from vcfgraph.io.load import load_cases
from vcfgraph.model import Pathway

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "batch"
GOLDEN = HERE / "golden" / "batch"
CASES = HERE.parent / "cases"
LISTS = ("missing", "usually_appropriate", "may_be_appropriate", "usually_not_appropriate", "contraindicated")


def golden(name: str, text: str, update: bool) -> None:
    path = GOLDEN / name
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs (pytest --update-goldens to refresh)"


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Result rows of any output format, lists as lists (CSV cells split on ';')."""
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    header = path.read_text(encoding="utf-8").splitlines()[0].replace('"', "").split(",")
    table = pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(column_types={n: pa.string() for n in header}))
    rows = []
    for row in table.to_pylist():
        for name in LISTS:
            row[name] = row[name].split(";") if row[name] else []
        rows.append({k: (None if v == "" else v) for k, v in row.items()})
    return rows


def run_cli(*argv: str) -> int:
    return main(["batch", *argv, "--quiet"])


# ------------------------------------------------------------------ golden run


def test_csv_with_audit_matches_golden(tmp_path: Path, capsys: pytest.CaptureFixture[str], update_goldens: bool) -> None:
    out = tmp_path / "results.csv"
    summary = tmp_path / "summary.json"
    code = main(["batch", str(DATA / "cases.csv"), "-o", str(out), "--audit", "action_taken",
                 "--summary-json", str(summary)])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.err == ""
    golden("cases.results.csv", out.read_text(encoding="utf-8"), update_goldens)
    golden("cases.summary.txt", captured.out, update_goldens)
    golden("cases.summary.json", summary.read_text(encoding="utf-8"), update_goldens)


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_output_formats_hold_the_same_rows(tmp_path: Path, suffix: str) -> None:
    assert run_cli(str(DATA / "cases.csv"), "-o", str(tmp_path / "r.csv"), "--audit", "action_taken") == 0
    assert run_cli(str(DATA / "cases.csv"), "-o", str(tmp_path / f"r{suffix}"), "--audit", "action_taken") == 0
    assert read_rows(tmp_path / f"r{suffix}") == read_rows(tmp_path / "r.csv")


def test_parquet_output_has_real_lists(tmp_path: Path) -> None:
    assert run_cli(str(DATA / "cases.csv"), "-o", str(tmp_path / "r.parquet"), "--audit", "action_taken") == 0
    schema = pq.read_schema(tmp_path / "r.parquet")
    assert [f.name for f in schema] == ["case_id", "outcome", "terminal", *LISTS, "error", "action_taken", "audit"]
    assert all(pa.types.is_list(schema.field(n).type) for n in LISTS)
    first = pq.read_table(tmp_path / "r.parquet").slice(0, 1).to_pylist()[0]
    assert first["usually_appropriate"] == ["medical_management_only"]


# ------------------------------------------------------------------ generated files


def test_generated_rows_come_out_in_order_with_their_errors(tmp_path: Path, bundled: Pathway, batch_generator: Any) -> None:
    table, invalid = batch_generator.generate(bundled, 5000, seed=3, invalid_rate=0.02)
    path = tmp_path / "cases.csv"
    batch_generator.write(table, invalid, path)
    tally = run_batch(bundled, path, tmp_path / "out.parquet", rows=1000)
    out = pq.read_table(tmp_path / "out.parquet")
    assert out.column("case_id").to_pylist() == table.column("case_id").to_pylist()
    outcomes = out.column("outcome").to_pylist()
    errors = out.column("error").to_pylist()
    assert {i for i, o in enumerate(outcomes) if o == "invalid"} == set(invalid)
    for row, (fact, value) in invalid.items():
        shown = value if isinstance(value, int) else f"'{value}'"  # a number out of range, or a word
        assert errors[row].startswith(f"fact '{fact}' cannot be {shown}; allowed: "), errors[row]
    assert [i for i, e in enumerate(errors) if e] == sorted(invalid)
    assert tally.rows == 5000 and tally.outcomes["invalid"] == len(invalid) == tally.errors


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
@pytest.mark.slow
def test_every_input_format_gives_the_same_results(tmp_path: Path, bundled: Pathway, batch_generator: Any,
                                                   suffix: str) -> None:
    table, invalid = batch_generator.generate(bundled, 3000, seed=5, invalid_rate=0.0)
    batch_generator.write(table, invalid, tmp_path / f"cases{suffix}")
    run_batch(bundled, tmp_path / f"cases{suffix}", tmp_path / "out.parquet", rows=700)
    expected = []
    facts = [f.name for f in bundled.facts]
    for row in table.to_pylist():
        try:
            result = result_from_route(trace(bundled, _case(row, facts)))
            expected.append((row["case_id"], result.outcome, result.terminal, list(result.missing)))
        except RouteError as exc:  # pragma: no cover - the bundled pathway has none
            expected.append((row["case_id"], "route_error", str(exc), []))
    got = [(r["case_id"], r["outcome"], r["terminal"], r["missing"]) for r in pq.read_table(tmp_path / "out.parquet").to_pylist()]
    assert got == expected


def _case(row: dict[str, Any], facts: list[str]) -> Any:
    from vcfgraph.model import Case

    return Case(row["case_id"], {f: row.get(f) for f in facts})


def test_chunk_size_does_not_change_the_output(tmp_path: Path, bundled: Pathway, batch_generator: Any) -> None:
    table, invalid = batch_generator.generate(bundled, 2000, seed=9)
    batch_generator.write(table, invalid, tmp_path / "cases.csv")
    assert run_cli(str(tmp_path / "cases.csv"), "-o", str(tmp_path / "small.csv"), "--chunk-rows", "7") == 0
    assert run_cli(str(tmp_path / "cases.csv"), "-o", str(tmp_path / "big.csv")) == 0
    assert (tmp_path / "small.csv").read_bytes() == (tmp_path / "big.csv").read_bytes()


def test_case_library_agrees_with_trace(tmp_path: Path, bundled: Pathway) -> None:
    cases = [c for path in sorted(CASES.glob("*.yaml")) for c in load_cases(bundled, path)]
    assert cases
    lines = [json.dumps({"case_id": c.id, **{k: v for k, v in c.facts.items() if v is not None}}) for c in cases]
    (tmp_path / "library.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    run_batch(bundled, tmp_path / "library.jsonl", tmp_path / "out.jsonl")
    for case, row in zip(cases, read_rows(tmp_path / "out.jsonl"), strict=True):
        result = result_from_route(trace(bundled, case))
        assert row["case_id"] == case.id
        assert (row["outcome"], row["terminal"]) == (result.outcome, result.terminal)
        assert tuple(row["usually_appropriate"]) == result.usually_appropriate
        assert tuple(row["missing"]) == result.missing


# ------------------------------------------------------------------ typed inputs and bad lines


def test_json_lines_with_mixed_types_and_broken_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vcfgraph.batch.readers.JSONL_HEAD", 60)  # the first line alone names the columns
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join([
        '{"case_id": "a", "symptomatic": "true"}',
        '{"case_id": 7, "age": 70.5}',
        "",
        "not json",
        "[1, 2]",
        '{"case_id": "b", "neurologic_deficit": false, "high_energy_trauma": true}',
        '{"case_id": "c", "neurologic_deficit": false, "colour": "blue"}',
    ]) + "\n", encoding="utf-8")
    assert run_cli(str(path), "-o", str(tmp_path / "out.jsonl")) == 0
    rows = read_rows(tmp_path / "out.jsonl")
    assert [(r["case_id"], r["outcome"], r["error"]) for r in rows] == [
        ("a", "invalid", "fact 'symptomatic' cannot be 'true'; allowed: true, false or null (not known) "
                         "(this is text; a boolean is expected)"),
        ("7", "invalid", "fact 'age' cannot be 70.5; allowed: a whole number from 0 to 120 years or null (not known)"),
        (None, "invalid", f"{path}:4: not a valid JSON line (Expecting value: line 1 column 1 (char 0))"),
        (None, "invalid", f"{path}:5: a JSON line must be an object of fact names and values"),
        ("b", "handoff", None),
        ("c", "invalid", "unknown fact 'colour'"),
    ]


def test_parquet_typed_columns(tmp_path: Path) -> None:
    table = pa.table({
        "case_id": ["ok", "float-age", "nan-age", "out-of-range", "bad-enum", "bool-as-int"],
        "age": pa.array([70.0, 71.0, float("nan"), 300.0, 60.0, 60.0]),
        "imaging_done": pa.array(["ct", "ct", "ct", "ct", "xray", "ct"]).dictionary_encode(),
        "neurologic_deficit": pa.array([False, False, False, False, False, None]),
        "symptomatic": pa.array([1, 0, 0, 0, 0, 2]),
    })
    pq.write_table(table, tmp_path / "typed.parquet")
    assert run_cli(str(tmp_path / "typed.parquet"), "-o", str(tmp_path / "out.csv")) == 0
    rows = read_rows(tmp_path / "out.csv")
    assert [r["error"] for r in rows] == [
        "fact 'symptomatic' cannot be 1; allowed: true, false or null (not known)",
        "fact 'symptomatic' cannot be 0; allowed: true, false or null (not known)",
        "fact 'symptomatic' cannot be 0; allowed: true, false or null (not known)",
        "fact 'age' cannot be 300; allowed: a whole number from 0 to 120 years or null (not known); "
        "fact 'symptomatic' cannot be 0; allowed: true, false or null (not known)",
        "fact 'imaging_done' cannot be 'xray'; allowed: none, radiograph, ct, mri, dxa_vfa, bone_scan or null "
        "(not known); fact 'symptomatic' cannot be 0; allowed: true, false or null (not known)",
        "fact 'symptomatic' cannot be 2; allowed: true, false or null (not known)",
    ]


def test_parquet_whole_floats_count_and_nan_is_not_known(tmp_path: Path) -> None:
    table = pa.table({
        "case_id": ["two", "nan"], "number_of_fractures": pa.array([2.0, float("nan")]),
        "neurologic_deficit": [False, False], "decision_stage": ["next_imaging"] * 2, "symptomatic": [True, True],
        "known_malignancy": [False, False], "prior_vertebral_augmentation": [False, False],
        "prior_spine_surgery": [False, False], "high_energy_trauma": [False, False],
    })
    pq.write_table(table, tmp_path / "t.parquet")
    assert run_cli(str(tmp_path / "t.parquet"), "-o", str(tmp_path / "out.jsonl")) == 0
    rows = read_rows(tmp_path / "out.jsonl")
    assert [(r["outcome"], r["terminal"], r["missing"], r["error"]) for r in rows] == [
        ("variant", "V3_img_new_back_pain_prior_vcf", [], None),
        ("need_info", None, ["number_of_fractures"], None),
    ]


# ------------------------------------------------------------------ usage errors


def test_unknown_column_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("case_id,symptomatc,age\na,true,70\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert run_cli(str(path), "-o", str(out)) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"vcfgraph: error: {path}: unknown column 'symptomatc'; did you mean 'symptomatic'?; "
                          "columns must be 'case_id', the audit column (--audit COLUMN) or facts of the pathway: age, ")
    assert err.count("\n") == 1
    assert not out.exists() and not list(tmp_path.glob(".*partial"))


@pytest.mark.parametrize(("header", "extra", "message"), [
    ("age,symptomatic", [], "there is no 'case_id' column; give every row an id in a 'case_id' column"),
    ("case_id,age", ["--audit", "action"], "there is no column 'action' to audit"),
])
def test_missing_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str], header: str, extra: list[str],
                         message: str) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(header + "\n1,2\n", encoding="utf-8")
    assert run_cli(str(path), "-o", str(tmp_path / "out.csv"), *extra) == 2
    assert capsys.readouterr().err == f"vcfgraph: error: {path}: {message}\n"


def test_ragged_csv_stops_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("case_id,age\na,70\nb,71,extra\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert run_cli(str(path), "-o", str(out)) == 2
    assert capsys.readouterr().err == (f"vcfgraph: error: {path}: a row has 3 fields but the header has 2: "
                                       "'b,71,extra'; quote values that contain a comma\n")
    assert not out.exists() and not list(tmp_path.glob(".*partial"))


@pytest.mark.parametrize(("args", "message"), [
    (["in.txt", "-o", "out.csv"], "in.txt: cannot tell the format from the extension '.txt'; use CSV (.csv), "
                                  "JSON Lines (.jsonl, .ndjson) or Parquet (.parquet, a folder of .parquet files, or a glob)"),
    (["missing.csv", "-o", "out.csv"], "missing.csv: no such file"),
    ([str(DATA / "cases.csv"), "-o", str(DATA / "cases.csv")], f"{DATA / 'cases.csv'}: the output would overwrite the input"),
    ([str(DATA / "cases.csv"), "-o", "out.csv", "--workers", "2"], "--scheduler and --workers apply to --engine dask only"),
    ([str(DATA / "cases.csv"), "-o", "out.csv", "--engine", "dask"],
     f"{DATA / 'cases.csv'}: --engine dask reads partitioned Parquet (a folder of .parquet files, a glob or one file); "
     "use the local engine for CSV and JSON Lines"),
])
def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                      args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_cli(*args) == 2
    assert capsys.readouterr().err == f"vcfgraph: error: {message}\n"
    assert not (tmp_path / "out.csv").exists()


def test_route_errors_are_reported_per_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("case_id,pain,levels\nboth,true,1\nquiet,false,\n", encoding="utf-8")
    code = main(["batch", str(path), "-o", str(tmp_path / "out.csv"), "--graph", str(DATA / "overlap.yaml")])
    assert code == 1
    assert capsys.readouterr().out.startswith("Rows: 2 (invalid: 0, route errors: 1, with an error message: 1)\n")
    rows = read_rows(tmp_path / "out.csv")
    assert [(r["outcome"], r["terminal"], r["error"]) for r in rows] == [
        ("route_error", None, "two answers of 'q_pain' both hold for this case: 'q_pain->q_levels' (pain is true) and "
                              "'q_pain->V_quiet' (pain is true or false); the pathway must make them exclusive"),
        ("variant", "V_quiet", None),
    ]


def test_help_describes_the_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["batch", "--help"]) == 0
    out = capsys.readouterr().out
    for words in ("--audit COLUMN", "--engine {local,dask}", "--scheduler ADDRESS", "joined by ';' in CSV",
                  "never dropped"):
        assert words in " ".join(out.split()), words


def test_progress_is_reported_per_chunk(tmp_path: Path, bundled: Pathway, batch_generator: Any) -> None:
    table, invalid = batch_generator.generate(bundled, 1000, seed=1, typed_invalid=True)
    batch_generator.write(table, invalid, tmp_path / "cases.parquet")
    calls: list[tuple[int, int]] = []
    run_batch(bundled, tmp_path / "cases.parquet", tmp_path / "out.csv", rows=300, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(300, 1000), (600, 1000), (900, 1000), (1000, 1000)]


def test_empty_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "header.csv").write_text("case_id,age\n", encoding="utf-8")
    assert run_cli(str(tmp_path / "header.csv"), "-o", str(tmp_path / "out.csv")) == 0
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == (
        '"case_id","outcome","terminal","missing","usually_appropriate","may_be_appropriate",'
        '"usually_not_appropriate","contraindicated","error"\n')
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    assert run_cli(str(tmp_path / "empty.jsonl"), "-o", str(tmp_path / "out.jsonl")) == 2
    assert capsys.readouterr().err == (f"vcfgraph: error: {tmp_path / 'empty.jsonl'}: the file holds no JSON lines; "
                                       "write one JSON object per line\n")


def test_a_parquet_file_is_read_a_run_of_row_groups_at_a_time(tmp_path: Path) -> None:
    """pyarrow's reader grows a text column's dictionary over all it has read: one reader for the
    whole file held every case id of a 10M-row file (2 GB). Each run of row groups gets its own."""
    from vcfgraph.batch.readers import open_input

    ids = [f"case-{k:05d}" for k in range(1000)]
    pq.write_table(pa.table({"case_id": ids, "age": pa.array(range(1000), pa.int64())}), tmp_path / "many.parquet",
                   row_group_size=100, use_dictionary=False)  # plain pages, as DuckDB writes unique text
    chunks = list(open_input(tmp_path / "many.parquet", rows=250).chunks())
    assert sum(c.n for c in chunks) == 1000
    for chunk in chunks:
        column = chunk.columns["case_id"]
        assert len(column.dictionary) <= 300, len(column.dictionary)  # this run's ids, not all before it
    assert [v for c in chunks for v in c.columns["case_id"].to_pylist()] == ids
