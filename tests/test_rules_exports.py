"""Issue 29: a variant whose rules fire together, carried through every export and the service.

The two-rules fixture (tests/data/rules/two-rules.yaml: an own rating and three rules, one fact
with a "not recorded" policy) and Ottawa (graphs/examples/ottawa-ankle.yaml: four rules) through
the FHIR PlanDefinition and Questionnaire (read back with fhir.resources and fhirpathpy), the
Mermaid flowchart, the networkx graph, lookup (text and JSON) and the CDS Hooks cards, each held
to its exact text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from vcfgraph.cli import main
from vcfgraph.export.common import DEFAULT_BASE
from vcfgraph.export.mermaid import mermaid
from vcfgraph.export.networkx import to_networkx
from vcfgraph.export.plandefinition import plandefinition
from vcfgraph.export.questionnaire import fact_scope
from vcfgraph.export.response import response
from vcfgraph.io.load import load_pathway
from vcfgraph.lookup import ratings_of
from vcfgraph.model import Pathway
from vcfgraph.schemas import schema

ROOT = Path(__file__).resolve().parent.parent
TWO_RULES = ROOT / "tests" / "data" / "rules" / "two-rules.yaml"
OTTAWA = ROOT / "graphs" / "examples" / "ottawa-ankle.yaml"


@pytest.fixture(scope="module")
def two() -> Pathway:
    return load_pathway(TWO_RULES)


@pytest.fixture(scope="module")
def ottawa() -> Pathway:
    return load_pathway(OTTAWA)


# ------------------------------------------------------------------ FHIR


def _variant(plan: dict[str, Any], action_id: str) -> dict[str, Any]:
    return next(a for a in plan["action"] if a["id"] == action_id)


def test_the_plan_gives_each_rule_as_a_group_with_its_condition(two: Pathway) -> None:
    pytest.importorskip("fhir.resources")
    from fhir.resources.R4B.plandefinition import PlanDefinition

    plan = plandefinition(two, DEFAULT_BASE)
    PlanDefinition.model_validate(plan)
    v = _variant(plan, "V-assess")
    assert (v["groupingBehavior"], v["selectionBehavior"]) == ("logical-group", "all")
    assert [a["id"] for a in v["action"]] == ["V-assess.a-exam", "V-assess.knee-rule", "V-assess.hip-rule",
                                              "V-assess.no-knee-rule"]
    hip = v["action"][2]
    assert hip["title"] == "Hip rule positive"
    assert hip["extension"] == [
        {"url": f"{DEFAULT_BASE}/StructureDefinition/rule-id", "valueString": "hip_rule"},
        {"url": f"{DEFAULT_BASE}/StructureDefinition/evidence-confidence", "valueCode": "inferred"}]
    assert (hip["groupingBehavior"], hip["selectionBehavior"]) == ("logical-group", "all")
    assert hip["condition"][0]["kind"] == "applicability"
    assert hip["condition"][0]["expression"]["description"] == "hip_pain is true or (age_years is at least 65 and frail is true)"
    answer = "%resource.item.where(linkId = '{}').answer.value.ofType({})"
    assert hip["condition"][0]["expression"]["expression"] == (
        f"(({answer.format('hip_pain', 'boolean')} = true) or "
        f"(({answer.format('age_years', 'integer')} >= 65) and "
        f"(iif({answer.format('frail', 'boolean')}.exists(), {answer.format('frail', 'boolean')}, false) = true)))")
    assert [a["id"] for a in hip["action"]] == ["V-assess.hip-rule.a-hip-xray", "V-assess.hip-rule.a-rest"]
    assert [c["code"] for a in hip["action"] for c in a["code"][0]["coding"]] == ["a_hip_xray", "a_rest"]


@pytest.mark.parametrize(("facts", "want"), [
    ({"hip_pain": True}, True),
    ({"hip_pain": False, "age_years": 70}, False),   # frail not recorded: read as absent
    ({"hip_pain": False, "age_years": 70, "frail": True}, True),
    ({"age_years": 30}, None),                         # hip pain unknown: the rule waits
])
def test_a_rule_condition_is_three_valued_in_fhirpath(two: Pathway, facts: dict[str, Any], want: bool | None) -> None:
    pytest.importorskip("fhirpathpy")
    from tests.fhir_walk import three_valued

    hip = _variant(plandefinition(two, DEFAULT_BASE), "V-assess")["action"][2]
    qr = response(two, "c", {"in_scope": True, **facts}, DEFAULT_BASE)
    assert three_valued(hip["condition"][0]["expression"]["expression"], qr) is want


def test_the_walk_stops_where_a_rule_waits_and_names_the_rules_that_fire(ottawa: Pathway) -> None:
    pytest.importorskip("fhirpathpy")
    from tests.fhir_walk import fired_rules, walk

    plan = plandefinition(ottawa, DEFAULT_BASE)
    facts = {"age_years": 30, "malleolar_zone_pain": True, "tender_medial_malleolus": True, "midfoot_zone_pain": False}
    qr = response(ottawa, "c", facts, DEFAULT_BASE)
    assert walk(plan, qr) == ("variant", "V1-rules-apply")
    assert fired_rules(_variant(plan, "V1-rules-apply"), qr) == ["ankle_rule_positive", "foot_rule_negative"]
    waiting = response(ottawa, "c", {**facts, "midfoot_zone_pain": None}, DEFAULT_BASE)
    assert walk(plan, waiting) == ("need_info", None)


def test_the_questionnaire_asks_every_fact_a_rule_reads(two: Pathway) -> None:
    assert fact_scope(two) == {"in_scope": ["q_in_scope"], "knee_pain": ["V_assess"], "hip_pain": ["V_assess"],
                               "age_years": ["V_assess"], "frail": ["V_assess"]}


# ------------------------------------------------------------------ Mermaid, networkx


def test_mermaid_shows_each_rule_and_what_it_adds(two: Pathway) -> None:
    assert mermaid(two).splitlines()[2] == (
        '  n_V_assess["Assess the joints<br/>Do it: Examination'
        '<br/>When Knee rule positive: Do it: Knee radiograph'
        '<br/>When Hip rule positive: Do it: Hip radiograph<br/>and Could do it: Rest'
        '<br/>When Knee rule negative: Not needed: Knee radiograph"]')


def test_networkx_rule_edges_carry_the_rule_and_its_condition(two: Pathway) -> None:
    g = to_networkx(two)
    keys = sorted(k for _, _, k, kind in g.edges(keys=True, data="kind") if kind == "rating")
    assert keys == ["V_assess->a_exam", "V_assess/hip_rule->a_hip_xray", "V_assess/hip_rule->a_rest",
                    "V_assess/knee_rule->a_knee_xray", "V_assess/no_knee_rule->a_knee_xray"]
    assert g.edges["V_assess", "a_rest", "V_assess/hip_rule->a_rest"] == {
        "kind": "rating", "category": "maybe", "score": None, "radiation": "", "confidence": "inferred",
        "rule": "hip_rule", "rule_label": "Hip rule positive",
        "rule_condition": "hip_pain is true or (age_years is at least 65 and frail is true)"}
    assert g.edges["V_assess", "a_exam", "V_assess->a_exam"]["rule"] == ""


# ------------------------------------------------------------------ lookup


def test_lookup_of_an_action_says_which_rule_rates_it(two: Pathway, capsys: pytest.CaptureFixture[str]) -> None:
    assert [(x.variant, x.rule.id if x.rule else None) for x in ratings_of(two, "a_knee_xray")] == [
        ("V_assess", "knee_rule"), ("V_assess", "no_knee_rule")]
    assert main(["lookup", "--graph", str(TWO_RULES), "a_rest"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "action a_rest: Rest",
        "  rated in:",
        f"  {'variant':<46} cat.   radiation                    confidence sources",
        f"  {'V_assess':<46} maybe  -                            inferred   S1  <- INFERRED",
        "      rated maybe at V_assess by rule hip_rule (Hip rule positive), when hip_pain is true or "
        "(age_years is at least 65 and frail is true)",
        "  categories: do = Do it, maybe = Could do it, skip = Not needed",
    ]


def test_lookup_of_a_variant_lists_its_rules_ratings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup", "--graph", str(TWO_RULES), "V_assess"]) == 0
    row = "  {:<46} {:<6} -                            {:<10} S1{}"
    assert capsys.readouterr().out.splitlines() == [
        "variant V_assess: Assess the joints",
        f"  {'action':<46} cat.   radiation                    confidence sources",
        row.format("a_exam", "do", "confirmed", ""),
        "  by rule knee_rule (Knee rule positive), when knee_pain is true:",
        row.format("  a_knee_xray", "do", "confirmed", ""),
        "  by rule hip_rule (Hip rule positive), when hip_pain is true or (age_years is at least 65 and frail is true):",
        row.format("  a_hip_xray", "do", "confirmed", ""),
        row.format("  a_rest", "maybe", "inferred", "  <- INFERRED"),
        "  by rule no_knee_rule (Knee rule negative), when knee_pain is false:",
        row.format("  a_knee_xray", "skip", "confirmed", ""),
        "  categories: do = Do it, maybe = Could do it, skip = Not needed",
    ]


def test_lookup_json_names_the_rule_and_follows_its_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup", "--graph", str(TWO_RULES), "--json", "knee"]) == 0
    data = json.loads(capsys.readouterr().out)
    jsonschema.validate(data, schema("lookup"))
    action = next(h for h in data["hits"] if h["id"] == "a_knee_xray")
    assert [(r["category"], r.get("rule")) for r in action["rated_in"]] == [
        ("do", {"id": "knee_rule", "label": "Knee rule positive", "when": "knee_pain is true"}),
        ("skip", {"id": "no_knee_rule", "label": "Knee rule negative", "when": "knee_pain is false"})]
    assert main(["lookup", "--graph", str(TWO_RULES), "--json", "V_assess"]) == 0
    ratings = json.loads(capsys.readouterr().out)["hits"][0]["ratings"]
    assert [(r["action"], r.get("rule", {}).get("id")) for r in ratings] == [
        ("a_exam", None), ("a_knee_xray", "knee_rule"), ("a_hip_xray", "hip_rule"), ("a_rest", "hip_rule"),
        ("a_knee_xray", "no_knee_rule")]


# ------------------------------------------------------------------ the service


def _service(pathway: Pathway) -> Any:
    pytest.importorskip("starlette")
    from vcfgraph.serve import app as service_app
    from vcfgraph.serve.bindings import Binding, Bindings

    codes = tuple(Binding("urn:test", n.id, n.id) for n in pathway.of_kind("action"))
    return service_app.create_app(pathway, bindings=Bindings(pathway, codes)).state.service


def _rate(pathway: Pathway, facts: dict[str, Any], *actions: str) -> dict[str, Any]:
    from vcfgraph.serve import app as service_app
    from vcfgraph.serve.facts import RequestFacts

    orders = [{"resourceType": "ServiceRequest", "id": f"o{i}", "status": "draft", "intent": "plan",
               "code": {"coding": [{"system": "urn:test", "code": a}]}} for i, a in enumerate(actions)]
    out: dict[str, Any] = service_app._rate(_service(pathway), orders, RequestFacts(facts), "h1", None)
    return out


def _ratings(answer: dict[str, Any]) -> list[tuple[str, str]]:
    """(PAMA code, rating text) of each order."""
    out = []
    for action in answer["systemActions"]:
        rating = next(e for e in action["resource"]["extension"] if e["url"].endswith("/pama-rating"))
        out.append((rating["valueCodeableConcept"]["coding"][0]["code"], rating["valueCodeableConcept"]["text"]))
    return out


def test_an_order_is_rated_by_the_rule_that_fires(ottawa: Pathway) -> None:
    facts = {"age_years": 30, "malleolar_zone_pain": True, "tender_lateral_malleolus": True, "midfoot_zone_pain": False}
    answer = _rate(ottawa, facts, "a_ankle_series", "a_foot_series")
    assert _ratings(answer) == [
        ("appropriate", "V1: the rules apply rates Ankle radiograph series as Radiographs indicated (Ankle rule positive)."),
        ("not-appropriate", "V1: the rules apply rates Foot radiograph series as Radiographs not needed (Foot rule negative).")]
    coding = answer["systemActions"][0]["resource"]["extension"][0]["valueCodeableConcept"]["coding"][1]
    assert (coding["code"], coding["display"]) == ("indicated", "Radiographs indicated")
    # the foot series is not needed, the ankle series indicated: the card offers the ankle series instead
    card = next(c for c in answer["cards"] if c["summary"].startswith("Foot radiograph series"))
    assert card["summary"] == "Foot radiograph series is rated 'radiographs not needed' here; consider an alternative"
    assert card["detail"] == ("V1: the rules apply rates Foot radiograph series as Radiographs not needed (Foot rule "
                              "negative).\n\nRadiographs indicated for this patient instead:\n"
                              "- Ankle radiograph series: Radiographs indicated")
    assert card["indicator"] == "warning"


def test_an_action_only_rules_that_do_not_hold_rate_is_not_rated(two: Pathway) -> None:
    answer = _rate(two, {"in_scope": True, "knee_pain": True, "hip_pain": False, "age_years": 30},
                   "a_knee_xray", "a_hip_xray")
    assert _ratings(answer) == [
        ("appropriate", "Assess the joints rates Knee radiograph as Do it (Knee rule positive)."),
        ("no-criteria-apply", "Assess the joints rates Hip radiograph only by its rule Hip rule positive, "
                              "which does not hold for this patient.")]
    assert [(c["summary"], c["indicator"]) for c in answer["cards"]] == [("Hip radiograph: no criteria apply", "info")]


def test_rules_that_wait_on_a_fact_give_the_need_info_card(two: Pathway) -> None:
    answer = _rate(two, {"in_scope": True, "hip_pain": False, "age_years": 30}, "a_knee_xray")
    assert "systemActions" not in answer
    card = answer["cards"][0]
    assert card["summary"] == "Not rated: 1 fact missing"
    assert card["detail"] == (
        "The order is not rated yet: the guideline needs these facts first, the most useful question first.\n\n"
        "1. Is there knee pain? (`knee_pain`)\n\n"
        "Assess the joints rates the orders by its rules; these wait on the facts above: "
        "Knee rule positive, Knee rule negative.")


def test_trace_json_of_the_service_lists_the_rules(two: Pathway) -> None:
    pytest.importorskip("starlette")
    from vcfgraph.serve import app as service_app

    data = service_app._trace_answer(two, {"id": "c", "facts": {"in_scope": True, "knee_pain": False, "hip_pain": True}},
                                     None)
    assert [(r["rule"], r["state"]) for r in data["rules"]] == [
        ("knee_rule", "does_not_hold"), ("hip_rule", "holds"), ("no_knee_rule", "holds")]
    assert [(r["action"], r.get("rule")) for r in data["ratings"]] == [
        ("a_exam", None), ("a_hip_xray", "hip_rule"), ("a_rest", "hip_rule"), ("a_knee_xray", "no_knee_rule")]
