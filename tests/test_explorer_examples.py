"""The example pathways' sites in real Chromium: every case page shows Python's result, and the
explorer walks each example's own kind of condition (Ottawa: named conditions, counting and "not
recorded" policies; CURB-65: points, and a stop for an unknown urea) in the scale's own words.
The bundled VCF site's explorer is tested in tests/test_explorer.py, whose helpers this file uses.
"""

from __future__ import annotations

import json
from urllib.parse import quote

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
