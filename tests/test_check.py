"""``vcfgraph check``: seeded defects are found with the right code and place, every example case
shows its defect when traced, the bundled pathway is clean, and the output is stable."""

from __future__ import annotations

import json
from itertools import product
from pathlib import Path

import pytest

from vcfgraph.analysis.check_report import report_text, report_to_dict, witness_files
from vcfgraph.analysis.findings import CODES
from vcfgraph.analysis.regions import domains_of
from vcfgraph.analysis.checker import verify
from vcfgraph.analysis.witness import as_case
from vcfgraph.cli import main
from vcfgraph.engine import check_expected, trace
from vcfgraph.errors import RouteError
from vcfgraph.io.load import load_cases, load_pathway
from vcfgraph.model import Case, Pathway, Property
from vcfgraph.route import Route

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
GOLDEN = ROOT / "tests" / "golden" / "analysis" / "check"
MUTANTS = sorted((DATA / "mutants").glob("*.yaml"))


def _label(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _expected(path: Path) -> set[str]:
    return {line.split("# expect:", 1)[1].strip() for line in path.read_text().splitlines() if line.startswith("# expect:")}


def _seen(report) -> set[str]:
    """Error and warning findings, and unused facts other than tiny's own 'stage'."""
    return {f"{f.code} {f.subject} {f.loc.line}:{f.loc.col}" for f in report.findings
            if f.severity != "info" or (f.code == "VCF005" and f.subject != "stage")}


def test_there_are_at_least_fifteen_mutants_covering_the_codes() -> None:
    assert len(MUTANTS) >= 15
    codes = {e.split()[0] for m in MUTANTS for e in _expected(m)}
    assert codes >= {"VCF001", "VCF002", "VCF003", "VCF004", "VCF005", "VCF006", "VCF007",
                     "VCF101", "VCF102", "VCF103", "VCF104", "VCF105", "VCF201", "VCF202"}


@pytest.mark.parametrize("path", MUTANTS, ids=lambda p: p.stem)
def test_mutant_defect_is_reported_with_code_and_location(path: Path) -> None:
    expected = _expected(path)
    assert expected, f"{path.name} declares no expected finding"
    report = verify(load_pathway(path), _label(path))
    assert _seen(report) == expected
    errors = any(CODES[e.split()[0]][1] == "error" for e in expected)
    assert report.exit_code == (1 if errors else 0)


@pytest.mark.slow
def test_tiny_and_bundled_have_no_error_or_warning() -> None:
    for path in (DATA / "tiny.yaml", None):
        report = verify(load_pathway(path))
        assert [str(f) for f in report.findings if f.severity != "info"] == []
        assert report.exit_code == 0


@pytest.mark.slow
def test_bundled_properties_are_all_proven(bundled) -> None:
    report = verify(bundled)
    assert len(report.properties) == len(bundled.properties) >= 12
    assert {p.property.id: p.status for p in report.properties} == {p.id: "proven" for p in bundled.properties}


# --------------------------------------------------------------------------- examples really show the defect


def _property_broken(pathway: Pathway, prop: Property, case: Case) -> bool:
    """Does the engine's route for ``case`` violate ``prop``? (A RouteError counts as not reaching.)"""
    try:
        route = trace(pathway, case)
    except RouteError:
        return prop.expect in ("reaches", "recommends")
    ended = route.outcome in ("variant", "handoff")
    if prop.expect == "reaches":
        return not (ended and route.terminal in prop.targets)
    if prop.expect == "never_reaches":
        return ended and route.terminal in prop.targets
    offered = set(route.actions("UA")) | set(route.actions("MBA"))
    if prop.expect == "recommends":
        return not set(prop.targets) <= offered
    return bool(set(prop.targets) & offered)


def _shows(pathway: Pathway, finding) -> None:
    case = as_case(pathway, finding.example)
    if finding.code in ("VCF101", "VCF102", "VCF003"):
        with pytest.raises(RouteError) as info:
            trace(pathway, case)
        words = {"VCF101": "no answer", "VCF102": "both hold", "VCF003": "came back"}[finding.code]
        assert words in str(info.value)
        assert info.value.node == finding.subject or finding.code == "VCF003"
        return
    route = trace(pathway, case)
    assert route.edges() == finding.path or finding.code == "VCF201"
    if finding.code == "VCF301":
        assert route.outcome == "need_info" and route.steps[-1].node == finding.subject
        return
    assert finding.code == "VCF201", finding.code
    prop = next(p for p in pathway.properties if p.id == finding.subject)
    assert _property_broken(pathway, prop, case)


@pytest.mark.parametrize("path", [*MUTANTS, None], ids=lambda p: p.stem if p else "bundled")
@pytest.mark.slow
def test_every_example_case_shows_its_finding_when_traced(path: Path | None) -> None:
    pathway = load_pathway(path)
    report = verify(pathway)
    shown = 0
    for f in report.findings:
        if f.example is not None:
            _shows(pathway, f)
            shown += 1
    assert shown == sum(1 for f in report.findings if f.code in ("VCF101", "VCF102", "VCF201", "VCF301")
                        or (f.code == "VCF003" and f.example is not None))


@pytest.mark.parametrize("path", [*MUTANTS, None], ids=lambda p: p.stem if p else "bundled")
@pytest.mark.slow
def test_every_path_witness_follows_its_path(path: Path | None) -> None:
    pathway = load_pathway(path)
    for p in verify(pathway).paths:
        case = as_case(pathway, p.witness)
        if p.outcome in ("gap", "overlap", "cycle"):
            with pytest.raises(RouteError):
                trace(pathway, case)
            continue
        route = trace(pathway, case)
        assert (route.outcome, route.edges()) == (p.outcome, p.edges)
        assert (route.terminal or route.steps[-1].node) == p.node


def _all_cases(pathway: Pathway):
    doms = domains_of(pathway.facts)
    for combo in product(*doms.values()):
        yield Case("probe", dict(zip(doms, combo)))


def _routes(pathway: Pathway) -> list[tuple[Case, Route | None]]:
    out = []
    for case in _all_cases(pathway):
        try:
            out.append((case, trace(pathway, case)))
        except RouteError:
            out.append((case, None))
    return out


@pytest.mark.parametrize("path", MUTANTS, ids=lambda p: p.stem)
def test_absence_claims_hold_for_every_case(path: Path) -> None:
    """Dead answers, infeasible paths, unreached nodes, vacuous properties: no case of the whole
    space does it."""
    pathway = load_pathway(path)
    report = verify(pathway)
    pairs = _routes(pathway)
    routes = [r for _, r in pairs if r is not None]
    for f in report.findings:
        if f.code == "VCF202":
            prop = next(p for p in pathway.properties if p.id == f.subject)
            assert not any(cm_given(prop, case) for case, _ in pairs)
        if f.code == "VCF103":
            assert not any(f.subject in r.edges() for r in routes)
        elif f.code == "VCF104":
            prefix = f.path
            assert not any(r.edges()[: len(prefix)] == prefix for r in routes)
            assert any(f.subject in r.edges() for r in routes)
        elif f.code in ("VCF001", "VCF105"):
            assert not any(f.subject in r.nodes() for r in routes)


@pytest.mark.parametrize("path", [m for m in MUTANTS if m.stem.startswith("violated-")], ids=lambda p: p.stem)
def test_counterexamples_are_minimal(path: Path) -> None:
    pathway = load_pathway(path)
    report = verify(pathway)
    for result in report.properties:
        violating = [c for c in _all_cases(pathway) if cm_given(result.property, c) and
                     _property_broken(pathway, result.property, c)]
        if result.status == "proven":
            assert violating == []
            continue
        fewest = min(sum(v is not None for v in c.facts.values()) for c in violating)
        assert len(result.counterexample) == fewest


def cm_given(prop: Property, case: Case) -> bool:
    from vcfgraph.conditions import evaluate

    return evaluate(prop.given, case.facts) is True


def test_violated_reaches_counterexample_is_the_unknown_pain_case() -> None:
    report = verify(load_pathway(DATA / "mutants" / "violated-reaches.yaml"))
    result = next(p for p in report.properties if p.property.id == "several_levels_referred")
    assert (result.status, result.counterexample, result.outcome) == ("violated", {"levels": 2}, "need_info at q_pain")


# --------------------------------------------------------------------------- output


@pytest.mark.parametrize("path", [DATA / "tiny.yaml", *MUTANTS, None], ids=lambda p: p.stem if p else "bundled")
@pytest.mark.slow
def test_check_text_matches_golden(path: Path | None, update_goldens: bool) -> None:
    label = _label(path) if path else "graphs/vcf-management.yaml"
    text = report_text(verify(load_pathway(path), label))
    golden = GOLDEN / f"{path.stem if path else 'bundled'}.txt"
    if update_goldens:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert text == golden.read_text()


def test_check_json_matches_golden(update_goldens: bool) -> None:
    path = DATA / "mutants" / "gap-context.yaml"
    data = report_to_dict(verify(load_pathway(path), _label(path)))
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    golden = GOLDEN / "gap-context.json"
    if update_goldens:
        golden.write_text(text)
    assert text == golden.read_text()


@pytest.mark.slow
def test_cli_exit_codes_and_json(capsys) -> None:
    assert main(["check"]) == 0
    capsys.readouterr()
    assert main(["check", str(DATA / "mutants" / "overlap-or.yaml"), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["errors"] == 1
    assert [f["code"] for f in data["findings"] if f["severity"] == "error"] == ["VCF102"]
    assert main(["check", str(DATA / "mutants" / "infeasible-path.yaml")]) == 0
    capsys.readouterr()


def test_cli_unusable_input_exits_2_without_traceback(tmp_path: Path, capsys) -> None:
    assert main(["check", str(tmp_path / "missing.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vcfgraph: error: ") and "no such file" in err and "Traceback" not in err
    broken = sorted((DATA / "invalid").glob("*.yaml"))[0]
    assert main(["check", str(broken)]) == 2
    err = capsys.readouterr().err
    assert f"{broken}:" in err and "Traceback" not in err


@pytest.mark.slow
def test_witness_dir_files_run_and_match_their_expectations(tmp_path: Path, capsys, bundled) -> None:
    assert main(["check", "--witness-dir", str(tmp_path)]) == 0
    capsys.readouterr()
    files = sorted(tmp_path.glob("*.yaml"))
    report = verify(bundled)
    assert [f.name for f in files] == sorted(witness_files(report, bundled))
    assert len(files) == sum(1 for p in report.paths if p.outcome in ("variant", "handoff", "need_info"))
    assert len(files) == len(report.paths) > len([n for n in bundled.nodes if n.terminal])
    for file in files:
        (case,) = load_cases(bundled, file)
        route = trace(bundled, case)
        assert case.expected is not None and check_expected(route, case) == []
        assert route.terminal == case.expected.terminal
    assert main(["trace", *map(str, files)]) == 0
    capsys.readouterr()


def test_every_code_is_documented() -> None:
    text = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    for code, (name, severity, _) in CODES.items():
        assert f"| {code} | {name} | {severity} |" in text, code


def test_commands_have_help_text(capsys) -> None:
    for command in ("check", "coverage", "diff"):
        assert main([command, "--help"]) == 0
        out = capsys.readouterr().out
        assert f"usage: vcfgraph {command}" in out and "exit codes:" in out


def test_a_generated_pathway_with_own_answer_ids_agrees_with_the_engine() -> None:
    """A 300-node tree over 30 facts (benchmarks/gen_pathway.py): random answer ids, answers
    that contradict earlier ones; every path witness follows its path in the engine and no
    dead answer is taken by any witness."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_pathway", ROOT / "benchmarks" / "gen_pathway.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    pathway = gen.generate(300)
    report = verify(pathway)
    dead = {f.subject for f in report.findings if f.code == "VCF103"}
    assert dead and {f.code for f in report.findings if f.severity == "error"} <= {"VCF103", "VCF105"}
    for p in report.paths:
        route = trace(pathway, as_case(pathway, p.witness))
        assert (route.outcome, route.edges()) == (p.outcome, p.edges)
        assert not dead & set(route.edges())
