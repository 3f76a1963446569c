"""Case expectations in the pathway's own scale: a case lists rated actions under the scale's
category ids (ACR list names keep working on the ACR scale), an unknown key names the keys the
scale knows, a mismatch names the scale's categories, and ``exactly: true`` compares whole lists
(an empty list meaning none). The per-pathway case schema speaks the same keys."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from vcfgraph.cli import main
from vcfgraph.engine import check_expected, trace
from vcfgraph.errors import CaseError
from vcfgraph.io.jsonschema import case_schema
from vcfgraph.io.load import load_cases, load_pathway
from vcfgraph.io.yaml12 import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
OTTAWA = ROOT / "graphs" / "examples" / "ottawa-ankle.yaml"
TINY = ROOT / "tests" / "data" / "tiny.yaml"
#: lateral malleolus tender, walks, no midfoot pain: V2_ankle_only (ankle indicated, foot not needed)
ANKLE = """\
facts:
  age_years: 34
  malleolar_zone_pain: true
  tender_lateral_malleolus: true
  tender_medial_malleolus: false
  bears_weight_four_steps: true
  midfoot_zone_pain: false
"""


@pytest.fixture(scope="module")
def ottawa():
    return load_pathway(OTTAWA)


def _case(tmp_path: Path, pathway, expected: str, facts: str = ANKLE):
    path = tmp_path / "c.yaml"
    path.write_text(facts + "expected:\n" + expected, encoding="utf-8")
    (case,) = load_cases(pathway, path)
    return case, check_expected(trace(pathway, case), case)


def _refused(tmp_path: Path, pathway, expected: str, facts: str = ANKLE) -> str:
    with pytest.raises(CaseError) as caught:
        _case(tmp_path, pathway, expected, facts)
    return str(caught.value).replace(str(tmp_path) + "/", "")


def test_the_scale_category_ids_list_rated_actions(tmp_path, ottawa):
    case, problems = _case(tmp_path, ottawa, "  indicated: [a_ankle_series]\n  not_needed: [a_foot_series]\n")
    assert case.expected.usually_appropriate == ("a_ankle_series",) and problems == []
    assert case.expected.given == ("usually_appropriate", "usually_not_appropriate")


def test_a_mismatch_names_the_scale_category(tmp_path, ottawa):
    _, problems = _case(tmp_path, ottawa, "  indicated: [a_foot_series]\n")
    assert problems == ["expected Radiographs indicated: a_foot_series not in that list"]


def test_an_acr_list_name_on_another_scale_names_the_scale_key(tmp_path, ottawa):
    assert _refused(tmp_path, ottawa, "  usually_appropriate: [a_ankle_series]\n") == (
        "c.yaml:9:3: unknown key 'usually_appropriate' in 'expected' of case 'c': that is a list of the ACR "
        "scale; the pathway's scale (Ottawa ankle rules) names it 'indicated' (Radiographs indicated)")


def test_a_misspelt_category_gets_did_you_mean(tmp_path, ottawa):
    assert _refused(tmp_path, ottawa, "  indicatd: [a_ankle_series]\n") == (
        "c.yaml:9:3: unknown key 'indicatd' in 'expected' of case 'c'; did you mean 'indicated'?")


def test_an_unknown_key_lists_the_keys_of_the_scale(tmp_path, ottawa):
    assert _refused(tmp_path, ottawa, "  favoured: [a_ankle_series]\n") == (
        "c.yaml:9:3: unknown key 'favoured' in 'expected' of case 'c'; it may have outcome, terminal, missing, "
        "contraindicated, cautions, rules, exactly, and the categories of the pathway's scale (Ottawa ankle rules): "
        "indicated, not_needed")


def test_an_action_id_in_a_scale_list_is_checked_under_the_scale_key(tmp_path, ottawa):
    assert _refused(tmp_path, ottawa, "  indicated: [a_ankle_seris]\n") == (
        "c.yaml:9:14: expected indicated action 'a_ankle_seris' of case 'c' is not an action of the pathway; "
        "did you mean 'a_ankle_series'?")


def test_exactly_compares_whole_lists_and_an_empty_list_means_none(tmp_path, ottawa):
    _, problems = _case(tmp_path, ottawa, "  exactly: true\n  indicated: [a_ankle_series, a_foot_series]\n"
                                          "  not_needed: []\n  missing: []\n")
    assert problems == ["expected Radiographs indicated exactly a_ankle_series, a_foot_series, got a_ankle_series",
                        "expected Radiographs not needed exactly none, got a_foot_series"]
    _, problems = _case(tmp_path, ottawa, "  exactly: true\n  indicated: [a_ankle_series]\n  not_needed: [a_foot_series]\n"
                                          "  missing: []\n  cautions: []\n  contraindicated: []\n")
    assert problems == []


def test_without_exactly_an_empty_list_checks_nothing(tmp_path, ottawa):
    _, problems = _case(tmp_path, ottawa, "  not_needed: []\n  indicated: [a_ankle_series]\n")
    assert problems == []


def test_exactly_on_missing_facts(tmp_path, ottawa):
    facts = "facts:\n  age_years: 34\n  malleolar_zone_pain: true\n"
    _, problems = _case(tmp_path, ottawa, "  exactly: true\n  outcome: need_info\n  missing: []\n", facts)
    assert len(problems) == 1 and problems[0].startswith("expected missing facts exactly none, got ")


def test_exactly_must_be_true_or_false(tmp_path, ottawa):
    assert _refused(tmp_path, ottawa, "  exactly: yes\n") == (
        "c.yaml:9:12: 'exactly' of 'expected' of case 'c' must be true or false; got 'yes'")


def test_acr_keys_and_acr_ids_work_on_the_acr_scale(tmp_path):
    tiny = load_pathway(TINY)
    facts = "facts: {pain: false}\n"
    _, problems = _case(tmp_path, tiny, "  usually_appropriate: [a_rest]\n  UNA: [a_cement]\n", facts)
    assert problems == []
    _, problems = _case(tmp_path, tiny, "  usually_appropriate: [a_cement]\n", facts)
    assert problems == ["expected usually appropriate: a_cement not in that list"]
    assert _refused(tmp_path, tiny, "  usualy_appropriate: [a_rest]\n", facts) == (
        "c.yaml:3:3: unknown key 'usualy_appropriate' in 'expected' of case 'c'; did you mean 'usually_appropriate'?")


@pytest.mark.parametrize("folder", ["ottawa-cases", "curb-65-cases"])
def test_the_bundled_example_cases_speak_their_own_scale(folder):
    paths = sorted((ROOT / "graphs" / "examples" / folder).glob("*.yaml"))
    assert len(paths) >= 7
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert "usually_" not in text and "may_be_" not in text, path.name


# ------------------------------------------------------------------ the case schema of a pathway


def _valid(schema: dict, text: str) -> list[str]:
    """The message an editor shows first for a case file (the best match), or none."""
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(_plain(parse_yaml(text, "case.yaml"))))
    return [jsonschema.exceptions.best_match(errors).message] if errors else []


def _plain(tree):
    """A located tree as plain JSON values (the validator wants dicts, lists and scalars)."""
    if isinstance(tree, dict):
        return {str(k): _plain(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_plain(v) for v in tree]
    return tree


def test_the_case_schema_of_a_pathway_knows_its_facts_domains_and_scale(ottawa):
    schema = case_schema(ottawa)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert _valid(schema, ANKLE + "expected: {exactly: true, indicated: [a_ankle_series], not_needed: []}\n") == []
    assert _valid(schema, "facts: {age_years: ten}\n") == ["'ten' is not of type 'integer', 'null'"]
    assert _valid(schema, "facts: {age_years: 121}\n") == ["121 is greater than the maximum of 120"]
    assert _valid(schema, "facts: {pregnant: yes}\n") == ["'yes' is not of type 'boolean', 'null'"]
    assert _valid(schema, "facts: {age_yeras: 3}\n") == [
        "Additional properties are not allowed ('age_yeras' was unexpected)"]
    assert _valid(schema, "facts: {}\nexpected: {usually_appropriate: [a_ankle_series]}\n") == [
        "Additional properties are not allowed ('usually_appropriate' was unexpected)"]
    assert _valid(schema, "facts: {}\nexpected: {terminal: V9}\n")[0].startswith("'V9' is not one of ")


def test_every_case_schema_key_has_hover_text(ottawa):
    case = case_schema(ottawa)["$defs"]["case"]
    assert all(p.get("description") for p in case["properties"].values())
    assert all(p.get("description") for p in case["properties"]["facts"]["properties"].values())
    expected = case["properties"]["expected"]["properties"]
    assert all(p.get("description") for p in expected.values())
    assert expected["indicated"]["description"] == "Actions the route must rate 'Radiographs indicated'."


def test_schema_command_writes_the_case_schema_of_a_pathway(capsys):
    import json

    assert main(["schema", "--file", "case", "--graph", str(OTTAWA)]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "vcfgraph case file of pathway ottawa-ankle"
    assert schema["$defs"]["case"]["properties"]["facts"]["properties"]["age_years"] == {
        "description": "How old is the patient? Unit: years. null: not known.",
        "type": ["integer", "null"], "minimum": 0, "maximum": 120}
    assert main(["schema", "--file", "pathway", "--graph", str(OTTAWA)]) == 2
    assert capsys.readouterr().err == "vcfgraph: error: --graph goes with --file case (the case files of that pathway)\n"


@pytest.mark.slow
def test_witness_files_of_another_scale_use_its_keys_and_match(tmp_path, ottawa, capsys):
    assert main(["check", str(OTTAWA), "--witness-dir", str(tmp_path)]) == 0
    text = (tmp_path / "path-005-V1_rules_apply.yaml").read_text(encoding="utf-8")
    assert ("  rules: [ankle_rule_positive, foot_rule_negative]\n  indicated: [a_ankle_series]\n"
            "  not_needed: [a_foot_series]\n") in text
    for path in sorted(tmp_path.glob("*.yaml")):
        for case in load_cases(ottawa, path):
            assert check_expected(trace(ottawa, case), case) == [], path.name
