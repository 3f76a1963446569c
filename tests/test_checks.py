"""Patient-level checks on actions: their three states in the engine, the reports, the checker,
coverage, and the bundled pathway's clinical-safety routes (issue 9)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vcfgraph.analysis import verify
from vcfgraph.analysis.coverage import coverage
from vcfgraph.cli import main
from vcfgraph.engine import check_expected, trace
from vcfgraph.errors import PathwayError
from vcfgraph.io.load import load_cases, load_pathway
from vcfgraph.model import Case
from vcfgraph.report import route_text, route_to_dict

DATA = Path(__file__).resolve().parent / "data"
FIXTURE = DATA / "checks" / "checks.yaml"
ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "cases"


@pytest.fixture(scope="module")
def fixture():
    return load_pathway(FIXTURE)


def walk(pathway, **facts):
    return trace(pathway, Case("c", {f.name: None for f in pathway.facts} | facts))


def states(route) -> dict[tuple[str, str], str]:
    return {(c.check, c.action): c.state for c in route.checks}


# ------------------------------------------------------------------ the engine


def test_satisfied_checks_change_nothing(fixture) -> None:
    route = walk(fixture, pain=True, healed=False, block="none")
    assert route.actions("UA") == ("a_cement",) and route.contraindicated == () and route.cautions == ()
    assert states(route) == {("unhealed", "a_cement"): "satisfied", ("no_block", "a_cement"): "satisfied",
                             ("pregnancy_scan", "a_scan"): "satisfied", ("no_block", "a_burn"): "satisfied"}


def test_a_check_not_established_keeps_the_action_with_a_caution(fixture) -> None:
    route = walk(fixture, pain=True, block="none")
    assert route.actions("UA") == ("a_cement",)
    (caution,) = route.cautions
    assert (caution.action, caution.check, caution.state, caution.facts) == ("a_cement", "unhealed", "not_established", ("healed",))
    assert caution.reason == "Confirm it is unhealed (healed is not known)"
    assert caution.confidence == "inferred"


def test_a_failed_check_sets_an_offered_action_apart_with_its_reason(fixture) -> None:
    route = walk(fixture, pain=True, healed=True, block="none")
    assert route.actions("UA") == ()
    (apart,) = route.contraindicated
    assert (apart.action, apart.category, apart.check, apart.facts) == ("a_cement", "UA", "unhealed", ("healed",))
    assert apart.reason == "The fracture has healed (healed is true)"
    # the follow-up that offers cement is left out; the one for a patient without it is shown
    assert [d.label for d in route.downstream] == ["Other options", "Always"]


def test_a_caution_check_that_fails_keeps_the_action_and_says_why(fixture) -> None:
    route = walk(fixture, pain=True, healed=False, block="pregnant")
    assert route.actions("MBA") == ("a_scan",)
    scan = route.cautions_of("a_scan")
    assert [(c.check, c.state, c.reason) for c in scan] == [
        ("pregnancy_scan", "failed", "Pregnant; think twice (block is pregnant)")]
    assert [c.action for c in route.contraindicated] == ["a_cement"]  # pregnant is a block as well


def test_an_action_usually_not_appropriate_stays_in_its_list_and_notes_the_failure(fixture) -> None:
    route = walk(fixture, pain=True, healed=False, block="bleeding")
    assert route.actions("UNA") == ("a_burn",)
    assert [c.action for c in route.contraindicated] == ["a_cement"]
    (note,) = route.cautions_of("a_burn")
    assert note.state == "failed" and note.reason.startswith("Not an option for this patient either: Blocked")
    assert [d.label for d in route.downstream] == ["Other options", "Always"]


def test_cautions_of_open_checks_are_not_shown_on_actions_not_offered(fixture) -> None:
    route = walk(fixture, pain=False, history=True)
    assert route.terminal == "V_quiet" and route.actions("UNA") == ("a_cement",)
    assert route.cautions == ()  # cement is UNA here and its block is only not known
    assert states(route) == {("no_block", "a_cement"): "not_established"}  # 'unhealed' is for V_sore only


def test_need_info_asks_the_fact_a_clinician_can_answer_first(fixture) -> None:
    route = walk(fixture, pain=False)
    assert route.outcome == "need_info"
    assert route.missing_facts == ("history", "scan")  # history before imaging, though scan is read first
    assert [m.source for m in route.missing] == ["history", "imaging"]


def test_reports_show_cautions_and_set_apart_actions_in_words(fixture) -> None:
    route = walk(fixture, pain=True, block="bleeding")
    text = route_text(route, fixture)
    assert "Set apart for this patient (not an option; the ACR category is unchanged)" in text
    assert "[NO]  Cement [a_cement] (rated UA): Blocked for this patient (block is bleeding) [check no_block]" in text
    data = route_to_dict(route, fixture)
    assert data["contraindicated"][0]["check"] == "no_block" and data["contraindicated"][0]["facts"] == ["block"]
    assert data["cautions"] == [{"action": "a_burn", "check": "no_block", "facts": ["block"], "state": "failed",
                                 "reason": "Not an option for this patient either: Blocked for this patient (block is bleeding)",
                                 "confidence": "confirmed", "sources": ["S1"]}]
    open_route = walk(fixture, pain=True, block="none")
    assert "[!] CAUTION: Confirm it is unhealed (healed is not known) [check unhealed; inferred, not confirmed; S1]" in \
        route_text(open_route, fixture)


def test_case_files_can_expect_cautions(fixture, tmp_path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("id: c\nfacts: {pain: true, block: none}\nexpected: {cautions: [unhealed], contraindicated: []}\n")
    (case,) = load_cases(fixture, path)
    assert check_expected(trace(fixture, case), case) == []
    path.write_text("id: c\nfacts: {pain: true, block: none, healed: false}\nexpected: {cautions: [unhealed]}\n")
    (case,) = load_cases(fixture, path)
    assert check_expected(trace(fixture, case), case) == ["expected cautions from checks unhealed, got none"]


# ------------------------------------------------------------------ the checker and coverage


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = FIXTURE.read_text()
    assert old in text
    path = tmp_path / "mutant.yaml"
    path.write_text(text.replace(old, new))
    return path


def _codes(path: Path) -> dict[str, str]:
    return {f.subject: f.code for f in verify(load_pathway(path)).findings if f.code.startswith("VCF4")}


def test_the_fixture_has_no_check_finding() -> None:
    assert _codes(FIXTURE) == {}


def test_a_check_out_of_its_actions_scope_never_applies(tmp_path) -> None:
    path = _variant(tmp_path, "    actions: [a_cement]\n    variants: [V_sore]", "    actions: [a_rest]\n    variants: [V_sore]")
    assert _codes(path) == {"unhealed": "VCF401"}


def test_a_check_the_routes_already_settle_never_fails(tmp_path) -> None:
    path = _variant(tmp_path, "requires: {fact: healed, eq: false}", "requires: {fact: pain, eq: true}")
    assert _codes(path) == {"unhealed": "VCF402"}


def test_a_check_that_cannot_hold_is_reported(tmp_path) -> None:
    path = _variant(tmp_path, "requires: {fact: healed, eq: false}", "requires: {fact: pain, eq: false}")
    found = [f for f in verify(load_pathway(path)).findings if f.subject == "unhealed"]
    assert [f.code for f in found] == ["VCF403"]
    assert found[0].example is not None and walk(load_pathway(path), **found[0].example).contraindicated


def test_a_sets_apart_property_is_refuted_with_a_counterexample(tmp_path) -> None:
    path = _variant(tmp_path, "given: {fact: block, eq: bleeding}", "given: {fact: healed, eq: false}")
    (result,) = verify(load_pathway(path)).properties
    assert result.status == "violated"
    route = walk(load_pathway(path), **result.counterexample)
    assert "a_cement" in route.actions("UA")


def test_coverage_counts_every_state_a_check_can_be_in(fixture) -> None:
    cases = [Case("a", {"pain": True, "healed": False, "block": "none"})]
    cov = coverage(fixture, cases)
    assert cov.checks["unhealed:satisfied"] == 1 and cov.checks["unhealed:failed"] == 0
    assert "unhealed:failed" in cov.uncovered("checks")
    assert walk(fixture, **cov.offers["unhealed:failed"].facts).contraindicated


@pytest.mark.parametrize("old, new, message", [
    ("actions: [a_cement]\n", "actions: [a_cemnt]\n", "unknown action 'a_cemnt'; did you mean 'a_cement'?"),
    ("variants: [V_sore]", "variants: [a_rest]", "'a_rest' is a action, but a variant is needed here"),
    ("    on_fail: caution", "    on_fail: warn", "'on_fail' of check 'pregnancy_scan' must be one of set_apart, caution"),
    ("requires: {fact: healed, eq: false}", "requires: {fact: heald, eq: false}", "condition on undeclared fact 'heald'; did you mean 'healed'?"),
    ("requires: {fact: block, eq: none}", "requires: {fact: block, eq: nothing}", "value 'nothing' is outside the domain of fact 'block'"),
    ("  - id: no_block\n", "  - id: unhealed\n", "check id 'unhealed' is used twice"),
    ("if_offered: a_cement", "if_offered: V_quiet", "'V_quiet' is a variant, but a action is needed here"),
    ("    reason: The fracture has healed\n", "", "check 'unhealed' is missing the required key 'reason'"),
])
def test_bad_checks_are_located_errors(tmp_path, old, new, message) -> None:
    with pytest.raises(PathwayError) as caught:
        load_pathway(_variant(tmp_path, old, new))
    assert message in str(caught.value)
    assert all(p.loc.line > 0 for p in caught.value.problems)


# ------------------------------------------------------------------ the bundled pathway


@pytest.fixture(scope="module")
def seed(bundled):
    (case,) = load_cases(bundled, CASES / "seed-incidental-t12.yaml")
    return case


def test_the_seed_case_is_unchanged(bundled, seed) -> None:
    route = trace(bundled, seed)
    assert route.terminal == "V5_tx_asymptomatic_osteoporotic_vcf"
    assert route.actions("UA") == ("medical_management_only",)
    assert {"percutaneous_vertebral_augmentation", "surgical_consultation"} <= set(route.actions("UNA"))
    assert route.cautions == () and route.contraindicated == ()


def test_the_seed_patient_with_new_pain_reaches_v3(bundled, seed) -> None:
    route = trace(bundled, seed.with_facts({"symptomatic": True, "prior_vcf": True, "decision_stage": "next_imaging",
                                            "imaging_done": "none"}))
    assert route.terminal == "V3_img_new_back_pain_prior_vcf"
    # the V5 re-entry edge promises exactly that
    assert "V3_img_new_back_pain_prior_vcf" in {d.target for d in bundled.node("V5_tx_asymptomatic_osteoporotic_vcf").downstream}


def test_a_healed_fracture_with_worsening_pain_has_cement_set_apart(bundled) -> None:
    (case,) = load_cases(bundled, CASES / "own-healed-fracture-worsening.yaml")
    route = trace(bundled, case)
    assert route.terminal == "V8_tx_benign_vcf_worsening"
    (apart,) = route.contraindicated
    assert apart.action == "percutaneous_vertebral_augmentation" and apart.check == "not_healed_on_mri_before_augmentation"
    assert "healed fracture" in apart.reason and "imaging_acute_features is false" in apart.reason


def test_no_cleft_on_radiographs_is_a_caution_not_a_healed_fracture(bundled) -> None:
    (case,) = load_cases(bundled, CASES / "own-worsening-no-cleft-on-radiograph.yaml")
    route = trace(bundled, case)
    assert "percutaneous_vertebral_augmentation" in route.actions("UA") and route.contraindicated == ()
    (c,) = [c for c in route.cautions_of("percutaneous_vertebral_augmentation") if c.check == "unhealed_before_augmentation"]
    assert c.state == "failed" and "only MRI" in c.reason


def test_an_unrecorded_epidural_disease_is_a_caution_on_cement_and_ablation_in_a_pathologic_fracture(bundled) -> None:
    (case,) = load_cases(bundled, CASES / "own-pathologic-canal-not-imaged.yaml")
    route = trace(bundled, case)
    for action in ("percutaneous_vertebral_augmentation", "percutaneous_ablation_spine"):
        assert "canal_clear_of_epidural_disease" in {c.check for c in route.cautions_of(action)}
    assert "epidural_disease" in route.assumed


def test_retropulsion_not_recorded_gives_the_posterior_wall_caution(bundled) -> None:
    (case,) = load_cases(bundled, CASES / "own-posterior-wall-not-checked.yaml")
    route = trace(bundled, case)
    assert "percutaneous_vertebral_augmentation" in route.actions("UA")
    assert [c.check for c in route.cautions_of("percutaneous_vertebral_augmentation")] == ["posterior_wall_before_cement"]


def test_a_pregnant_patient_at_the_imaging_stage_sees_the_radiation_caution_on_ct(bundled) -> None:
    (case,) = load_cases(bundled, CASES / "own-pregnant-new-fracture-imaging.yaml")
    route = trace(bundled, case)
    assert "ct_spine_wo" in route.actions("UA")
    (caution,) = route.cautions_of("ct_spine_wo")
    assert caution.check == "pregnancy_ionising" and "ionising radiation" in caution.reason
    assert caution.confidence == "inferred"
    assert route.cautions_of("mri_spine_wo") == ()


def test_a_suspected_tumour_is_worked_up_at_both_stages_and_the_routing_says_inferred(bundled, seed) -> None:
    for stage, symptomatic, variant in (("next_imaging", True, "V2_img_new_symptomatic_vcf_malignancy"),
                                        ("next_imaging", False, "V4_img_asymptomatic_vcf_malignancy"),
                                        ("initial_treatment", True, "V2_img_new_symptomatic_vcf_malignancy"),
                                        ("initial_treatment", False, "V4_img_asymptomatic_vcf_malignancy")):
        route = trace(bundled, seed.with_facts({"suspected_malignancy": True, "fracture_etiology": None,
                                                "decision_stage": stage, "symptomatic": symptomatic}))
        assert route.terminal == variant, (stage, symptomatic)
        assert any(s.confidence == "inferred" for s in route.steps)


def test_an_unknown_suspicion_is_read_as_none_with_the_tumour_caution(bundled) -> None:
    (case,) = load_cases(bundled, CASES / "vcf-017.yaml")
    route = trace(bundled, case)
    assert route.terminal == "V6_tx_symptomatic_osteoporotic_vcf_acute"
    assert "tumour_excluded_before_invasive" in {c.check for c in route.cautions_of("percutaneous_vertebral_augmentation")}


def test_a_child_leaves_through_the_paediatric_hand_off_and_unknown_age_is_adult(bundled, seed) -> None:
    assert trace(bundled, seed.with_facts({"age": 12})).terminal == "H_paediatric"
    assert trace(bundled, seed.with_facts({"age": 17})).terminal == "H_paediatric"
    assert trace(bundled, seed.with_facts({"age": 18})).terminal == "V5_tx_asymptomatic_osteoporotic_vcf"
    assert trace(bundled, seed.with_facts({"age": None})).terminal == "V5_tx_asymptomatic_osteoporotic_vcf"


def test_a_mild_long_standing_diffuse_ache_follows_the_painless_variant(bundled, seed) -> None:
    ache = {"symptomatic": True, "pain_localized_to_fracture_level": False, "worsening_pain": False,
            "back_pain_duration_weeks": 52}
    route = trace(bundled, seed.with_facts(ache))
    assert route.terminal == "V5_tx_asymptomatic_osteoporotic_vcf"
    assert any("clinical judgement" in s.note for s in route.steps)
    for change in ({"pain_localized_to_fracture_level": True}, {"worsening_pain": True},
                   {"back_pain_duration_weeks": 6}, {"back_pain_duration_weeks": None}):
        assert trace(bundled, seed.with_facts({**ache, **change})).terminal != "V5_tx_asymptomatic_osteoporotic_vcf", change


def test_need_info_asks_for_the_cancer_history_before_the_cause(bundled) -> None:
    route = trace(bundled, Case("c", {f.name: None for f in bundled.facts} | {
        "neurologic_deficit": False, "decision_stage": "initial_treatment", "age": 70}))
    assert route.outcome == "need_info" and route.missing_facts == ("known_malignancy",)


@pytest.mark.slow
def test_every_bundled_check_is_sourced_and_the_library_covers_every_state(bundled) -> None:
    assert len(bundled.checks) == 11
    for check in bundled.checks:
        assert check.sources and check.confidence in ("confirmed", "inferred")
    cov = coverage(bundled, [c for p in sorted(CASES.glob("*.yaml")) for c in load_cases(bundled, p)])
    assert cov.uncovered("checks") == [] and cov.pct("checks") == 100.0


def test_trace_json_lists_cautions(capsys) -> None:
    assert main(["trace", "--json", str(CASES / "own-posterior-wall-not-checked.yaml")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["expected"] == {"ok": True, "problems": []}
    assert {c["check"] for c in data["cautions"]} == {"posterior_wall_before_cement"}
    assert all(set(c) == {"action", "check", "reason", "facts", "state", "confidence", "sources"} for c in data["cautions"])


def test_lookup_lists_the_checks_on_an_action(capsys) -> None:
    assert main(["lookup", "--json", "kyphoplasty"]) == 0
    (hit, *_) = json.loads(capsys.readouterr().out)["hits"]
    assert hit["id"] == "percutaneous_vertebral_augmentation"
    assert [c["check"] for c in hit["checks"]] == ["not_healed_on_mri_before_augmentation", "unhealed_before_augmentation",
                                                  "posterior_wall_before_cement", "canal_clear_of_epidural_disease",
                                                  "no_contraindication_augmentation", "tumour_excluded_before_invasive"]
