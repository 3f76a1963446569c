"""The example pathways' sites in real Chromium: every case page shows Python's result, and the
explorer walks each example's own kind of condition (Ottawa: named conditions, counting and "not
recorded" policies; CURB-65: points, and a stop for an unknown urea) in the scale's own words.
The bundled VCF site's explorer is tested in tests/test_explorer.py, whose helpers this file uses.
"""

from __future__ import annotations

import json
from urllib.parse import quote, unquote

import pytest

from vcfgraph.engine import trace
from vcfgraph.io.load import load_cases
from vcfgraph.model import Case
from vcfgraph.render.ids import case_slug

from tests.test_browser import ROOT, Opened, browser  # noqa: F401 (fixture)
from tests.test_explorer import RESULT_JS, result_of

pytestmark = pytest.mark.browser


# ------------------------------------------------------------------ the second bundled pathway

OTTAWA = ROOT / "graphs" / "examples" / "ottawa-ankle.yaml"


def test_the_ottawa_site_runs_named_conditions_counting_and_assumptions(browser, render_ottawa_site):
    """Every Ottawa case page shows Python's result; the explorer walks to an outcome, says which
    facts it read as absent, and uses the pathway's own category names, never ACR's."""
    from vcfgraph.io.load import load_pathway
    pathway = load_pathway(OTTAWA)
    cases = [c for path in sorted((OTTAWA.parent / "ottawa-cases").glob("*.yaml")) for c in load_cases(pathway, path)]
    assert len(cases) >= 5
    for case in cases:
        opened = Opened(browser, render_ottawa_site / "cases" / f"{case_slug(case.id)}.html")
        assert opened.page.evaluate(RESULT_JS) == result_of(trace(pathway, case)), case.id
        assert opened.errors == [], case.id
        opened.close()
    facts = {"age_years": 40, "malleolar_zone_pain": True, "midfoot_zone_pain": False, "tender_lateral_malleolus": True}
    route = trace(pathway, Case("c", facts))
    assert route.outcome == "variant" and route.assumed  # the exclusions are not recorded: read as absent
    opened = Opened(browser, render_ottawa_site / "explore.html")
    page = opened.page
    page.goto((render_ottawa_site / "explore.html").as_uri() + "#facts=" + quote(json.dumps(facts)))
    page.reload()
    assert page.evaluate(RESULT_JS) == result_of(route)
    text = page.inner_text("main")
    assert "Pathway assumptions this result relies on" in text
    for n in route.assumed:  # the fact in words, as the pathway names it
        fact = pathway.fact(n)
        assert f"{fact.label or fact.question or n}: not recorded; read as absent" in text
    assert "ACR" not in text and "sually appropriate" not in text
    assert opened.errors == []
    opened.close()


RULE_WORDS_JS = """() => [...document.querySelectorAll('.vg-mount svg text.vg-rule-state')]
    .map(t => t.closest('g').id + ' ' + t.textContent + ' ' + t.getAttribute('x') + ' ' + t.getAttribute('y'))"""


def test_the_ottawa_rules_are_marked_on_every_case_page_as_python_marks_them(browser, render_ottawa_site):
    """A variant's rules that fire together: every case page marks each rule (holds / does not /
    undecided, in words at the same place) and the rows of a rule that does not hold exactly as
    Python's restyle does, and the explorer lists the rules with the engine's explanations."""
    from vcfgraph.cli.graphviz_run import run_dot
    from vcfgraph.io.load import load_pathway
    from vcfgraph.render import svg as svgmod
    from vcfgraph.render.dot import pathway_dot
    from vcfgraph.render.states import route_states
    from tests.test_explorer import CLASSES_JS, expected_classes

    pathway = load_pathway(OTTAWA)
    layout = run_dot(pathway_dot(pathway), "svg")
    cases = [c for path in sorted((OTTAWA.parent / "ottawa-cases").glob("*.yaml")) for c in load_cases(pathway, path)]
    states = set()
    for case in cases:
        route = trace(pathway, case)
        opened = Opened(browser, render_ottawa_site / "cases" / f"{case_slug(case.id)}.html")
        classes, _badges = expected_classes(pathway, layout, route)
        assert opened.page.evaluate(CLASSES_JS) == classes, case.id
        root = svgmod.restyle(layout, pathway, route_states(pathway, route))
        words = [f"{g.get('id')} {t.text} {t.get('x')} {t.get('y')}" for g in root.iter(f"{{{svgmod.SVG_NS}}}g")
                 for t in g.findall(f"{{{svgmod.SVG_NS}}}text") if t.get("class") == "vg-rule-state"]
        assert opened.page.evaluate(RULE_WORDS_JS) == words, case.id
        items = opened.page.locator("#vg-explorer li.rule-result").all_inner_texts()
        marks = {"holds": "\u2714 holds", "does_not_hold": "\u2718 does not hold", "undecided": "? undecided"}
        assert items == [f"\u2691 {marks[r.state]} {r.explanation}" for r in route.rules], case.id
        states |= {r.state for r in route.rules}
        assert opened.errors == [], case.id
        opened.close()
    assert states == {"holds", "does_not_hold", "undecided"}
    opened = Opened(browser, render_ottawa_site / "cases" / "ankle-rule-lateral-tenderness.html")
    # answering a fact a rule reads moves the rules: midfoot pain with nothing palpated leaves the
    # foot rules undecided, and the route waits at the variant, marked as Python marks it
    opened.page.select_option("#vg-f-midfoot_zone_pain", label="yes")
    facts = json.loads(unquote(opened.page.evaluate("() => location.hash")[len("#facts="):]))
    route = trace(pathway, Case("c", facts))
    assert facts["midfoot_zone_pain"] is True and route.outcome == "need_info" and route.rules
    classes, _badges = expected_classes(pathway, layout, route)
    assert opened.page.evaluate(CLASSES_JS) == classes
    assert opened.page.evaluate(RULE_WORDS_JS) == [
        f"{g.get('id')} {t.text} {t.get('x')} {t.get('y')}"
        for g in svgmod.restyle(layout, pathway, route_states(pathway, route)).iter(f"{{{svgmod.SVG_NS}}}g")
        for t in g.findall(f"{{{svgmod.SVG_NS}}}text") if t.get("class") == "vg-rule-state"]
    assert opened.page.inner_text("#vg-result").startswith(
        "Outcome: V1: the rules apply is reached, but its rules cannot all be settled yet: more information is needed. Next: ")
    assert "V1: the rules apply \u2192 its rules cannot all be settled yet" in opened.page.inner_text("#vg-explorer")
    opened.page.goto((render_ottawa_site / "cases" / "ankle-rule-lateral-tenderness.html").as_uri())
    text = opened.page.inner_text("#vg-explorer")
    assert "\u25a6 Ankle radiograph series (\u2691 by the rule Ankle rule positive)" in text  # modality icon, the rule
    assert "V1: the rules apply \u2192 the rules that hold: Ankle rule positive; Foot rule negative" in text
    opened.close()


# ------------------------------------------------------------------ the third bundled pathway

CURB65 = ROOT / "graphs" / "examples" / "curb-65.yaml"


def test_the_curb65_site_runs_points_and_asks_for_an_unknown_urea(browser, render_curb65_site):
    """Every CURB-65 case page shows Python's result; the explorer stops for the urea while a
    raised one could change the band, names it as the missing fact, and assumes nothing."""
    from vcfgraph.io.load import load_pathway
    pathway = load_pathway(CURB65)
    cases = [c for path in sorted((CURB65.parent / "curb-65-cases").glob("*.yaml")) for c in load_cases(pathway, path)]
    assert len(cases) >= 10
    for case in cases:
        opened = Opened(browser, render_curb65_site / "cases" / f"{case_slug(case.id)}.html")
        assert opened.page.evaluate(RESULT_JS) == result_of(trace(pathway, case)), case.id
        assert opened.errors == [], case.id
        opened.close()
    facts = {"age_years": 70, "setting": "hospital", "new_confusion": False, "respiratory_rate": 22,
             "systolic_bp": 136, "diastolic_bp": 82}
    route = trace(pathway, Case("c", facts))
    assert route.outcome == "need_info" and [m.fact for m in route.missing] == ["urea_above_7"] and not route.assumed
    opened = Opened(browser, render_curb65_site / "explore.html")
    page = opened.page
    page.goto((render_curb65_site / "explore.html").as_uri() + "#facts=" + quote(json.dumps(facts)))
    page.reload()
    assert page.evaluate(RESULT_JS) == result_of(route)
    text = page.inner_text("main")
    assert "Is the blood urea above 7 mmol/L?" in text
    assert "Pathway assumptions this result relies on" not in text
    assert "ACR" not in text and "sually appropriate" not in text
    assert opened.errors == []
    opened.close()
