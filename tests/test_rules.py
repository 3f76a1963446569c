"""Rules that fire together (a decision table's "collect" hit policy, issue 29): reading a
variant's ``rules``, the engine's contributions and its need_info on an undecided rule, the
route error when two contributions rate one action, the fast walk, case expectations, the text
and JSON reports, and Ottawa written without its cross product."""

from __future__ import annotations

from itertools import product
from pathlib import Path

import pytest

from vcfgraph import lightwalk
from vcfgraph.engine import check_expected, rule_results, trace
from vcfgraph.errors import PathwayError, RouteError
from vcfgraph.io.cases import load_cases
from vcfgraph.io.load import load_pathway
from vcfgraph.model import Case, Rule
from vcfgraph.report import route_text, route_to_dict

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "data" / "rules" / "two-rules.yaml"
OTTAWA = ROOT / "graphs" / "examples" / "ottawa-ankle.yaml"


@pytest.fixture(scope="module")
def pathway():
    return load_pathway(FIXTURE)


def _route(pathway, **facts):
    return trace(pathway, Case("c", facts))


def test_rules_are_read_as_frozen_data(pathway):
    node = pathway.node("V_assess")
    assert [r.id for r in node.rules] == ["knee_rule", "hip_rule", "no_knee_rule"]
    hip = node.rule("hip_rule")
    assert isinstance(hip, Rule) and hip.confidence == "inferred" and hip.sources == ("S1",)
    assert [r.action for r in hip.ratings] == ["a_hip_xray", "a_rest"]
    assert [(rule.id if rule else None, r.action) for rule, r in node.all_ratings()][:2] == [
        (None, "a_exam"), ("knee_rule", "a_knee_xray")]
    ids = [edge for edge, _, _ in pathway.rating_edges()]
    assert "V_assess->a_exam" in ids and "V_assess/knee_rule->a_knee_xray" in ids
    assert "V_assess/no_knee_rule->a_knee_xray" in ids
    assert pathway.rule_reads("V_assess") == ("knee_pain", "hip_pain", "age_years", "frail")
    assert pathway.collects()


def test_every_rule_that_holds_adds_its_ratings(pathway):
    route = _route(pathway, in_scope=True, knee_pain=False, hip_pain=True)
    assert route.outcome == "variant" and route.terminal == "V_assess"
    assert route.fired() == ("hip_rule", "no_knee_rule")
    assert [(r.action, r.category, r.rule) for r in route.ratings] == [
        ("a_exam", "do", ""), ("a_hip_xray", "do", "hip_rule"), ("a_rest", "maybe", "hip_rule"),
        ("a_knee_xray", "skip", "no_knee_rule")]
    assert route.actions("UA") == ("a_exam", "a_hip_xray")
    assert route.rating_edges() == ("V_assess->a_exam", "V_assess/hip_rule->a_hip_xray",
                                    "V_assess/hip_rule->a_rest", "V_assess/no_knee_rule->a_knee_xray")
    states = {r.rule: r.state for r in route.rules}
    assert states == {"knee_rule": "does_not_hold", "hip_rule": "holds", "no_knee_rule": "holds"}


def test_a_rule_follows_the_not_recorded_policy_and_says_so(pathway):
    route = _route(pathway, in_scope=True, knee_pain=True, hip_pain=False, age_years=80)
    assert route.fired() == ("knee_rule",)
    assert route.assumed == ("frail",)


def test_an_undecided_rule_stops_the_walk_at_the_variant(pathway):
    route = _route(pathway, in_scope=True, knee_pain=True)
    assert route.outcome == "need_info" and route.terminal is None
    assert route.possible == ("V_assess",)
    assert route.missing_facts == ("hip_pain",)
    assert route.steps[-1].node == "V_assess"
    assert route.steps[-1].explanation == "Assess the joints Cannot settle its rules yet: hip_pain is not known."
    assert [r.state for r in route.rules] == ["holds", "undecided", "does_not_hold"]
    assert route.rules[1].explanation == "Hip rule positive: undecided (hip_pain is not known)."
    assert route.ratings == ()


def test_two_rules_rating_one_action_together_are_a_route_error(tmp_path):
    text = FIXTURE.read_text().replace("when: {fact: knee_pain, eq: false}", "when: {fact: hip_pain, eq: true}")
    broken = tmp_path / "clash.yaml"
    broken.write_text(text)
    pathway = load_pathway(broken)
    with pytest.raises(RouteError) as e:
        _route(pathway, in_scope=True, knee_pain=True, hip_pain=True)
    assert str(e.value) == ("rule 'knee_rule' and rule 'no_knee_rule' of 'V_assess' both rate 'a_knee_xray' for this "
                            "case; the pathway must keep rules that rate the same action exclusive")
    assert lightwalk.walk(lightwalk.index(pathway), {"in_scope": True, "knee_pain": True, "hip_pain": True}) is None


def test_a_rule_may_not_rate_what_the_variant_rates(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(FIXTURE.read_text().replace("          - {action: a_knee_xray, category: do,",
                                               "          - {action: a_exam, category: do,", 1))
    with pytest.raises(PathwayError) as e:
        load_pathway(bad)
    assert str(e.value) == (f"{bad}:41:22: rule 'knee_rule' of node 'V_assess' rates 'a_exam', which node 'V_assess' "
                            "rates itself; a rule adds ratings for actions the variant does not rate")


@pytest.mark.parametrize("old, new, message", [
    ("        label: Knee rule negative\n", "        label: Knee rule negative\n        colour: red\n",
     ":52:9: unknown key 'colour' in rule 3 of node 'V_assess'"),
    ("      - id: no_knee_rule", "      - id: knee_rule", "duplicate rule id 'knee_rule' in node 'V_assess'"),
    ("    ratings:\n      - {action: a_exam, category: do, confidence: confirmed, sources: [S1]}\n    rules:", "    rules:",
     None),
    ("action: a_rest,", "action: a_resting,", ":49:22: unknown action 'a_resting'; did you mean 'a_rest'?"),
])
def test_rule_mistakes_are_located(tmp_path, old, new, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(FIXTURE.read_text().replace(old, new, 1))
    if message is None:  # a variant may have rules and no ratings of its own
        assert load_pathway(bad).node("V_assess").ratings == ()
        return
    with pytest.raises(PathwayError) as e:
        load_pathway(bad)
    assert message in str(e.value) and str(e.value).startswith(f"{bad}:")


def test_a_variant_needs_ratings_or_rules(tmp_path):
    bad = tmp_path / "bad.yaml"
    text = FIXTURE.read_text()
    start, end = text.index("    ratings:\n      - {action: a_exam"), text.index("  - id: H_out")
    bad.write_text(text[:start] + text[end:])
    with pytest.raises(PathwayError) as e:
        load_pathway(bad)
    assert "node 'V_assess' needs 'ratings' (what it rates), 'rules' (ratings that rules add) or both" in str(e.value)


def test_the_fast_walk_agrees_with_the_engine_over_the_case_space(pathway):
    index = lightwalk.index(pathway)
    domains = [(None,) + f.domain() for f in pathway.facts]
    names = [f.name for f in pathway.facts]
    seen = set()
    for values in product(*domains):
        facts = {n: v for n, v in zip(names, values) if v is not None}
        route = trace(pathway, Case("c", facts))
        end = lightwalk.walk(index, facts)
        assert end is not None
        assert (end.outcome, end.terminal, end.ua) == (route.outcome, route.terminal, route.actions("UA"))
        if route.outcome == "need_info":
            assert end.possible == route.possible
        seen.add((route.outcome, route.fired()))
        for fact in pathway.facts:  # a single-fact change resumes where it should
            for value in fact.domain():
                changed = {**facts, fact.name: value}
                again = lightwalk.changed(index, end, changed, fact.name)
                want = trace(pathway, Case("c", changed))
                assert again is not None and (again.outcome, again.terminal, again.ua) == (
                    want.outcome, want.terminal, want.actions("UA"))
    assert ("variant", ("knee_rule", "hip_rule")) in seen and ("variant", ("no_knee_rule",)) in seen
    assert ("need_info", ()) in seen


def test_case_files_expect_the_rules_that_fire():
    pathway = load_pathway(OTTAWA)
    cases = [c for f in sorted((OTTAWA.parent / "ottawa-cases").glob("*.yaml")) for c in load_cases(pathway, f)]
    assert all(check_expected(trace(pathway, c), c) == [] for c in cases)
    case = next(c for c in cases if c.id == "foot-rule-fifth-metatarsal")
    wrong = type(case.expected)(rules=("ankle_rule_positive",), given=("rules",))
    problems = check_expected(trace(pathway, case), Case(case.id, case.facts, expected=wrong))
    assert problems == ["expected rules that fire ankle_rule_positive, got ankle_rule_negative, foot_rule_positive"]


def test_ottawa_has_no_cross_product():
    pathway = load_pathway(OTTAWA)
    assert [n.id for n in pathway.of_kind("variant")] == ["V1_rules_apply"]
    assert len(pathway.of_kind("question")) == 1
    rules = pathway.node("V1_rules_apply").rules
    assert [r.id for r in rules] == ["ankle_rule_positive", "ankle_rule_negative", "foot_rule_positive", "foot_rule_negative"]


def test_the_reports_show_each_rule_and_where_each_rating_came_from(pathway):
    route = _route(pathway, in_scope=True, knee_pain=False, hip_pain=True)
    text = route_text(route, pathway)
    assert "  Rules (each adds its ratings when it holds; all that hold apply together)\n" in text
    assert "    [x] Hip rule positive: holds (hip_pain is true). [hip_rule] (S1) - INFERRED, not confirmed\n" in text
    assert "    [ ] Knee rule positive: does not hold (knee_pain is false). [knee_rule] (S1)\n" in text
    assert "Hip radiograph [a_hip_xray] (confirmed; S1; by rule hip_rule)" in text
    data = route_to_dict(route, pathway, what_if=False)
    assert data["rules"][1] == {"rule": "hip_rule", "label": "Hip rule positive", "state": "holds",
                                "explanation": "Hip rule positive: holds (hip_pain is true).", "facts": ["hip_pain"],
                                "confidence": "inferred", "sources": ["S1"]}
    assert [r.get("rule") for r in data["ratings"]] == [None, "hip_rule", "hip_rule", "no_knee_rule"]


def test_rule_results_is_the_one_place_a_rule_is_decided(pathway):
    node = pathway.node("V_assess")
    assert [r.state for r in rule_results(node, {})] == ["undecided"] * 3
    assert [r.state for r in rule_results(node, {"knee_pain": True, "hip_pain": False, "age_years": 3})] == [
        "holds", "does_not_hold", "does_not_hold"]


def test_trace_json_with_rules_follows_its_schema(pathway):
    import jsonschema

    from vcfgraph.schemas import schema

    for facts in ({"in_scope": True, "knee_pain": False, "hip_pain": True}, {"in_scope": True, "knee_pain": False}):
        data = route_to_dict(_route(pathway, **facts), pathway)
        jsonschema.validate(data, schema("trace"))
        assert [r["state"] for r in data["rules"]][0] == "does_not_hold"


def test_the_fast_walk_meets_a_rule_that_rates_the_variant_s_own_action_as_the_engine_does(pathway):
    """The loader refuses such a file; a pathway built in memory can still hold one (a random
    pathway in the twin's tests did), and the fast walk must fail where the engine does."""
    from dataclasses import replace

    from vcfgraph.model import Pathway

    node = pathway.node("V_assess")
    knee = node.rules[0]
    clash = replace(knee, ratings=knee.ratings + (replace(node.ratings[0]),))
    variant = replace(node, rules=(clash,) + node.rules[1:])
    copy = Pathway(pathway.meta, pathway.facts, tuple(variant if n.id == node.id else n for n in pathway.nodes),
                   pathway.edges, scale=pathway.scale, sources=pathway.sources)
    facts = {"in_scope": True, "knee_pain": True, "hip_pain": False}
    with pytest.raises(RouteError):
        trace(copy, Case("c", facts))
    assert lightwalk.walk(lightwalk.index(copy), facts) is None
    assert lightwalk.walk(lightwalk.index(copy), {**facts, "knee_pain": False}) is not None
