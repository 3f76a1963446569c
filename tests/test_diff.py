"""``vcfgraph diff``: behavioural changes with witnesses that really differ, and structural changes."""

from __future__ import annotations

import json
from itertools import product
from pathlib import Path

import pytest

from vcfgraph.analysis.diff import Result, _signature, diff, diff_text, diff_to_dict
from vcfgraph.analysis.regions import domains_of, merge_facts
from vcfgraph.analysis.witness import as_case
from vcfgraph.cli import main
from vcfgraph.engine import trace
from vcfgraph.errors import RouteError
from vcfgraph.io.load import DEFAULT_GRAPH, load_pathway
from vcfgraph.model import Case, Pathway

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
GOLDEN = ROOT / "tests" / "golden" / "analysis" / "diff"
MUTANTS = sorted((DATA / "mutants").glob("*.yaml"))
V6_AUGMENTATION = "V6_tx_symptomatic_osteoporotic_vcf_acute->percutaneous_vertebral_augmentation"
V5_EDGE = "q_benign_asym_acute->V5_tx_asymptomatic_osteoporotic_vcf"


def result_of(pathway: Pathway, facts) -> Result:
    """The engine's result for a case, in the diff's terms."""
    try:
        route = trace(pathway, Case("probe", facts), validate=False)  # facts of the other version too
    except RouteError as exc:
        text = str(exc)
        kind = "overlap" if "both hold" in text else "gap" if "no answer" in text else "cycle"
        return Result(kind, exc.node)
    if route.outcome == "need_info":
        return Result("need_info", route.steps[-1].node)
    if route.outcome == "handoff":
        return Result("handoff", route.terminal or "")
    actions = {r.action: r.category for r in route.ratings}
    actions.update({c.action: "contraindicated" for c in route.contraindicated})
    return Result("variant", route.terminal or "", tuple(sorted(actions.items())))


@pytest.fixture(scope="module")
def revised(tmp_path_factory) -> Path:
    """The bundled pathway with one rating (V6 augmentation UA -> MBA) and one condition
    (V5 only when acute features are known to be absent) changed."""
    text = DEFAULT_GRAPH.read_text(encoding="utf-8")
    head, tail = text.split("  - id: V6_tx", 1)
    rating = "      - {action: percutaneous_vertebral_augmentation, category: UA,"
    assert rating in tail
    tail = tail.replace(rating, rating.replace("UA,", "MBA,"), 1)
    condition = "        when: {fact: imaging_acute_features, in: [false, null]}"
    assert (head + tail).count(condition) == 1
    text = (head + "  - id: V6_tx" + tail).replace(condition, "        when: {fact: imaging_acute_features, eq: false}")
    path = tmp_path_factory.mktemp("diff") / "revised.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.slow
def test_one_rating_and_one_condition_changed(revised: Path, bundled, update_goldens: bool) -> None:
    new = load_pathway(revised)
    report = diff(bundled, new)
    assert [str(s) for s in report.structural] == [
        f"answer changed: {V5_EDGE} (condition: imaging_acute_features is false or not known -> imaging_acute_features is false)",
        f"rating changed: {V6_AUGMENTATION} (category: UA -> MBA)",
    ]
    summary = [(c.before.outcome, c.before.node, c.after.outcome, c.after.node, tuple(c.action_changes()))
               for c in report.changes]
    assert summary == [
        ("variant", "V5_tx_asymptomatic_osteoporotic_vcf", "need_info", "q_benign_asym_acute", ()),
        ("variant", "V6_tx_symptomatic_osteoporotic_vcf_acute", "variant", "V6_tx_symptomatic_osteoporotic_vcf_acute",
         ("percutaneous_vertebral_augmentation: UA -> MBA",)),
    ]
    for change in report.changes:
        case = as_case(bundled, change.witness).facts
        assert result_of(bundled, case) == change.before
        assert result_of(new, case) == change.after
        assert trace(bundled, Case("w", case)).edges() == change.old_path
    text = diff_text(report, bundled, new, "graphs/vcf-management.yaml", "revised.yaml")
    golden = GOLDEN / "bundled-revised.txt"
    if update_goldens:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert text == golden.read_text()


@pytest.mark.slow
def test_a_pathway_does_not_differ_from_itself(bundled, capsys) -> None:
    report = diff(bundled, bundled)
    assert (report.changes, report.structural, report.exit_code) == ([], [], 0)
    assert main(["diff", str(DEFAULT_GRAPH), str(DEFAULT_GRAPH)]) == 0
    assert "Behavioural changes: 0" in capsys.readouterr().out


@pytest.mark.parametrize("path", MUTANTS, ids=lambda p: p.stem)
def test_changes_match_every_case_of_tiny_against_each_mutant(path: Path, tiny) -> None:
    """Over the whole case space: a case changes iff some reported change has its signature,
    and every witness changes exactly as reported."""
    new = load_pathway(path)
    report = diff(tiny, new)
    doms = domains_of(merge_facts(tiny.facts, new.facts))
    seen = set()
    for combo in product(*doms.values()):
        facts = dict(zip(doms, combo))
        before, after = result_of(tiny, facts), result_of(new, facts)
        if before != after:
            seen.add(_signature(before, after))
    assert seen == {_signature(c.before, c.after) for c in report.changes}
    for change in report.changes:
        facts = {name: change.witness.get(name) for name in doms}
        assert (result_of(tiny, facts), result_of(new, facts)) == (change.before, change.after)


def test_structural_changes_of_mutants(tiny) -> None:
    def changes(name: str) -> list[str]:
        return [str(s) for s in diff(tiny, load_pathway(DATA / "mutants" / f"{name}.yaml")).structural]

    assert changes("removed-edge") == ["answer removed: q_pain->V_quiet"]
    assert changes("unused-fact") == ["fact added: smoker"]
    assert changes("violated-never-recommends") == ["rating changed: V_quiet->a_cement (category: UNA -> MBA, score: 2 -> 5)"]
    assert changes("unreached-handoff") == ["node added: H_unused"]


@pytest.mark.slow
def test_cli_json_and_exit_codes(revised: Path, capsys) -> None:
    assert main(["diff", str(DEFAULT_GRAPH), str(revised), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [c["actions"] for c in data["behavioural"]] == [[], ["percutaneous_vertebral_augmentation: UA -> MBA"]]
    assert data["behavioural"][1]["before"]["usually_appropriate"] == ["medical_management_only", "percutaneous_vertebral_augmentation"]
    assert [s["id"] for s in data["structural"]] == [V5_EDGE, V6_AUGMENTATION]
    assert main(["diff", str(DEFAULT_GRAPH), str(DATA / "missing.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.slow
def test_diff_to_dict_is_plain_data(revised: Path, bundled) -> None:
    data = diff_to_dict(diff(bundled, load_pathway(revised)), "a.yaml", "b.yaml")
    assert json.loads(json.dumps(data)) == data


# --------------------------------------------------------------------------- ranges of whole-number facts


def _moved_cut(tmp_path: Path) -> Path:
    """tiny with the 'several levels' cut moved from 2 to 4: levels 2 and 3 now stay in V_sore."""
    text = (DATA / "tiny.yaml").read_text(encoding="utf-8")
    for old, new in (("max: 24, cuts: [2]", "max: 24, cuts: [4]"), ("{fact: levels, ge: 2}", "{fact: levels, ge: 4}")):
        assert text.count(old) == 1
        text = text.replace(old, new)
    path = tmp_path / "tiny-cut-4.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_moved_cut_is_reported_as_the_range_of_values_that_move(tmp_path, tiny, update_goldens, capsys) -> None:
    moved = _moved_cut(tmp_path)
    report = diff(tiny, load_pathway(moved))
    [change] = report.changes
    assert [(r.fact, r.intervals, r.words) for r in change.ranges] == [("levels", ((2, 3),), "2 to 3")]
    text = diff_text(report, tiny, load_pathway(moved), "tiny.yaml", "tiny-cut-4.yaml")
    assert "     range: levels 2 to 3 (other facts as in the witness case)\n     witness case: pain = true, levels = 2\n" in text
    golden = GOLDEN / "tiny-cut-moved.txt"
    if update_goldens:
        golden.write_text(text)
    assert text == golden.read_text()
    assert main(["diff", str(DATA / "tiny.yaml"), str(moved), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)["behavioural"][0]
    assert data["witness"] == {"pain": True, "levels": 2}  # the existing fields stay as they were
    assert data["ranges"] == [{"fact": "levels", "intervals": [[2, 3]], "words": "2 to 3"}]


_AGES = """\
pathway: {{id: ages, title: Ages, version: "1", entry: q_age}}
sources: {{S1: A source}}
facts:
  age_years: {{type: int, min: 0, max: 120, cuts: [{cut}], unit: years}}
nodes:
  - {{id: q_age, kind: question, label: Young?, answers: [{{label: young, to: V2, when: {{fact: age_years, lt: {cut}}}}},
                                                        {{label: older, to: V3, when: {{fact: age_years, ge: {cut}}}}}]}}
  - {{id: V2, kind: variant, label: V2 young, ratings: [{{action: x, category: UA, confidence: confirmed, sources: [S1]}}]}}
  - {{id: V3, kind: variant, label: V3 older, ratings: [{{action: x, category: MBA, confidence: confirmed, sources: [S1]}}]}}
  - {{id: x, kind: action, label: X, modality: imaging}}
"""


def _ages(tmp_path: Path, cut: int) -> Pathway:
    path = tmp_path / f"ages-{cut}.yaml"
    path.write_text(_AGES.format(cut=cut), encoding="utf-8")
    return load_pathway(path)


def test_ages_that_move_read_as_a_range_with_the_unit(tmp_path) -> None:
    old, new = _ages(tmp_path, 50), _ages(tmp_path, 18)
    text = diff_text(diff(old, new), old, new, "old.yaml", "new.yaml")
    assert ("  1. variant V2 -> variant V3\n"
            "     range: age_years 18 to 49 years (other facts as in the witness case)\n"
            "     witness case: age_years = 18\n") in text
    back = diff_text(diff(new, old), new, old, "new.yaml", "old.yaml")
    assert "  1. variant V3 -> variant V2\n     range: age_years 18 to 49 years (other facts as in the witness case)\n" in back


def test_range_words() -> None:
    from vcfgraph.analysis.diff import range_words
    from vcfgraph.model import Fact

    age = Fact("age_years", "int", min=0, max=120, cuts=(18, 50), unit="years")
    assert range_words(age, [(0, 17)]) == "under 18 years"
    assert range_words(age, [(50, 120)]) == "50 years or over"
    assert range_words(age, [(18, 49)]) == "18 to 49 years"
    assert range_words(age, [(18, 18)]) == "18 years"
    assert range_words(age, [(0, 120)]) == "0 to 120 years (any known value)"
    assert range_words(age, [(0, 17), (50, 120)]) == "under 18 years or 50 years or over"
    levels = Fact("levels", "int", min=1, max=24, cuts=(2,))
    assert range_words(levels, [(3, 24)]) == "3 or over"


@pytest.mark.parametrize("path", MUTANTS, ids=lambda p: p.stem)
def test_every_value_of_a_reported_range_changes_so_and_no_value_outside_does(path: Path, tiny, tmp_path) -> None:
    """Along each reported range, with the witness's other facts kept: every whole number inside
    changes with the change's signature, every one outside (and in the domain) does not."""
    pairs = [(tiny, load_pathway(path)), (tiny, load_pathway(_moved_cut(tmp_path)))]
    checked = 0
    for old, new in pairs:
        facts = {f.name: f for f in merge_facts(old.facts, new.facts)}
        for change in diff(old, new).changes:
            want = _signature(change.before, change.after)
            for r in change.ranges:
                fact = facts[r.fact]
                assert fact.min is not None and fact.max is not None
                for value in range(fact.min, fact.max + 1):
                    case = {name: None for name in facts} | dict(change.witness) | {r.fact: value}
                    before, after = result_of(old, case), result_of(new, case)
                    inside = any(low <= value <= high for low, high in r.intervals)
                    assert (before != after and _signature(before, after) == want) == inside, (r, value)
                    checked += 1
    assert checked > 0
