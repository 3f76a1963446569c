"""The author tools on variants with rules that fire together (issue 29): the symbolic walk
splits a variant's cases by which rules fire (need_info where one is undecided, an error where
two rate the same action), and check, properties, witnesses, coverage, diff, what-if and the
`new` scaffold follow. Exact messages, and the walk held to the engine over a whole case space."""

from __future__ import annotations

import json
from itertools import product
from pathlib import Path

import pytest

from vcfgraph import whatif
from vcfgraph.analysis.check_report import report_text, witness_files
from vcfgraph.analysis.checker import verify
from vcfgraph.analysis.coverage import coverage, coverage_text, coverage_to_dict
from vcfgraph.analysis.diff import diff, diff_text
from vcfgraph.analysis.walk import explore, leaf_ratings
from vcfgraph.cli import main
from vcfgraph.engine import check_expected, trace
from vcfgraph.errors import RouteError
from vcfgraph.io.load import load_cases, load_pathway
from vcfgraph.model import Case

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "data" / "rules" / "two-rules.yaml"
MODIFIERS = ROOT / "tests" / "data" / "modifiers" / "observe-or-ct.yaml"
OTTAWA = ROOT / "graphs" / "examples" / "ottawa-ankle.yaml"
OTTAWA_CASES = ROOT / "graphs" / "examples" / "ottawa-cases"

PROPERTIES = """
properties:
  - id: hip_pain_gets_hip_xray
    text: Hip pain in scope, knee examined, gets a hip radiograph.
    given: {and: [{fact: in_scope, eq: true}, {fact: hip_pain, eq: true}, {not: {fact: knee_pain, eq: null}}]}
    expect: {recommends: [a_hip_xray]}
  - id: no_hip_pain_no_hip_xray
    text: Without hip pain no hip radiograph.
    given: {and: [{fact: in_scope, eq: true}, {fact: hip_pain, eq: false}]}
    expect: {never_recommends: [a_hip_xray]}
  - id: asks_knee_first
    text: The knee is asked about first.
    given: {fact: in_scope, eq: true}
    expect: {asks_first: [knee_pain]}
"""


def _variant(tmp_path: Path, name: str, *changes: tuple[str, str], extra: str = "") -> Path:
    """A copy of the two-rules fixture with each (old, new) text replaced, and ``extra`` appended."""
    text = FIXTURE.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text + extra, encoding="utf-8")
    return path


NO_KNEE = "        label: Knee rule negative\n        when: {fact: knee_pain, eq: false}"


def _findings(path: Path) -> list[str]:
    return [str(f) for f in verify(load_pathway(path), file=path.name).findings]


def test_the_fixture_checks_clean_with_the_stop_at_its_rules() -> None:
    report = verify(load_pathway(FIXTURE), file="two-rules.yaml")
    assert [str(f) for f in report.findings] == [
        "two-rules.yaml:23:5: info VCF301 need-info-stop [q_in_scope]: the walk stops at 'q_in_scope' with need_info "
        "when in_scope is not known (1 path(s))",
        "two-rules.yaml:29:5: info VCF301 need-info-stop [V_assess]: the walk stops at 'V_assess' with need_info (its "
        "rules cannot be settled) when age_years or hip_pain or knee_pain are not known (1 path(s))",
    ]
    assert [(p.outcome, p.node, p.rules) for p in report.paths] == [
        ("need_info", "q_in_scope", ()), ("need_info", "V_assess", ()),
        ("variant", "V_assess", ("knee_rule",)), ("variant", "V_assess", ("no_knee_rule",)),
        ("variant", "V_assess", ("knee_rule", "hip_rule")), ("variant", "V_assess", ("hip_rule", "no_knee_rule")),
        ("handoff", "H_out", ()),
    ]
    text = report_text(report)
    assert "  V_assess (variant, 1 path, 4 sets of rules that fire): in_scope, knee_pain\n" in text
    assert "Paths: 7 (4 to a variant, 1 to a hand-off, 2 stop with need_info, 0 end in an error)" in text


def test_the_walk_agrees_with_the_engine_on_every_case_of_the_fixture() -> None:
    """Every case class lies in exactly one leaf, which predicts the engine's outcome, stopping
    node, the rules that fire and the ratings they give."""
    pathway = load_pathway(FIXTURE)
    ex = explore(pathway)
    names = list(ex.domains)
    checked = 0
    for values in product(*(ex.domains[n] for n in names)):
        point = dict(zip(names, values))
        inside = [leaf for leaf in ex.leaves for box in leaf.boxes if all(point[n] in v for n, v in box.items())]
        assert len(inside) == 1, point
        leaf = inside[0]
        route = trace(pathway, Case("p", point))
        assert route.outcome == leaf.outcome, point
        if leaf.outcome == "variant":
            assert route.fired() == leaf.rules
            assert sorted(r.action for r in route.ratings) == sorted(r.action for _, r in leaf_ratings(pathway, leaf))
        else:
            assert (route.terminal or route.steps[-1].node) == leaf.node
        checked += 1
    assert checked == 324  # in_scope, knee_pain, hip_pain, frail: 3 each; age_years: 4 classes


def test_two_rules_that_rate_one_action_are_an_error_with_a_case_the_engine_rejects(tmp_path: Path) -> None:
    path = _variant(tmp_path, "overlap.yaml", (NO_KNEE, NO_KNEE.replace("{fact: knee_pain, eq: false}", "{fact: age_years, ge: 65}")))
    report = verify(load_pathway(path), file=path.name)
    [f] = [f for f in report.findings if f.code == "VCF406"]
    assert str(f) == (
        "overlap.yaml:50:9: error VCF406 rules-overlap [V_assess/no_knee_rule]: rules 'knee_rule' (knee_pain is true) "
        "and 'no_knee_rule' (age_years is at least 65) of 'V_assess' both hold when knee_pain = true, age_years = 65 "
        "and both rate 'a_knee_xray'; make their conditions exclusive or rate different actions")
    assert f.example == {"in_scope": True, "knee_pain": True, "hip_pain": False, "age_years": 65}
    assert f.path == ("q_in_scope->V_assess",)
    with pytest.raises(RouteError, match="rule 'knee_rule' and rule 'no_knee_rule' of 'V_assess' both rate 'a_knee_xray'"):
        trace(load_pathway(path), Case("x", dict(f.example)))
    assert report.exit_code == 1 and report.stats["paths"]["overlap"] == 1


def test_a_rule_that_never_holds_or_always_holds_is_a_warning_at_the_rule(tmp_path: Path) -> None:
    path = _variant(tmp_path, "sided.yaml",
                    (NO_KNEE, NO_KNEE.replace("{fact: knee_pain, eq: false}", "{fact: in_scope, eq: false}")),
                    ("        when: {fact: knee_pain, eq: true}\n", "        when: {fact: in_scope, eq: true}\n"))
    found = [line for line in _findings(path) if " VCF40" in line]
    assert found == [
        "sided.yaml:36:9: warning VCF408 rule-always-holds [V_assess/knee_rule]: rule 'knee_rule' of V_assess (in_scope "
        "is true) holds for every case that reaches the variant, so it tells no case apart: make its ratings the "
        "variant's own",
        "sided.yaml:50:9: warning VCF407 rule-never-holds [V_assess/no_knee_rule]: rule 'no_knee_rule' of V_assess "
        "(in_scope is false) can never hold for a case that reaches the variant, so its ratings are never given",
    ]


def test_a_rule_finding_is_acknowledged_by_its_variant_and_rule(tmp_path: Path) -> None:
    path = _variant(tmp_path, "kept.yaml", ("        when: {fact: knee_pain, eq: true}\n", "        when: {fact: in_scope, eq: true}\n"),
                    extra="acknowledged:\n  - {code: VCF408, node: V_assess/knee_rule, reason: Kept apart on purpose.}\n")
    [line] = [line for line in _findings(path) if "VCF408" in line]
    assert line.startswith("kept.yaml:36:9: warning VCF408 rule-always-holds [V_assess/knee_rule] (acknowledged: Kept "
                           "apart on purpose.): rule 'knee_rule' of V_assess")


def test_a_variant_rated_only_by_rules_is_rated_and_the_facts_rules_read_are_used(tmp_path: Path) -> None:
    path = _variant(tmp_path, "only-rules.yaml",
                    ("    ratings:\n      - {action: a_exam, category: do, confidence: confirmed, sources: [S1]}\n", ""),
                    ("  - {id: a_exam, kind: action, modality: procedure, label: Examination}\n", ""))
    codes = [line.split(" ")[2] for line in _findings(path)]
    assert codes == ["VCF301", "VCF301"]  # no VCF004 (unrated variant), no VCF005 for knee_pain, hip_pain, frail


def test_properties_use_the_ratings_the_rules_add_and_ask_first_at_the_rules(tmp_path: Path) -> None:
    path = _variant(tmp_path, "props.yaml", extra=PROPERTIES)
    pathway = load_pathway(path)
    report = verify(pathway, file=path.name)
    assert [(p.property.id, p.status) for p in report.properties] == [
        ("hip_pain_gets_hip_xray", "proven"), ("no_hip_pain_no_hip_xray", "violated"), ("asks_knee_first", "violated")]
    never, asks = report.properties[1], report.properties[2]
    assert never.counterexample == {"in_scope": True, "knee_pain": True, "hip_pain": False, "age_years": 65, "frail": True}
    assert never.reason == "V_assess rates a_hip_xray do"
    assert [r.action for r in trace(pathway, Case("c", dict(never.counterexample))).ratings] == ["a_exam", "a_knee_xray", "a_hip_xray",
                                                                                    "a_rest"]
    assert asks.counterexample == {"in_scope": True, "knee_pain": False}
    assert (asks.outcome, asks.reason) == ("need_info at V_assess", "asks first for hip_pain at V_assess")
    assert trace(pathway, Case("c", dict(asks.counterexample))).missing_facts[0] == "hip_pain"


def test_witness_files_expect_the_rules_that_fire_and_the_engine_agrees(tmp_path: Path) -> None:
    pathway = load_pathway(FIXTURE)
    files = witness_files(verify(pathway, file="two-rules.yaml"), pathway)
    assert "  rules: [knee_rule, hip_rule]\n  do: [a_exam, a_knee_xray, a_hip_xray]\n  maybe: [a_rest]\n" in files[
        "path-005-V_assess.yaml"]
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        [case] = load_cases(pathway, tmp_path / name)
        assert check_expected(trace(pathway, case), case) == [], name


def _cases(tmp_path: Path, *facts: dict) -> list[Case]:
    return [Case(f"c{i}", f) for i, f in enumerate(facts, 1)]


def test_coverage_counts_each_rule_fired_by_some_case(tmp_path: Path) -> None:
    pathway = load_pathway(FIXTURE)
    cov = coverage(pathway, _cases(tmp_path, {"in_scope": True, "knee_pain": True, "hip_pain": False},
                                   {"in_scope": False}))
    assert cov.rules == {"V_assess/knee_rule": 1, "V_assess/hip_rule": 0, "V_assess/no_knee_rule": 0}
    assert cov.uncovered("ratings") == ["V_assess/hip_rule->a_hip_xray", "V_assess/hip_rule->a_rest",
                                        "V_assess/no_knee_rule->a_knee_xray"]
    text = coverage_text(cov, "two-rules.yaml")
    assert "  Rules:      1/3     33.33%\n  (rules: each rule of a variant, fired by some case)\n" in text
    assert ("two-rules.yaml:42:9: uncovered rule V_assess/hip_rule\n"
            "    witness case: in_scope = true, knee_pain = true, hip_pain = true\n"
            "    path: q_in_scope [Yes] -> V_assess\n") in text
    data = coverage_to_dict(cov, "two-rules.yaml")
    assert (data["rule_coverage"], data["uncovered_rules"]) == (33.33, ["V_assess/hip_rule", "V_assess/no_knee_rule"])
    assert "modifier_coverage" not in data


def test_coverage_counts_each_modifier_holding_for_some_case() -> None:
    pathway = load_pathway(MODIFIERS)
    cov = coverage(pathway, [Case("c1", {"alert": True, "worsening": True})])
    assert cov.modifiers == {"V_choice->a_observe modifier 1": 1, "V_choice->a_ct modifier 1": 1,
                             "V_choice->a_ct modifier 2": 0, "V_choice->a_ct modifier 3": 1}
    assert cov.offers["V_choice->a_ct modifier 2"] is None  # it can never hold there (VCF404)
    cov = coverage(pathway, [Case("c1", {"alert": True})])
    assert cov.offers["V_choice->a_observe modifier 1"].facts == {"alert": True, "worsening": True}
    assert ("m.yaml:45:13: uncovered modifier V_choice->a_observe modifier 1\n"
            "    witness case: alert = true, worsening = true\n") in coverage_text(cov, "m.yaml")
    assert coverage_to_dict(cov, "m.yaml")["uncovered_modifiers"] == ["V_choice->a_observe modifier 1",
                                                                     "V_choice->a_ct modifier 1", "V_choice->a_ct modifier 2"]


def test_a_pathway_without_rules_or_modifiers_keeps_its_coverage_shape(tiny) -> None:
    data = coverage_to_dict(coverage(tiny, []), "tiny.yaml")
    assert not [k for k in data if "rule_" in k or "modifier" in k]


def test_diff_reports_a_change_in_which_rules_fire(tmp_path: Path) -> None:
    old = load_pathway(FIXTURE)
    new = load_pathway(_variant(tmp_path, "robust.yaml", ("{fact: frail, eq: true}", "{fact: frail, eq: false}")))
    report = diff(old, new)
    words = [(c.before.words(), c.after.words(), c.rule_changes()) for c in report.changes]
    assert words == [
        ("need_info at V_assess", "variant V_assess (rules knee_rule, hip_rule)", []),
        ("variant V_assess (rules knee_rule, hip_rule)", "variant V_assess (rules knee_rule)", ["rule hip_rule no longer fires"]),
        ("variant V_assess (rules hip_rule, no_knee_rule)", "variant V_assess (rules no_knee_rule)",
         ["rule hip_rule no longer fires"]),
        ("variant V_assess (rules knee_rule)", "need_info at V_assess", []),
        ("variant V_assess (rules knee_rule)", "variant V_assess (rules knee_rule, hip_rule)", ["rule hip_rule now fires"]),
        ("variant V_assess (rules no_knee_rule)", "variant V_assess (rules hip_rule, no_knee_rule)", ["rule hip_rule now fires"]),
    ]
    text = diff_text(report, old, new, "two-rules.yaml", "robust.yaml")
    assert ("  2. variant V_assess (rules knee_rule, hip_rule) -> variant V_assess (rules knee_rule)\n"
            "     a_hip_xray: UA -> not rated\n     a_rest: MBA -> not rated\n     rule hip_rule no longer fires\n"
            "     range: age_years 65 years or over (other facts as in the witness case)\n"
            "     witness case: in_scope = true, knee_pain = true, hip_pain = false, age_years = 65, frail = true\n") in text
    assert text.endswith("Structural changes: 1\n  rule changed: V_assess/hip_rule (when: hip_pain is true or (age_years is "
                         "at least 65 and frail is true) -> hip_pain is true or (age_years is at least 65 and frail is "
                         "false))\n")
    assert report.changes[1].to_dict()["rules"] == ["rule hip_rule no longer fires"]
    assert report.changes[1].to_dict()["after"]["rules"] == ["knee_rule"]
    assert report.changes[0].action_changes() == []  # need_info -> variant: where the cases go says it


def _brute_what_if(pathway, facts) -> set[tuple]:
    """Every single-fact change to a known value that changes the outcome, terminal or UA list,
    by tracing each with the engine."""
    def key(f):
        try:
            r = trace(pathway, Case("w", f))
        except RouteError:
            return None
        return (r.outcome, r.terminal, tuple(a.action for a in r.ratings if a.slot == "UA"))
    base = key(facts)
    out = set()
    for fact in pathway.facts:
        for value in fact.domain():
            if value == whatif.value_class(fact, facts.get(fact.name)):
                continue
            k = key({**facts, fact.name: value})
            if k is not None and k != base:
                out.add((fact.name, value) + k)
    return out


def test_what_if_on_the_ottawa_cases_agrees_with_the_engine() -> None:
    pathway = load_pathway(OTTAWA)
    seen_rules = False
    for path in sorted(OTTAWA_CASES.glob("*.yaml")):
        facts = dict(load_cases(pathway, path)[0].facts)
        changes = whatif.what_if(pathway, facts)
        assert {(c.fact, c.value, c.outcome, c.terminal, c.ua) for c in changes} == _brute_what_if(pathway, facts), path.name
        seen_rules |= any(c.terminal == "V1_rules_apply" and c.outcome == "variant" for c in changes)
    assert seen_rules
    lateral = dict(load_cases(pathway, OTTAWA_CASES / "ankle-rule-lateral-tenderness.yaml")[0].facts)
    moves = {(c.fact, c.value): c.ua for c in whatif.what_if(pathway, lateral) if c.terminal == "V1_rules_apply"}
    assert moves[("tender_lateral_malleolus", False)] == ()  # the ankle rule turns negative: no series indicated


def test_the_new_scaffold_teaches_modifiers_and_rules_and_its_examples_check(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "p"
    assert main(["new", str(folder)]) == 0
    capsys.readouterr()
    text = (folder / "pathway.yaml").read_text(encoding="utf-8")
    assert "    #     modifiers:\n" in text and "    #   rules:\n" in text
    lines = text.splitlines()
    block = []
    for line in lines[lines.index("    #   rules:"):]:
        if not line.startswith("    #"):
            break
        block.append("    " + line[len("    #   "):])
    block = "\n".join(block)
    active = text.replace("    ratings:\n      - {action: a_test, category: recommended",
                          f"{block}\n    ratings:\n      - {{action: a_test, category: recommended", 1)
    active = active.replace("facts:\n", "facts:\n  second_sign: {type: bool, question: Second sign?, source: examination}\n", 1)
    active = active.replace("  - {id: a_test,", "  - {id: a_second_test, kind: action, label: The second test, modality: imaging}\n  - {id: a_test,", 1)
    (folder / "active.yaml").write_text(active, encoding="utf-8")
    assert main(["check", str(folder / "active.yaml")]) == 0
    out = capsys.readouterr().out
    assert " error VCF" not in out and " warning VCF" not in out
    assert "V1_sign (variant, 1 path, 2 sets of rules that fire)" in out


@pytest.mark.slow
def test_ottawa_checks_clean_proven_and_fully_covered_with_its_rules() -> None:
    pathway = load_pathway(OTTAWA)
    report = verify(pathway, file="ottawa-ankle.yaml")
    assert [(f.code, f.subject, bool(f.acknowledged)) for f in report.findings] == [
        ("VCF301", "q_rules_apply", True), ("VCF301", "V1_rules_apply", True)]
    assert {p.status for p in report.properties} == {"proven"}
    cases = [c for f in sorted(OTTAWA_CASES.glob("*.yaml")) for c in load_cases(pathway, f)]
    cov = coverage(pathway, cases)
    assert cov.pct("rules") == 100.0 and len(cov.rules) == 4 and cov.modifiers == {}
    assert json.loads(json.dumps(coverage_to_dict(cov, "o.yaml")))["rule_hits"]["V1_rules_apply/ankle_rule_positive"] == 2
