"""Every bundled pathway (the VCF pathway, the Ottawa Ankle Rules and CURB-65 / CRB-65): clean
under check, every property proven, its case library matching with 100% coverage; the two examples
use the format's additions (definitions, counting, points, "not recorded" policies, their own
scales, dispositions) and never say "ACR" in a text report or on their sites; rating scales are
checked where they are read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vcfgraph import conditions as cm
from vcfgraph.analysis.coverage import coverage
from vcfgraph.analysis.checker import verify
from vcfgraph.cli import main
from vcfgraph.engine import check_expected, trace
from vcfgraph.errors import PathwayError
from vcfgraph.io.load import load_cases, load_pathway
from vcfgraph.scale import ACR_SCALE

ROOT = Path(__file__).resolve().parent.parent
OTTAWA = ROOT / "graphs" / "examples" / "ottawa-ankle.yaml"
OTTAWA_CASES = ROOT / "graphs" / "examples" / "ottawa-cases"
CURB65 = ROOT / "graphs" / "examples" / "curb-65.yaml"
CURB65_CASES = ROOT / "graphs" / "examples" / "curb-65-cases"
#: (pathway file, its case library)
BUNDLED = [
    pytest.param(ROOT / "graphs" / "vcf-management.yaml", ROOT / "cases", id="vcf"),
    pytest.param(OTTAWA, OTTAWA_CASES, id="ottawa", marks=pytest.mark.slow),
    pytest.param(CURB65, CURB65_CASES, id="curb65"),
]


def _cases(pathway, folder: Path):
    return [case for f in sorted(folder.glob("*.yaml")) for case in load_cases(pathway, f)]


@pytest.mark.parametrize("graph, folder", BUNDLED)
@pytest.mark.slow
def test_every_bundled_pathway_is_clean_proven_and_covered(graph, folder):
    pathway = load_pathway(graph)
    report = verify(pathway)
    assert [f for f in report.findings if f.severity != "info"] == []
    assert report.properties and {p.status for p in report.properties} == {"proven"}
    cases = _cases(pathway, folder)
    for case in cases:
        assert check_expected(trace(pathway, case), case) == [], case.id
    cov = coverage(pathway, cases)
    assert cov.errors == [] and cov.mismatches == []
    for kind in ("nodes", "edges", "ratings", "checks"):
        assert cov.uncovered(kind) == [], kind
        assert cov.pct(kind) == 100.0


def test_ottawa_uses_definitions_counting_and_policies():
    p = load_pathway(OTTAWA)
    assert {d.name for d in p.definitions} >= {"ankle_rule", "foot_rule", "cannot_bear_weight", "rules_do_not_apply"}
    assert any(isinstance(c, cm.AtLeast) for d in p.definitions for c in _walk(d.condition))
    assert sorted(f.name for f in p.facts if f.unknown is not None) == sorted([
        "pregnant", "intoxicated_or_uncooperative", "head_injury", "diminished_sensation", "multiple_painful_injuries",
        "isolated_skin_injury", "injury_over_10_days", "return_for_reassessment"])
    assert p.scale != ACR_SCALE and p.scale.ids() == ("indicated", "not_needed")
    assert {r.category for n in p.nodes for _, r in n.all_ratings()} == {"indicated", "not_needed"}


def _walk(cond):
    yield cond
    for item in cm.children(cond):
        yield from _walk(item)


@pytest.mark.slow
def test_ottawa_text_reports_never_say_acr(capsys):
    cases = [str(f) for f in sorted(OTTAWA_CASES.glob("*.yaml"))]
    assert main(["trace", *cases, "--graph", str(OTTAWA)]) == 0
    assert main(["check", str(OTTAWA)]) == 0
    assert main(["lookup", "ankle", "--graph", str(OTTAWA)]) == 0
    out = capsys.readouterr().out
    assert "ACR" not in out and "Usually appropriate" not in out
    assert "[indicated]  Ankle radiograph series [a_ankle_series]" in out
    assert "are not recorded; read as absent, a pathway assumption" in out


def _site_texts_without_acr(tmp_path: Path, graph: Path, cases: Path) -> dict[str, str]:
    """Build a pathway's site with its case library: a page per case, and no page, diagram or
    script of its own that speaks ACR's words. Returns those texts by path in the site."""
    out = tmp_path / "site"
    assert main(["site", "--graph", str(graph), "--cases", str(cases), "-o", str(out)]) == 0
    pages = sorted(p.name for p in (out / "cases").glob("*.html"))
    assert pages == sorted(f.stem + ".html" for f in cases.glob("*.yaml"))
    texts = {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in sorted(out.rglob("*"))
             if p.suffix in (".html", ".svg", ".js") and p.name not in ("twin.js", "site.js", "quiz.js")}
    for name, text in texts.items():
        for words in ("ACR", "Usually appropriate", "May be appropriate", "Usually not appropriate", "usually appropriate"):
            assert words not in text, f"{name} says {words!r}"
    return texts


@pytest.mark.subprocess
def test_ottawa_site_builds_and_never_says_acr(tmp_path, capsys):
    texts = _site_texts_without_acr(tmp_path, OTTAWA, OTTAWA_CASES)
    case = texts["cases/ankle-rule-lateral-tenderness.html"]
    # the scale's own names on badges and captions, never its ids (ACR keeps its UA / MBA / UNA)
    assert "<caption>Radiographs indicated</caption>" in case and "\u2714 Radiographs indicated</span>" in case
    assert "(indicated)" not in case and "\u2714 indicated</span>" not in case
    assert '"scale":{"acr":false' in texts["assets/pathway.js"]
    # the pathway page lists the facts read as absent when not recorded
    assert "pathway assumption" in texts["pathway.html"]


# --------------------------------------------------------------------------- CURB-65 / CRB-65

def test_curb65_is_a_points_score_with_dispositions_and_no_assumed_item():
    p = load_pathway(CURB65)
    points = {d.name: c for d in p.definitions for c in _walk(d.condition) if isinstance(c, cm.Points)}
    assert sorted(points) == ["crb65_1_or_more", "crb65_2_or_more", "crb65_3_or_more",
                              "curb65_2_or_more", "curb65_3_or_more", "curb65_4_or_more"]
    assert [c.threshold for c in points.values()] == [2, 3, 4, 1, 2, 3]
    assert all(len(c.items) == (5 if n.startswith("curb") else 4) for n, c in points.items())
    assert [f.name for f in p.facts if f.unknown is not None] == []  # no item of the score is ever assumed
    assert p.scale != ACR_SCALE and p.scale.ids() == ("suggested", "judgement", "not_suggested")
    actions = {n.id: n.modality for n in p.nodes if n.kind == "action"}
    assert set(actions.values()) == {"discharge", "observation", "referral", "consultation", "follow_up"}


def _curb(**facts):
    from vcfgraph.model import Case

    return trace(load_pathway(CURB65), Case("c", {"age_years": 50, "setting": "hospital", **facts}))


@pytest.mark.parametrize("facts, outcome, where", [
    # urea unknown, the four bedside items clear: a raised urea would give one point, still low
    ({"new_confusion": False, "respiratory_rate": 20, "systolic_bp": 120, "diastolic_bp": 80}, "variant", "V1_curb65_low"),
    # one bedside point (fast breathing): a raised urea would make two, so the urea is asked for
    ({"new_confusion": False, "respiratory_rate": 30, "systolic_bp": 120, "diastolic_bp": 80}, "need_info", "urea_above_7"),
    # three bedside points: 3 or 4 depends on the urea
    ({"new_confusion": True, "respiratory_rate": 30, "systolic_bp": 89}, "need_info", "urea_above_7"),
    # four bedside points settle the top band whatever the urea is
    ({"age_years": 65, "new_confusion": True, "respiratory_rate": 30, "systolic_bp": 89}, "variant", "V4_curb65_very_high"),
    # in the community the urea is never read, even when it is recorded as raised
    ({"setting": "community", "urea_above_7": True, "new_confusion": False, "respiratory_rate": 29, "systolic_bp": 90,
      "diastolic_bp": 61}, "variant", "V5_crb65_low"),
])
def test_an_unknown_urea_stops_the_walk_only_when_it_could_change_the_band(facts, outcome, where):
    route = _curb(**facts)
    assert route.outcome == outcome
    assert (route.terminal if outcome == "variant" else [m.fact for m in route.missing]) == (
        where if outcome == "variant" else [where])
    assert route.assumed == ()


def test_reading_an_unknown_urea_as_normal_breaks_the_urea_properties(tmp_path):
    """The safety properties about urea are not vacuous: a "not recorded" policy that reads an
    unknown urea as normal (the harmful direction) is refuted with a counterexample."""
    text = CURB65.read_text(encoding="utf-8")
    assert text.count("    label: raised urea\n") == 1
    mutant = tmp_path / "curb-65.yaml"
    mutant.write_text(text.replace("    label: raised urea\n", "    label: raised urea\n    unknown: absent\n"),
                      encoding="utf-8")
    results = {r.property.id: r for r in verify(load_pathway(mutant)).properties}
    broken = sorted(i for i, r in results.items() if r.status == "violated")
    assert broken == ["unknown_urea_never_lowers_the_band", "unknown_urea_never_lowers_the_band_at_two"]
    example = results["unknown_urea_never_lowers_the_band"]
    assert "urea_above_7" not in example.counterexample and example.outcome == "variant V1_curb65_low"


def test_curb65_text_reports_never_say_acr(capsys):
    cases = [str(f) for f in sorted(CURB65_CASES.glob("*.yaml"))]
    assert main(["trace", *cases, "--graph", str(CURB65)]) == 0
    assert main(["check", str(CURB65)]) == 0
    assert main(["lookup", "admission", "--graph", str(CURB65)]) == 0
    out = capsys.readouterr().out
    assert "ACR" not in out and "Usually appropriate" not in out and "usually appropriate" not in out
    assert re.search(r"\[suggested\] +Critical care assessment \[a_critical_care_assessment\] \(confirmed; S3\)", out)
    assert "Not suggested by the score\n    [not_suggested] Treatment at home" in out
    assert "Missing fact: urea_above_7" in out


@pytest.mark.subprocess
def test_curb65_site_builds_and_never_says_acr(tmp_path, capsys):
    texts = _site_texts_without_acr(tmp_path, CURB65, CURB65_CASES)
    case = texts["cases/curb65-five-shocked.html"]
    assert "<caption>Suggested by the score</caption>" in case and "(suggested)" not in case
    assert '"scale":{"acr":false' in texts["assets/pathway.js"]


# --------------------------------------------------------------------------- rating scales

SCALE = """\
pathway: {id: s, title: Scale test, entry: V1}
sources: {S1: A source}
rating_scale:
  name: Test scale
  score: {min: 0, max: 10}
  categories:
    - {id: yes_do, name: Do it, role: favoured, band: [6, 10]}
    - {id: no_do, name: Do not, role: disfavoured, band: [0, 5]}
  radiation: ["O", "R1"]
facts: {}
nodes:
  - id: V1
    kind: variant
    label: V1
    ratings:
      - {action: a1, category: yes_do, score: 8, radiation: "R1", confidence: confirmed, sources: [S1]}
      - {action: a2, category: no_do, confidence: confirmed, sources: [S1]}
  - {id: a1, kind: action, modality: imaging, label: A one, radiation: "R1 (one view)"}
  - {id: a2, kind: action, modality: imaging, label: A two}
"""


def _load(tmp_path: Path, text: str):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return load_pathway(path)


def test_a_declared_scale_gives_names_roles_and_lists(tmp_path):
    p = _load(tmp_path, SCALE)
    route = trace(p, load_cases_from(tmp_path, p))
    assert route.recommendations()["usually_appropriate"] == ("a1",)
    assert route.recommendations()["usually_not_appropriate"] == ("a2",)
    assert route.radiation() == (("a1", "R1"),)


def load_cases_from(tmp_path: Path, pathway):
    path = tmp_path / "c.yaml"
    path.write_text("id: c\nfacts: {}\n", encoding="utf-8")
    return load_cases(pathway, path)[0]


@pytest.mark.parametrize("old, new, message", [
    ('radiation: "R1", confidence', 'radiation: "low", confidence',
     "s.yaml:16:61: radiation 'low' of rating 1 of node 'V1' is not a level of the relative radiation scale (O, R1"),
    ("category: no_do,", "category: no_da,", "s.yaml:17:32: 'category' of rating 2 of node 'V1' must be one of yes_do, no_do; got 'no_da'; did you mean 'no_do'?"),
    ("score: 8,", "score: 3,", "score 3 does not fit category yes_do (6-10)"),
    ("role: disfavoured", "role: favoured", "role 'favoured' already has a category"),
    ("band: [0, 5]", "band: [0, 50]", "'band' of category 2 of 'rating_scale' must be [low, high] within the score range 0-10"),
    ("  score: {min: 0, max: 10}\n", "", "has a band, but the scale declares no 'score' range"),
])
def test_scale_mistakes_are_located(tmp_path, old, new, message):
    assert old in SCALE
    with pytest.raises(PathwayError) as info:
        _load(tmp_path, SCALE.replace(old, new))
    assert message in str(info.value)


def test_radiation_outside_the_acr_scale_is_rejected(tmp_path):
    tiny = (ROOT / "tests" / "data" / "tiny.yaml").read_text(encoding="utf-8")
    assert 'label: MRI, radiation: "O"' in tiny
    with pytest.raises(PathwayError, match="radiation 'low' of node 'a_mri' is not a level of the relative radiation scale"):
        _load(tmp_path, tiny.replace('label: MRI, radiation: "O"', 'label: MRI, radiation: "low"'))


@pytest.mark.slow
@pytest.mark.parametrize("graph", [OTTAWA, CURB65], ids=["ottawa", "curb65"])
def test_batch_agrees_with_trace_over_the_example_case_spaces(graph):
    """The compiled masks (counting, points, named conditions, 'unknown: absent') give what trace
    gives at every region of the case space the checker walks, with random cases inside each."""
    from tests.casespace import region_points
    from vcfgraph.batch.compile import Evaluator, compile_pathway
    from vcfgraph.batch.results import result_from_route
    from vcfgraph.model import Case

    pathway = load_pathway(graph)
    points = region_points(pathway, draws=30)
    assert len(points) > 200
    results, errors = Evaluator(compile_pathway(pathway)).evaluate_facts(points)
    got = [errors.get(i, r) for i, r in enumerate(results)]
    expected = [result_from_route(trace(pathway, Case("c", dict(p)))) for p in points]
    mismatches = [(p, g, e) for p, g, e in zip(points, got, expected) if g != e]
    assert not mismatches, f"{len(mismatches)} of {len(points)} differ; first: {mismatches[0]}"
    assert {e.outcome for e in expected} == {"variant", "handoff", "need_info"}


def test_a_pathway_that_rates_no_imaging_says_nothing_of_radiation(render_curb65_site: Path) -> None:
    from vcfgraph.report import route_text

    curb = load_pathway(CURB65)
    case = load_cases(curb, CURB65_CASES / "curb65-two-raised-urea.yaml")[0]
    assert "adiation" not in route_text(trace(curb, case), curb, case)
    page = (render_curb65_site / "cases" / "curb65-two-raised-urea.html").read_text(encoding="utf-8")
    assert "Radiation of the" not in page and "adds radiation" not in page
    # nor do its rating tables have a Radiation column, or a Score column on a scale without scores
    assert 'data-label="Radiation"' not in page and 'data-label="Score"' not in page and 'data-label="Confidence"' in page
    vcf_page = (ROOT / "renders" / "cases" / "vcf-001.html").read_text(encoding="utf-8")
    assert '<th scope="col">Score</th><th scope="col">Radiation</th>' in vcf_page
    ottawa = load_pathway(ROOT / "graphs" / "examples" / "ottawa-ankle.yaml")  # imaging rated: still said
    ankle = trace(ottawa, load_cases(ottawa, sorted((ROOT / "graphs" / "examples" / "ottawa-cases").glob("*.yaml"))[0])[0])
    assert "Radiation of the imaging rated" in route_text(ankle, ottawa)


def test_lookup_fits_its_columns_to_the_pathway(capsys) -> None:
    assert main(["lookup", "--graph", str(CURB65), "a_home_treatment"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].rstrip() == f"  {'variant':<46} {'cat.':<13} {'confidence':<10} sources"
    assert lines[4] == f"  {'V2_curb65_intermediate':<46} not_suggested inferred   S3, S4  <- INFERRED"
