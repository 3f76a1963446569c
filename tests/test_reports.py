"""Reports that CI systems read natively, checked with the readers those systems use.

SARIF against the official SARIF 2.1.0 JSON Schema (vendored in tests/data/sarif/), GitHub
workflow commands against the findings they come from, JUnit with ``junitparser``, LCOV with the
real ``genhtml`` run from another folder, Cobertura against the LCOV numbers, and every
``--json`` output against the schema the package ships (``vcfgraph schema --output NAME``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from junitparser import Error, Failure, JUnitXml

from vcfgraph.analysis.check_report import report_github
from vcfgraph.analysis.findings import Finding
from vcfgraph.analysis.checker import CheckReport
from vcfgraph.cli import main
from vcfgraph.errors import Location
from vcfgraph.schemas import OUTPUTS, SCHEMA_VERSION, schema, schema_text

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
CASES = ROOT / "cases"
MUTANTS = sorted((DATA / "mutants").glob("*.yaml"))
SARIF_SCHEMA = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
TINY = DATA / "tiny.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def valid(name: str, data: object) -> None:
    """``data`` follows the shipped schema ``name`` (every error listed when it does not)."""
    validator = jsonschema.Draft202012Validator(schema(name))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


# ------------------------------------------------------------------ SARIF and GitHub


@pytest.mark.parametrize("graph", [None, *MUTANTS], ids=lambda p: p.stem if p else "bundled")
@pytest.mark.slow
def test_sarif_validates_against_the_official_schema_and_matches_the_findings(capsys, graph):
    args = ["check"] + ([str(graph)] if graph else [])
    code, out, _ = run(capsys, *args, "--format", "sarif")
    sarif = json.loads(out)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
    _, findings_json, _ = run(capsys, *args, "--json")
    findings = json.loads(findings_json)["findings"]
    (run_,) = sarif["runs"]
    assert len(run_["results"]) == len(findings)
    rules = run_["tool"]["driver"]["rules"]
    for result, f in zip(run_["results"], findings):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == f["code"]
        assert result["level"] == {"error": "error", "warning": "warning", "info": "note"}[f["severity"]]
        where = result["locations"][0]["physicalLocation"]
        assert where["artifactLocation"]["uri"] == f["file"]
        assert (where["region"]["startLine"], where["region"]["startColumn"]) == (f["line"], f["col"])
        assert result["message"]["text"] == f"[{f['subject']}] {f['message']}"
    assert code == (1 if any(f["severity"] == "error" for f in findings) else 0)


def test_sarif_of_a_pathway_with_errors_has_error_results(capsys):
    code, out, _ = run(capsys, "check", str(DATA / "mutants" / "overlap-or.yaml"), "--format", "sarif")
    levels = [r["level"] for r in json.loads(out)["runs"][0]["results"]]
    assert code == 1 and "error" in levels


def test_github_format_is_one_workflow_command_per_finding(capsys):
    mutant = DATA / "mutants" / "overlap-or.yaml"
    code, out, _ = run(capsys, "check", "--graph", str(mutant), "--format", "github")
    _, data, _ = run(capsys, "check", str(mutant), "--json")
    findings = json.loads(data)["findings"]
    lines = out.splitlines()
    assert code == 1 and len(lines) == len(findings)
    overlap = next(line for line, f in zip(lines, findings) if f["code"] == "VCF102")
    f = next(f for f in findings if f["code"] == "VCF102")
    assert overlap.startswith(f"::error file={f['file']},line={f['line']},col={f['col']},title=VCF102 overlap::[q_pain] ")


def test_github_format_escapes_what_would_end_a_command():
    loc = Location("odd, name:1.yaml", 3, 4)
    report = CheckReport("x", [Finding("VCF005", "info", "f", loc, "50% of it\nnext line: here")], [], [], [], [])
    assert report_github(report) == (
        "::notice file=odd%2C name%3A1.yaml,line=3,col=4,title=VCF005 unused-fact::[f] 50%25 of it%0Anext line: here\n")


def test_check_format_and_json_conflict_is_a_usage_error(capsys):
    code, _, err = run(capsys, "check", "--json", "--format", "sarif")
    assert code == 2 and err == "vcfgraph: error: check: --json and --format sarif ask for two formats; give one\n"


# ------------------------------------------------------------------ JUnit


def test_junit_report_parses_with_junitparser(capsys, tmp_path):
    bad = tmp_path / "bad-value.yaml"
    bad.write_text("facts: {age: 400}\n", encoding="utf-8")
    wrong = tmp_path / "wrong-expectation.yaml"
    wrong.write_text("id: wrong\nfacts: {high_energy_trauma: true}\nexpected: {outcome: need_info}\n", encoding="utf-8")
    files = sorted(CASES.glob("*.yaml"))
    report = tmp_path / "reports" / "junit.xml"
    code, _, _ = run(capsys, "trace", *map(str, files), str(wrong), str(bad), "--junit", str(report))
    assert code == 2
    xml = JUnitXml.fromfile(str(report))
    (suite,) = list(xml)
    cases = {c.name: c for c in suite}
    assert (suite.tests, suite.failures, suite.errors) == (len(files) + 2, 1, 1)
    assert len(cases) == len(files) + 2
    for path in files:
        case_id = next(line.split(":", 1)[1].strip() for line in path.read_text().splitlines() if line.startswith("id:"))
        assert cases[case_id].is_passed, case_id
        assert cases[case_id].classname == f"cases.{path.stem}"
    (failure,) = cases["wrong"].result
    assert isinstance(failure, Failure)
    assert failure.message == "the route (handoff at H_spine_trauma) misses the expected outcome"
    (error,) = cases["bad-value"].result
    assert isinstance(error, Error) and "fact 'age' cannot be 400" in error.text


def test_junit_report_is_byte_identical_across_runs(capsys, tmp_path):
    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    files = [str(p) for p in sorted(CASES.glob("*.yaml"))[:5]]
    for out in (first, second):
        assert run(capsys, "trace", *files, "--junit", str(out))[0] == 0
    assert first.read_bytes() == second.read_bytes()


# ------------------------------------------------------------------ LCOV and Cobertura


def _cover(capsys, tmp_path: Path, *extra: str) -> tuple[Path, Path]:
    lcov, cobertura = tmp_path / "cov" / "suite.lcov", tmp_path / "cov" / "suite.xml"
    code, _, err = run(capsys, "coverage", str(CASES), "--lcov", str(lcov), "--cobertura", str(cobertura), *extra)
    assert code == 0, err
    return lcov, cobertura


@pytest.mark.slow
def test_lcov_names_the_pathway_by_its_absolute_path(capsys, tmp_path):
    lcov, _ = _cover(capsys, tmp_path)
    sf = [line for line in lcov.read_text().splitlines() if line.startswith("SF:")]
    assert sf == [f"SF:{(ROOT / 'graphs' / 'vcf-management.yaml').as_posix()}"]


@pytest.mark.subprocess
@pytest.mark.skipif(shutil.which("genhtml") is None, reason="genhtml (Debian package lcov) is not installed")
def test_genhtml_reads_the_lcov_from_another_folder(capsys, tmp_path):
    lcov, _ = _cover(capsys, tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run(["genhtml", "--branch-coverage", str(lcov), "-o", "html"], cwd=elsewhere,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    page = elsewhere / "html" / "graphs" / "vcf-management.yaml.gcov.html"
    assert page.is_file()
    assert "q_high_energy_trauma" in page.read_text(encoding="utf-8")


@pytest.mark.slow
def test_path_base_makes_both_reports_relative(capsys, tmp_path):
    lcov, cobertura = _cover(capsys, tmp_path, "--path-base", str(ROOT))
    assert "SF:graphs/vcf-management.yaml" in lcov.read_text().splitlines()
    root = ET.parse(cobertura).getroot()
    assert [s.text for s in root.iter("source")] == [ROOT.as_posix()]
    assert [c.get("filename") for c in root.iter("class")] == ["graphs/vcf-management.yaml"]


@pytest.mark.slow
def test_path_base_must_be_a_folder(capsys, tmp_path):
    code, _, err = run(capsys, "coverage", str(CASES), "--lcov", str(tmp_path / "x"), "--path-base", str(tmp_path / "no"))
    assert code == 2 and err == f"vcfgraph: error: --path-base {tmp_path / 'no'}: no such folder\n"


@pytest.mark.slow
def test_cobertura_counts_agree_with_the_lcov(capsys, tmp_path):
    lcov, cobertura = _cover(capsys, tmp_path)
    records = dict(line.split(":", 1) for line in lcov.read_text().splitlines() if ":" in line and not line.startswith("BRDA"))
    da = {int(k): int(v) for k, v in (line[3:].split(",") for line in lcov.read_text().splitlines() if line.startswith("DA:"))}
    root = ET.parse(cobertura).getroot()
    assert root.get("lines-valid") == records["LF"] and root.get("lines-covered") == records["LH"]
    assert root.get("branches-valid") == records["BRF"] and root.get("branches-covered") == records["BRH"]
    assert root.get("timestamp") == "0"
    lines = {int(e.get("number")): e for e in root.iter("line")}
    for number, hits in da.items():
        assert int(lines[number].get("hits")) == hits
    branchy = [e for e in lines.values() if e.get("branch") == "true"]
    assert branchy and all(e.get("condition-coverage").endswith(")") for e in branchy)
    assert [c.get("filename") for c in root.iter("class")] == [(ROOT / "graphs" / "vcf-management.yaml").as_posix()]


# ------------------------------------------------------------------ shipped JSON schemas


def test_every_shipped_schema_is_a_valid_schema_and_printed_by_the_schema_command(capsys):
    for name in OUTPUTS:
        jsonschema.Draft202012Validator.check_schema(schema(name))
        code, out, _ = run(capsys, "schema", "--output", name)
        assert (code, out) == (0, schema_text(name))
        assert schema(name)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", sorted(CASES.glob("*.yaml")), ids=lambda p: p.stem)
@pytest.mark.slow
def test_trace_json_of_every_bundled_case_follows_its_schema(capsys, path):
    code, out, _ = run(capsys, "trace", str(path), "--json")
    assert code == 0
    for line in out.splitlines():
        data = json.loads(line)
        assert data["schema_version"] == SCHEMA_VERSION
        valid("trace", data)


def test_trace_json_of_a_route_error_and_an_input_error_follow_the_schema(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("facts: {symptomatic: maybe}\n", encoding="utf-8")
    code, out, _ = run(capsys, "trace", "--graph", str(DATA / "mutants" / "overlap-or.yaml"), "--json",
                       "--fact", "pain=true", "--fact", "block=bleeding")
    assert code == 1 and "error" in json.loads(out)
    valid("trace", json.loads(out))
    code, out, _ = run(capsys, "trace", str(bad), "--json")
    assert code == 2
    valid("trace", json.loads(out))
    valid("error", json.loads(out))


@pytest.mark.parametrize("graph", [None, *MUTANTS], ids=lambda p: p.stem if p else "bundled")
@pytest.mark.slow
def test_check_json_follows_its_schema(capsys, graph):
    _, out, _ = run(capsys, "check", *([str(graph)] if graph else []), "--json")
    valid("check", json.loads(out))


@pytest.mark.slow
def test_coverage_json_follows_its_schema(capsys):
    _, out, _ = run(capsys, "coverage", str(CASES), "--json")
    valid("coverage", json.loads(out))
    _, out, _ = run(capsys, "coverage", str(DATA / "analysis" / "tiny-cases"), "--graph", str(TINY), "--json")
    valid("coverage", json.loads(out))


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda p: p.stem)
def test_diff_json_follows_its_schema(capsys, mutant):
    _, out, _ = run(capsys, "diff", str(TINY), str(mutant), "--json")
    valid("diff", json.loads(out))


@pytest.mark.parametrize("query", ["vertebroplasty", "malignancy", "mri", "zebra", "V5"])
def test_lookup_json_follows_its_schema(capsys, query):
    _, out, _ = run(capsys, "lookup", query, "--json")
    valid("lookup", json.loads(out))


def test_batch_summary_json_follows_its_schema(capsys, tmp_path):
    summary = tmp_path / "summary.json"
    code = main(["batch", str(DATA / "batch" / "cases.csv"), "-o", str(tmp_path / "r.csv"), "--audit", "action_taken",
                 "--summary-json", str(summary), "--quiet"])
    capsys.readouterr()
    assert code == 0
    valid("batch-summary", json.loads(summary.read_text(encoding="utf-8")))


@pytest.mark.parametrize("argv", [
    ["check", "missing.yaml", "--json"],
    ["check", str(DATA / "invalid" / "many-problems.yaml"), "--format", "json"],
    ["coverage", "missing-folder", "--json"],
    ["diff", "missing.yaml", str(TINY), "--json"],
    ["lookup", "mri", "--graph", "missing.yaml", "--json"],
    ["trace", "--fact", "age=400", "--json"],
], ids=["check-missing", "check-invalid", "coverage-missing", "diff-missing", "lookup-missing", "trace-bad-fact"])
def test_input_errors_under_json_are_json_error_objects_on_stdout(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2
    data = json.loads(out)
    valid("error", data)
    assert data["error"]["exit_code"] == 2
    assert err == f"vcfgraph: error: {data['error']['message']}\n"


def test_located_problems_are_listed_in_the_error_object(capsys):
    code, out, _ = run(capsys, "check", str(DATA / "invalid" / "many-problems.yaml"), "--json")
    problems = json.loads(out)["error"]["problems"]
    assert code == 2 and len(problems) > 1
    assert all(p["file"].endswith("many-problems.yaml") and p["line"] > 0 for p in problems)


@pytest.mark.subprocess
def test_schema_command_as_a_process_prints_valid_json():
    done = subprocess.run([sys.executable, "-m", "vcfgraph", "schema", "--output", "trace"], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 0 and json.loads(done.stdout)["title"] == "vcfgraph trace --json"


# ------------------------------------------------------------------ docs/ci.md and pre-commit hooks


def _yaml(text: str) -> object:
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(text)


def _workflow_commands() -> list[str]:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    steps = _yaml(block)["jobs"]["vcfgraph"]["steps"]
    commands = [s["run"] for s in steps if "run" in s]
    return [c for c in commands if c.split()[0] in ("vcfgraph", "genhtml")]


@pytest.mark.subprocess
def test_the_ci_example_runs_and_writes_reports_the_readers_accept(tmp_path):
    commands = _workflow_commands()
    assert [c.split()[:2] for c in commands] == [["vcfgraph", "check"], ["vcfgraph", "check"], ["vcfgraph", "trace"],
                                                 ["vcfgraph", "coverage"], ["genhtml", "--branch-coverage"]]
    if shutil.which("genhtml") is None:
        pytest.skip("genhtml (Debian package lcov) is not installed")
    shutil.copytree(ROOT / "graphs", tmp_path / "graphs")
    shutil.copytree(ROOT / "cases", tmp_path / "cases")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    for command in commands:
        done = subprocess.run(["bash", "-eo", "pipefail", "-c", command], cwd=tmp_path, env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, f"{command}\n{done.stderr}"
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(json.loads((tmp_path / "vcfgraph.sarif").read_text()))
    (suite,) = list(JUnitXml.fromfile(str(tmp_path / "reports" / "junit.xml")))
    assert suite.tests == len(list((ROOT / "cases").glob("*.yaml"))) and suite.failures == suite.errors == 0
    assert "SF:graphs/vcf-management.yaml" in (tmp_path / "reports" / "pathway.lcov").read_text().splitlines()
    assert (tmp_path / "reports" / "coverage-html" / "graphs" / "vcf-management.yaml.gcov.html").is_file()


@pytest.mark.subprocess
def test_pre_commit_hooks_run_in_the_repository():
    hooks = _yaml((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["vcfgraph-check", "vcfgraph-coverage"]
    for hook in hooks:
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        entry = hook["entry"].split()
        assert entry[0] == "vcfgraph"
        done = subprocess.run([sys.executable, "-m", "vcfgraph", *entry[1:], *hook.get("args", [])], cwd=ROOT,
                              capture_output=True, text=True)
        assert done.returncode == 0, f"{hook['id']}: {done.stderr}"


def test_a_bad_option_under_json_is_a_json_error_object_too(capsys):
    code, out, err = run(capsys, "trace", "--json", "--bogus")
    assert code == 2
    data = json.loads(out)
    valid("error", data)
    assert data["error"] == {"kind": "UsageError", "message": "unrecognized arguments: --bogus", "exit_code": 2,
                             "problems": []}
    assert err.endswith("vcfgraph: error: unrecognized arguments: --bogus\n")


def test_junit_with_terminal_controls_in_the_case_is_well_formed(capsys, tmp_path):
    """The loader refuses controls in case files; the JUnit writer still never writes bytes XML
    cannot hold (an id from elsewhere, an error message quoting the file)."""
    from vcfgraph.analysis.junit import CaseResult, junit_xml

    hostile = DATA / "hostile" / "files"
    report = tmp_path / "junit.xml"
    code, _, _ = run(capsys, "trace", "-g", str(DATA / "tiny.yaml"), str(hostile / "escape-case.yaml"),
                     "--junit", str(report))
    assert code == 2
    (suite,) = list(JUnitXml.fromfile(str(report))) if report.exists() else [None]
    if suite is not None:
        assert "\x1b" not in report.read_text()
    report.write_text(junit_xml([CaseResult("c.yaml", "case\x1b]0;owned\x07", "error", "bad \x0c")]), encoding="utf-8")
    (suite,) = list(JUnitXml.fromfile(str(report)))
    (case,) = list(suite)
    assert case.name == "case\\x1b]0;owned\\x07"


# ------------------------------------------------------------------ goldens


GOLDEN = Path(__file__).resolve().parent / "golden" / "reports"


def _golden(name: str, text: str, update: bool) -> None:
    path = GOLDEN / name
    if update:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; refresh with pytest --update-goldens"


def test_sarif_and_github_of_a_mutant_match_goldens(update_goldens):
    from vcfgraph.analysis.check_report import report_sarif
    from vcfgraph.analysis.checker import verify
    from vcfgraph.io.load import load_pathway

    report = verify(load_pathway(DATA / "mutants" / "overlap-or.yaml"), "tests/data/mutants/overlap-or.yaml")
    _golden("overlap-or.sarif", json.dumps(report_sarif(report, "0.1.0"), indent=2) + "\n", update_goldens)
    _golden("overlap-or.github.txt", report_github(report), update_goldens)


def test_cobertura_of_the_tiny_suite_matches_golden(update_goldens):
    from vcfgraph.analysis.coverage import cobertura_xml, coverage
    from vcfgraph.io.load import load_cases, load_pathway

    tiny = load_pathway(TINY)
    cases = [c for p in sorted((DATA / "analysis" / "tiny-cases").glob("*.yaml")) for c in load_cases(tiny, p)]
    _golden("tiny.cobertura.xml", cobertura_xml(coverage(tiny, cases), "tests/data/tiny.yaml", "/repo", "vcfgraph 0.1.0"),
            update_goldens)


def test_junit_of_mixed_results_matches_golden(update_goldens):
    from vcfgraph.analysis.junit import CaseResult, junit_xml

    results = [CaseResult("cases/a.yaml", "a", "passed", outcome="variant at V1"),
               CaseResult("cases/b.yaml", "b", "failed", "the route (need_info) misses the expected outcome",
                          ("outcome: expected variant, got need_info", "missing: expected [], got [age]")),
               CaseResult("cases/c & d.yaml", "c<d>", "error", "the case file is invalid", ("c.yaml:1:8: bad \x1b value",))]
    _golden("mixed.junit.xml", junit_xml(results), update_goldens)
