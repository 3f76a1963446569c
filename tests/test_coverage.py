"""``vcfgraph coverage``: numbers from the engine's routes, witnesses that really cover, LCOV, and
--fail-under on the bundled case library."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from vcfgraph.analysis.coverage import coverage, coverage_text, coverage_to_dict, lcov_text
from vcfgraph.analysis.witness import as_case
from vcfgraph.cli import main
from vcfgraph.cli.coverage import case_files
from vcfgraph.engine import trace
from vcfgraph.io.load import load_cases, load_pathway

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
TINY_CASES = DATA / "analysis" / "tiny-cases"
PAINLESS = DATA / "analysis" / "painless.yaml"
GOLDEN = ROOT / "tests" / "golden" / "analysis" / "coverage"
CASES = ROOT / "cases"


def _golden(name: str, text: str, update: bool) -> None:
    path = GOLDEN / name
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert text == path.read_text()


def _load(pathway, *items):
    return [c for f in case_files([str(i) for i in items]) for c in load_cases(pathway, f)]


def test_tiny_suite_numbers_and_outputs(tiny, update_goldens: bool) -> None:
    cov = coverage(tiny, _load(tiny, TINY_CASES))
    data = coverage_to_dict(cov, "tests/data/tiny.yaml")
    assert (data["node_coverage"], data["edge_coverage"], data["rating_coverage"]) == (62.5, 50.0, 50.0)
    assert data["uncovered_nodes"] == ["V_quiet", "H_refer", "a_rest"]
    assert data["uncovered_edges"] == ["q_pain->V_quiet", "q_levels->H_refer"]
    assert data["edge_hits"] == {"q_pain->q_levels": 3, "q_pain->V_quiet": 0, "q_levels->H_refer": 0, "q_levels->V_sore": 2}
    _golden("tiny.json", json.dumps(data, indent=2) + "\n", update_goldens)
    _golden("tiny.txt", coverage_text(cov, "tests/data/tiny.yaml"), update_goldens)


def test_lcov_maps_hits_to_the_lines_nodes_and_answers_are_defined_on(tiny, update_goldens: bool) -> None:
    cov = coverage(tiny, _load(tiny, TINY_CASES, PAINLESS))
    text = lcov_text(cov, "tests/data/tiny.yaml")
    _golden("tiny.lcov", text, update_goldens)
    lines = (DATA / "tiny.yaml").read_text().splitlines()
    da = dict(tuple(map(int, line[3:].split(","))) for line in text.splitlines() if line.startswith("DA:"))
    assert "q_levels" in lines[28 - 1] and da[28] == 3
    assert "to: H_refer" in lines[32 - 1] and da[32] == 0
    assert "to: V_quiet" in lines[27 - 1] and da[27] == 1
    for node in tiny.nodes:
        assert da[node.loc.line] == cov.nodes[node.id]
    for edge in tiny.edges:
        assert da[edge.loc.line] == cov.edges[edge.id]


@pytest.mark.slow
def test_hits_are_the_routes_of_the_engine(bundled) -> None:
    cases = _load(bundled, CASES)
    cov = coverage(bundled, cases)
    routes = [trace(bundled, c) for c in cases]
    for edge in bundled.edges:
        assert cov.edges[edge.id] == sum(edge.id in r.edges() for r in routes)
    for node in bundled.nodes:
        assert cov.nodes[node.id] == sum(node.id in r.nodes() for r in routes)


@pytest.mark.slow
def test_offered_witnesses_cover_what_they_are_offered_for(bundled) -> None:
    cov = coverage(bundled, _load(bundled, CASES / "seed-incidental-t12.yaml"))
    assert cov.offers and all(o is not None for o in cov.offers.values())
    for item, offer in cov.offers.items():
        route = trace(bundled, as_case(bundled, offer.facts))
        states = tuple(f"{c.check}:{c.state}" for c in route.checks)
        assert item in route.nodes() + route.edges() + route.rating_edges() + states, item


@pytest.mark.slow
def test_bundled_case_library_covers_every_node_and_edge(bundled) -> None:
    cov = coverage(bundled, _load(bundled, CASES))
    assert (cov.uncovered("nodes"), cov.uncovered("edges"), cov.uncovered("ratings"), cov.uncovered("checks")) == ([], [], [], [])
    assert len(cov.checks) == 31  # every state some case can be in, of the checks (more since the second clinical review)
    assert cov.errors == [] and cov.mismatches == []


@pytest.mark.slow
def test_fail_under_fails_when_a_case_is_removed(tmp_path: Path, capsys) -> None:
    assert main(["coverage", str(CASES), "--fail-under", "100"]) == 0
    capsys.readouterr()
    bundled = load_pathway()
    files = case_files([str(CASES)])
    loaded = {f: load_cases(bundled, f) for f in files}
    needed = []
    for f in files:
        cov = coverage(bundled, [c for g in files if g != f for c in loaded[g]])
        if cov.uncovered("edges") or cov.uncovered("nodes"):
            needed.append(f)
    assert needed, "every case is redundant: removing one never lowers coverage"
    for removed in needed:
        folder = tmp_path / removed.stem
        shutil.copytree(CASES, folder)
        (folder / removed.relative_to(CASES)).unlink()
        assert main(["coverage", str(folder), "--fail-under", "100"]) == 1
        captured = capsys.readouterr()
        assert "is under --fail-under 100%" in captured.err
        assert "uncovered answer" in captured.out


def test_cli_json_lcov_and_exit_codes(tmp_path: Path, capsys) -> None:
    lcov = tmp_path / "out" / "tiny.lcov"
    code = main(["coverage", str(TINY_CASES), "-g", str(DATA / "tiny.yaml"), "--json", "--lcov", str(lcov)])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["edge_coverage"] == 50.0 and data["cases"] == 3
    assert lcov.read_text().startswith("TN:\nSF:")
    assert main(["coverage", str(TINY_CASES), "-g", str(DATA / "tiny.yaml"), "--fail-under", "60"]) == 1
    assert "edge coverage 50.00% is under --fail-under 60%" in capsys.readouterr().err
    assert main(["coverage", str(TINY_CASES), "-g", str(DATA / "tiny.yaml"), "--fail-under", "50"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize("argv, words", [
    (["coverage", "no-such-folder"], "no such file or folder"),
    (["coverage", str(TINY_CASES), "--fail-under", "120"], "percentage from 0 to 100"),
    (["coverage", str(DATA / "tiny.yaml")], "unknown key 'pathway' in a case"),
])
def test_cli_unusable_input_exits_2(argv, words, capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("vcfgraph: error: ") and words in err and "Traceback" not in err


def test_cases_the_engine_rejects_are_listed_and_fail(capsys) -> None:
    mutant = DATA / "mutants" / "overlap-or.yaml"
    case = TINY_CASES / "more.yaml"
    assert main(["coverage", str(case), "-g", str(mutant)]) == 1
    out = capsys.readouterr().out
    assert "case 'painful-bleeding': the engine rejected it: two answers of 'q_pain' both hold" in out


@pytest.mark.subprocess
def test_html_heatmap_shows_the_same_counts(tmp_path: Path, capsys, tiny) -> None:
    """Runs whenever graphviz ``dot`` is installed; skipped only when it is truly absent."""
    if shutil.which("dot") is None:
        pytest.skip("graphviz 'dot' is not installed")
    import html as html_lib
    import re

    out = tmp_path / "html"
    assert main(["coverage", str(TINY_CASES), "-g", str(DATA / "tiny.yaml"), "--html", str(out)]) == 0
    capsys.readouterr()
    page = (out / "index.html").read_text(encoding="utf-8")
    rows = {html_lib.unescape(i): int(v) for i, v in
            re.findall(r'<td><code>([^<]+)</code></td><td>[^<]*</td><td class="value">(\d+)</td>', page)}
    cov = coverage(tiny, _load(tiny, TINY_CASES))
    assert rows == {**cov.nodes, **cov.edges, **cov.ratings}
    assert "62.50% of nodes, 50.00% of answers" in page
    again = tmp_path / "again"
    assert main(["coverage", str(TINY_CASES), "-g", str(DATA / "tiny.yaml"), "--html", str(again)]) == 0
    capsys.readouterr()
    assert (again / "index.html").read_text(encoding="utf-8") == page


@pytest.mark.parametrize("graph, cases", [("ottawa-ankle.yaml", "ottawa-cases"), ("curb-65.yaml", "curb-65-cases")])
def test_quiet_prints_nothing_on_a_complete_suite(capsys, graph, cases) -> None:
    examples = ROOT / "graphs" / "examples"
    assert main(["coverage", "-q", str(examples / cases), "-g", str(examples / graph)]) == 0
    assert capsys.readouterr() == ("", "")


def test_quiet_prints_a_summary_line_and_the_located_gaps(capsys) -> None:
    assert main(["coverage", "--quiet", str(TINY_CASES), "-g", str(DATA / "tiny.yaml"), "--fail-under", "60"]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    name = lines[0].removeprefix("vcfgraph coverage: 3 case(s) on ").split(": nodes ")[0]
    assert (DATA / "tiny.yaml").as_posix().endswith(name)
    assert lines == [
        f"vcfgraph coverage: 3 case(s) on {name}: nodes 62.50%, answers 50.00%, ratings 50.00%, check states 66.67%",
        f"{name}:34:5: uncovered node V_quiet",
        f"{name}:56:5: uncovered node H_refer",
        f"{name}:61:5: uncovered node a_rest",
        f"{name}:27:9: uncovered answer q_pain->V_quiet",
        f"{name}:32:9: uncovered answer q_levels->H_refer",
        f"{name}:43:9: uncovered rating V_quiet->a_rest",
        f"{name}:44:9: uncovered rating V_quiet->a_cement",
        f"{name}:66:5: uncovered check state ci_cement:satisfied"]
    assert err == ("vcfgraph: edge coverage 50.00% is under --fail-under 60%\n"
                   "vcfgraph: rating coverage 50.00% is under --fail-under 60%\n")


def test_quiet_and_json_do_not_go_together(capsys) -> None:
    assert main(["coverage", "-q", "--json", str(TINY_CASES), "-g", str(DATA / "tiny.yaml")]) == 2
    assert capsys.readouterr().err == "vcfgraph: error: --quiet shortens the text report; leave it out with --json\n"


def test_a_case_that_does_not_match_its_expectations_fails_the_run(tmp_path, capsys) -> None:
    wrong = tmp_path / "wrong.yaml"
    text = (ROOT / "cases" / "vcf-001.yaml").read_text(encoding="utf-8")
    wrong.write_text(text.replace("terminal: V1_img_new_symptomatic_vcf_no_malignancy",
                                  "terminal: V2_img_new_symptomatic_vcf_malignancy"), encoding="utf-8")
    assert main(["coverage", "-q", str(wrong)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == ("case 'vcf-001': expected to reach V2_img_new_symptomatic_vcf_malignancy, "
                                    "reached V1_img_new_symptomatic_vcf_no_malignancy")
    assert main(["coverage", "-q", str(ROOT / "cases" / "vcf-001.yaml")]) == 0  # the file as written matches
    capsys.readouterr()
