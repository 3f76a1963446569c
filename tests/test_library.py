"""The library as a notebook user calls it: docs/library.md runs as a doctest, and each
convenience (``Pathway.trace``, ``Route.to_dict``, ``_repr_svg_``...) does what it promises."""

from __future__ import annotations

import doctest
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from markupsafe import escape

import vcfgraph
from vcfgraph.io.imaging import load_imaging
from vcfgraph import CaseError, RouteError
from vcfgraph.cli import main
from vcfgraph.engine import check_expected
from vcfgraph.model import Case
from vcfgraph.render.api import DOT_MISSING

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SEED = ROOT / "cases" / "seed-incidental-t12.yaml"


@pytest.fixture(scope="module")
def pathway() -> vcfgraph.Pathway:
    return vcfgraph.load_pathway()


@pytest.mark.subprocess
def test_library_walkthrough_runs_as_a_doctest():
    result = doctest.testfile(str(DOCS / "library.md"), module_relative=False, globs={"DOCS": DOCS},
                              optionflags=doctest.ELLIPSIS, report=True)
    assert result.attempted > 20
    assert result.failed == 0


def test_walkthrough_picture_is_the_route_svg_and_is_linked():
    text = (DOCS / "library.md").read_text(encoding="utf-8")
    assert "](library-route.svg)" in text
    assert (DOCS / "library-route.svg").read_text(encoding="utf-8").count('class="node vg-kind-variant vg-end"') == 1


def test_load_pathway_without_argument_is_the_bundled_pathway(pathway):
    assert pathway.meta.id == "vcf-management"
    assert Path(pathway.path) == vcfgraph.io.bundled.pathway_file() == vcfgraph.DEFAULT_GRAPH


def test_trace_validates_a_hand_built_case(pathway):
    with pytest.raises(CaseError) as info:
        vcfgraph.trace(pathway, Case("old", {"age": 400}))
    assert (info.value.fact, info.value.value, info.value.case) == ("age", 400, "old")
    assert info.value.allowed == pathway.fact("age").allowed()
    with pytest.raises(CaseError, match="unknown fact 'agee'; did you mean 'age'"):
        vcfgraph.trace(pathway, Case("typo", {"agee": 70}))


def test_trace_without_validation_walks_the_case_as_given(pathway):
    route = vcfgraph.trace(pathway, Case("old", {"age": 400, "high_energy_trauma": False}), validate=False)
    assert route.outcome == "need_info"


def test_pathway_trace_gives_the_same_route_as_the_case_file(pathway):
    (case,) = vcfgraph.load_cases(pathway, SEED)
    known = {k: v for k, v in case.facts.items() if v is not None}
    assert pathway.trace(known, case_id=case.id) == vcfgraph.trace(pathway, case)


def test_pathway_trace_raises_route_errors_as_the_engine_does():
    mutant = vcfgraph.load_pathway(ROOT / "tests" / "data" / "mutants" / "overlap-or.yaml")
    with pytest.raises(RouteError):
        mutant.trace({"pain": True, "block": "bleeding"})


def test_check_facts_takes_the_pathway_first(pathway):
    assert vcfgraph.check_facts(pathway, {"age": 70})["age"] == 70


def test_route_to_dict_is_the_cli_json(pathway, capsys):
    assert main(["trace", str(SEED), "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    (case,) = vcfgraph.load_cases(pathway, SEED)
    route = vcfgraph.trace(pathway, case)
    assert route.to_dict(check_expected(route, case), load_imaging(pathway)) == cli
    assert "expected" not in route.to_dict()


def test_a_route_without_its_pathway_says_how_to_get_one(pathway):
    from dataclasses import replace

    route = replace(pathway.trace({"high_energy_trauma": True}), pathway=None)
    with pytest.raises(ValueError, match=r"make it with vcfgraph.trace\(pathway, case\)"):
        route.to_dict()


def test_to_networkx_has_every_node_answer_and_rating(pathway):
    g = pathway.to_networkx()
    assert set(g.nodes) == {n.id for n in pathway.nodes}
    answers = {k for _, _, k, d in g.edges(keys=True, data=True) if d["kind"] == "answer"}
    ratings = {k for _, _, k, d in g.edges(keys=True, data=True) if d["kind"] == "rating"}
    assert answers == {e.id for e in pathway.edges}
    assert ratings == {rid for rid, _, _ in pathway.rating_edges()}
    otherwise = [d["condition"] for _, _, d in g.edges(data=True) if d["kind"] == "answer" and d["condition"] == "otherwise"]
    assert len(otherwise) == sum(1 for e in pathway.edges if e.otherwise)


@pytest.mark.subprocess
def test_notebook_html_shows_the_outcome_and_the_picture(pathway):
    route = pathway.trace({"high_energy_trauma": True}, case_id="fall<from>height")
    html = route._repr_html_()
    assert "<strong>Case fall&lt;from&gt;height</strong>: handoff H_spine_trauma" in html
    assert html.count("<svg") == 1 and "<?xml" not in html
    page = pathway._repr_html_()
    assert f"<strong>{pathway.meta.title}</strong>: version 1.0.0" in page and page.count("<svg") == 1
    assert pathway._repr_svg_() == vcfgraph.render.pathway_svg(pathway)


@pytest.mark.subprocess
def test_without_dot_the_notebook_says_how_to_install_it(pathway, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on this PATH
    route = pathway.trace({"high_energy_trauma": True})
    assert route._repr_svg_() is None and pathway._repr_svg_() is None
    assert f'<p role="note">{escape(DOT_MISSING)}</p>' in route._repr_html_()
    with pytest.raises(vcfgraph.UsageError, match="apt-get install graphviz"):
        vcfgraph.render.pathway_svg(pathway)


@pytest.mark.subprocess
def test_pathway_svg_is_deterministic(pathway):
    route = pathway.trace({"high_energy_trauma": True})
    assert vcfgraph.render.pathway_svg(pathway, route) == vcfgraph.render.pathway_svg(pathway, route)


@pytest.mark.subprocess
@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_docs_builds_the_api_reference_without_warnings(tmp_path):
    out = tmp_path / "api"
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PYTHONWARNINGS": ""}
    done = subprocess.run(["make", "-s", "docs", f"DOCS_OUT={out}", f"BIN={bin_dir}", "STAMP="], cwd=ROOT,
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    pages = {p.relative_to(out).as_posix() for p in out.rglob("*.html")}
    assert {"vcfgraph.html", "vcfgraph/engine.html", "vcfgraph/render.html", "vcfgraph/route.html"} <= pages
    assert "pathway_svg" in (out / "vcfgraph" / "render.html").read_text(encoding="utf-8")


def test_load_cases_takes_the_pathway_first(pathway):
    assert [c.id for c in vcfgraph.load_cases(pathway, SEED)] == ["seed-incidental-t12"]
    with pytest.raises(TypeError, match=r"load_cases\(pathway, path\) needs a Pathway"):
        vcfgraph.load_cases(SEED, str(SEED))


@pytest.mark.subprocess
def test_a_dot_failure_is_a_usage_error_with_dots_words():
    from vcfgraph.render.api import layout

    with pytest.raises(vcfgraph.UsageError, match="^dot failed: .*syntax error"):
        layout("digraph { a -> }")
