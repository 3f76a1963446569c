"""The traversal engine: routes, explanations, need_info, contraindications and route errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from vcfgraph.conditions import Test
from vcfgraph.engine import check_expected, trace
from vcfgraph.errors import RouteError
from vcfgraph.io.load import load_cases
from vcfgraph.model import Case, Edge, Fact, Meta, Node, Pathway, Rating

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "cases" / "seed-incidental-t12.yaml"
V5 = "V5_tx_asymptomatic_osteoporotic_vcf"


@pytest.fixture(scope="module")
def seed(bundled):
    (case,) = load_cases(bundled, SEED)
    return case


def test_seed_case_reaches_v5_with_its_ratings_and_workflow(bundled, seed):
    route = trace(bundled, seed)
    assert (route.outcome, route.terminal) == ("variant", V5)
    assert route.actions("UA") == ("medical_management_only",)
    assert {"percutaneous_vertebral_augmentation", "surgical_consultation"} <= set(route.actions("UNA"))
    assert route.actions("MBA") == ()
    assert [d.label for d in route.downstream if d.kind == "follow_up"] == [
        "Start or step up osteoporosis drug treatment",
        "Bone density (DXA) if none is recent",
        "Assess and reduce fall risk",
        "Explain what the finding means",
    ]
    reenter = {d.target for d in route.downstream if d.kind == "reenter"}
    assert reenter == {"V3_img_new_back_pain_prior_vcf", "H_urgent_spine"}
    assert route.radiation() == ()
    assert check_expected(route, seed) == []


def test_every_step_records_facts_answer_and_reasons(bundled, seed):
    route = trace(bundled, seed)
    assert [s.node for s in route.steps] == [
        "q_high_energy_trauma", "q_red_flags", "q_infection", "q_age", "q_stage", "q_tx_etiology", "q_tx_symptomatic",
        "q_benign_asym_acute",
    ]
    flags = route.steps[1]
    assert flags.facts == (("neurologic_deficit", False), ("retropulsion", False), ("epidural_disease", None),
                           ("suspected_instability", None))
    assert flags.answer == "No red flag" and flags.edge == "q_red_flags->q_infection"
    assert flags.explanation == (
        "Neurologic or mechanical red flag? Answered 'No red flag' because neurologic_deficit is false, "
        "retropulsion is false and epidural_disease and suspected_instability are not recorded; read as absent, "
        "a pathway assumption."
    )
    (other,) = flags.not_taken
    assert (other.label, other.result) == ("Deficit, canal compromise or instability", False)
    assert route.assumed == ("epidural_disease", "suspected_instability", "suspected_infection")


@pytest.mark.parametrize(
    "change, outcome, terminal",
    [
        ({"symptomatic": True, "imaging_acute_features": True}, "variant", "V6_tx_symptomatic_osteoporotic_vcf_acute"),
        ({"known_malignancy": True, "fracture_etiology": None}, "variant", "V4_img_asymptomatic_vcf_malignancy"),
        ({"imaging_acute_features": True}, "handoff", "H_painless_acute_fracture"),
        ({"neurologic_deficit": True}, "handoff", "H_urgent_spine"),
        ({"high_energy_trauma": True}, "handoff", "H_spine_trauma"),
        ({"symptomatic": None}, "need_info", None),
        ({"neurologic_deficit": None}, "need_info", None),
    ],
)
def test_changing_one_fact_moves_the_seed_case(bundled, seed, change, outcome, terminal):
    route = trace(bundled, seed.with_facts(change))
    assert (route.outcome, route.terminal) == (outcome, terminal)


def test_need_info_names_the_fact_its_question_and_what_is_still_possible(bundled, seed):
    route = trace(bundled, seed.with_facts({"symptomatic": None}))
    assert route.missing_facts == ("symptomatic",)
    (need,) = route.missing
    assert need.question == "Does the fracture cause symptoms?"
    assert need.allowed == "true, false or null (not known)"
    # painless: V5 (CT shows a chronic fracture); painful: no cleft on CT does not show it healed, so MRI first (V1)
    assert route.possible == ("V1_img_new_symptomatic_vcf_no_malignancy", V5)
    assert route.steps[-1].answer is None and route.steps[-1].node == "q_tx_symptomatic"


def test_need_info_reports_only_the_facts_that_settle_the_question(bundled):
    facts = {f.name: None for f in bundled.facts}
    facts.update(decision_stage="next_imaging", symptomatic=True, neurologic_deficit=False, high_energy_trauma=False)
    route = trace(bundled, Case("x", facts))
    # known_malignancy settles the question; fracture_etiology alone does not
    assert route.missing_facts == ("known_malignancy",)


def test_contraindicated_action_is_set_apart_with_its_reason(bundled):
    (case,) = load_cases(bundled, ROOT / "cases" / "vcf-035.yaml")
    route = trace(bundled, case)
    assert route.terminal == "V6_tx_symptomatic_osteoporotic_vcf_acute"
    assert "percutaneous_vertebral_augmentation" not in route.actions("UA")
    (ci,) = route.contraindicated
    assert ci.action == "percutaneous_vertebral_augmentation" and ci.category == "UA"
    assert ci.reason == ("Augmentation is contraindicated for this patient "
                         "(contraindication_to_augmentation is coagulopathy)")
    assert ci.check == "no_contraindication_augmentation" and ci.facts == ("contraindication_to_augmentation",)


def test_radiation_of_usually_appropriate_imaging(bundled):
    (case,) = load_cases(bundled, ROOT / "cases" / "vcf-005.yaml")
    route = trace(bundled, case)
    assert route.radiation() == (
        ("mri_spine_wo", "O"), ("mri_spine_wwo", "O"), ("ct_spine_wo", "☢☢☢ (complete spine ☢☢☢☢)"))


def test_inferred_ratings_keep_their_mark(bundled):
    (case,) = load_cases(bundled, ROOT / "cases" / "vcf-027.yaml")
    route = trace(bundled, case)
    marks = {r.action: r.confidence for r in route.ratings}
    assert marks["percutaneous_ablation_spine"] == "inferred"
    assert marks["radiation_oncology_consultation"] == "confirmed"


# ------------------------------------------------------------------ pathways built in memory


def small(edges: list[Edge]) -> Pathway:
    facts = (Fact("a", "bool"), Fact("n", "int", min=0, max=9, cuts=(5,)))
    nodes = (
        Node("q", "question", "Q?"),
        Node("V1", "variant", "One", ratings=(Rating("act", "UA", None, "", "confirmed", ("S",)),)),
        Node("V2", "variant", "Two"),
        Node("act", "action", "Act"),
    )
    return Pathway(Meta("m", "M", "q"), facts, nodes, tuple(edges))


def case(**facts) -> Case:
    return Case("c", {"a": None, "n": None, **facts})


def test_two_matching_answers_are_an_error_naming_both():
    pathway = small([
        Edge("q->V1", "q", "V1", "yes", Test("a", "eq", True)),
        Edge("q->V2", "q", "V2", "big", Test("n", "ge", 5)),
    ])
    with pytest.raises(RouteError) as caught:
        trace(pathway, case(a=True, n=7))
    assert caught.value.edges == ("q->V1", "q->V2")
    assert str(caught.value) == (
        "two answers of 'q' both hold for this case: 'q->V1' (a is true) and 'q->V2' (n is at least 5); "
        "the pathway must make them exclusive")


def test_no_matching_answer_without_otherwise_is_an_error():
    pathway = small([
        Edge("q->V1", "q", "V1", "yes", Test("a", "eq", True)),
        Edge("q->V2", "q", "V2", "no", Test("a", "eq", False)),
    ])
    assert trace(pathway, case(a=False)).terminal == "V2"
    pathway = small([Edge("q->V1", "q", "V1", "yes", Test("a", "eq", True))])
    with pytest.raises(RouteError, match="no answer of 'q' holds for this case \\(a is false\\)"):
        trace(pathway, case(a=False))


def test_otherwise_is_taken_only_when_the_others_are_false():
    pathway = small([
        Edge("q->V1", "q", "V1", "yes", Test("a", "eq", True)),
        Edge("q->V2", "q", "V2", "other", None),
    ])
    route = trace(pathway, case(a=False))
    assert route.terminal == "V2"
    assert route.steps[0].explanation == "Q? Answered 'other' because no other answer holds (a is false)."
    undecided = trace(pathway, case())
    assert undecided.outcome == "need_info" and set(undecided.possible) == {"V1", "V2"}


def test_a_cycle_is_reported_not_looped():
    pathway = small([
        Edge("q->q", "q", "q", "again", Test("a", "eq", True)),
        Edge("q->V2", "q", "V2", "no", Test("a", "eq", False)),
    ])
    with pytest.raises(RouteError, match="came back to 'q'"):
        trace(pathway, case(a=True))


def test_an_unrecorded_mechanism_is_presumed_low_energy_only_in_a_fragility_context(bundled):
    facts = {f.name: None for f in bundled.facts} | {"decision_stage": "next_imaging", "neurologic_deficit": False}
    young = trace(bundled, Case("x", facts | {"age": 29, "osteoporosis_known": False, "chronic_steroid_use": False,
                                              "known_malignancy": False, "suspected_malignancy": False}))
    assert young.outcome == "need_info" and young.missing_facts == ("high_energy_trauma",)
    for context in ({"age": 50}, {"age": 29, "osteoporosis_known": True}, {"age": 29, "chronic_steroid_use": True},
                    {"age": 29, "suspected_malignancy": True}):
        route = trace(bundled, Case("x", facts | context))
        assert route.steps[0].edge == "q_high_energy_trauma->q_red_flags", context
        assert "high_energy_trauma" in route.assumed
        assert "fragility_context holds" in route.steps[0].explanation


def test_red_flags_are_asked_first_and_a_present_one_acts_without_the_mechanism(bundled):
    from vcfgraph.whatif import questions_ranked
    facts = {f.name: None for f in bundled.facts} | {"decision_stage": "initial_treatment", "age": 70}
    route = trace(bundled, Case("x", facts))
    assert route.missing_facts == ("neurologic_deficit",)
    assert questions_ranked(bundled, facts)[0].fact == "neurologic_deficit"
    route = trace(bundled, Case("x", {"age": 30, "neurologic_deficit": True}))
    assert route.terminal == "H_urgent_spine" and route.red_flags() == ("neurologic_deficit",)
    abscess = trace(bundled, Case("x", {"age": 60, "epidural_disease": True, "suspected_infection": True,
                                        "neurologic_deficit": False}))
    assert abscess.terminal == "H_urgent_spine" and abscess.red_flags() == ("epidural_disease", "suspected_infection")
