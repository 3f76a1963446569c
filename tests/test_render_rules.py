"""A variant's rules that fire together, drawn and shown: the diagram's rule rows and their route
states, the SVG overlay's words, and the site's rules (tests/data/rules/two-rules.yaml, Ottawa).

Exact texts throughout: a rule row must say what the rule is and when it holds, a case must say
which rules held, which did not, and why, in the engine's words.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vcfgraph.engine import trace
from vcfgraph.io.load import load_pathway
from vcfgraph.model import Case, Pathway
from vcfgraph.render import html, ids, svg
from vcfgraph.render.dot import pathway_dot, route_dot
from vcfgraph.render.states import route_states
from vcfgraph.render.twin import route_data

HERE = Path(__file__).resolve().parent
TWO = HERE / "data" / "rules" / "two-rules.yaml"
OTTAWA = HERE.parent / "graphs" / "examples" / "ottawa-ankle.yaml"
#: knee pain, a frail 70-year-old: the knee rule and the hip rule hold, the knee-negative rule does not
BOTH = {"in_scope": True, "knee_pain": True, "age_years": 70, "frail": True}
#: knee pain, hip not examined and age not known: the hip rule waits
WAIT = {"in_scope": True, "knee_pain": True}


@pytest.fixture(scope="module")
def two() -> Pathway:
    return load_pathway(TWO)


def _route(pathway: Pathway, facts: dict) -> object:
    return trace(pathway, Case("c", facts))


def test_every_rule_and_every_rating_it_adds_has_a_row_with_a_stable_id(two):
    text = pathway_dot(two)
    declared = set(re.findall(r'\bID="([^"]+)"', text))
    assert {ids.row_id(e) for e, _v, _r in two.rating_edges()} <= declared
    assert {ids.rule_id("V_assess", r) for r in ("knee_rule", "hip_rule", "no_knee_rule")} <= declared
    assert ids.row_id("V_assess/hip_rule->a_rest") == "r-V_assess.2f.hip_rule--a_rest"
    assert ids.rule_id("V_assess", "hip_rule") == "ru-V_assess--hip_rule"
    # the rule's mark and label (an inferred rule carries its mark), its condition in words
    br = '<BR ALIGN="LEFT"/>'
    assert f"<B>\u2691 Hip rule positive \u25d0{br}</B>" in text
    assert "when hip_pain is true or (age_years is<BR" in text and "at least 65 and frail is true)<BR" in text
    assert f"<B>\u2691 Knee rule positive{br}</B>" in text and f"when knee_pain is true{br}" in text
    assert 'TOOLTIP="Rule knee_rule: Knee rule positive, when knee_pain is true"' in text
    assert f"<I>\u2691 Rules: each adds its rows when it holds;{br}all that hold apply{br}</I>" in text
    assert "\u2691 Rule row: a rule of the box and when it holds (in words);" in text  # the legend says so


def test_a_pathway_without_rules_has_no_rule_rows_nor_legend_line(tiny):
    text = pathway_dot(tiny)
    assert "\u2691" not in text and 'ID="ru-' not in text


def test_route_states_mark_the_rules_by_what_they_did(two):
    states = route_states(two, _route(two, BOTH))
    assert states.rules == {"ru-V_assess--knee_rule": "on", "ru-V_assess--hip_rule": "on",
                            "ru-V_assess--no_knee_rule": "off"}
    assert states.rule_words["ru-V_assess--no_knee_rule"] == "\u2718 does not hold"
    assert states.rows == {"r-V_assess--a_exam": "on", "r-V_assess.2f.knee_rule--a_knee_xray": "on",
                           "r-V_assess.2f.hip_rule--a_hip_xray": "on", "r-V_assess.2f.hip_rule--a_rest": "on",
                           "r-V_assess.2f.no_knee_rule--a_knee_xray": "off"}
    wait = route_states(two, _route(two, WAIT))
    assert wait.node("V_assess") == "stop" and wait.node("q_in_scope") == "on"
    assert wait.rules == {"ru-V_assess--knee_rule": "on", "ru-V_assess--hip_rule": "stop",
                          "ru-V_assess--no_knee_rule": "off"}
    assert wait.rule_words["ru-V_assess--hip_rule"] == "? undecided"
    assert "r-V_assess.2f.knee_rule--a_knee_xray" not in wait.rows  # nothing is rated before every rule is settled


def test_the_route_dot_writes_the_rule_states_in_words_and_colours_only(two):
    base, case = pathway_dot(two), route_dot(two, _route(two, BOTH))
    assert "<B>\u2714 holds</B>" in case and "<B>\u2718 does not hold</B>" in case
    assert "holds</B>" not in base and base.count("<B> </B>") == 3  # the same cell, empty, in the base layout


@pytest.mark.usefixtures("render_need_dot")
def test_the_overlay_marks_the_rules_and_says_their_state(two):
    from vcfgraph.cli.graphviz_run import run_dot

    layout = run_dot(pathway_dot(two), "svg")
    root = svg.restyle(layout, two, route_states(two, _route(two, BOTH)))
    groups = {g.get("id"): set(g.get("class", "").split()) for g in root.iter(f"{{{svg.SVG_NS}}}g") if g.get("id")}
    assert {"vg-rule", "vg-rule-on"} <= groups["a_ru-V_assess--knee_rule"]
    assert {"vg-rule", "vg-rule-off"} <= groups["a_ru-V_assess--no_knee_rule"]
    assert {"vg-row", "vg-row-off"} <= groups["a_r-V_assess.2f.no_knee_rule--a_knee_xray"]
    assert {"vg-row", "vg-row-on"} <= groups["a_r-V_assess.2f.hip_rule--a_rest"]
    words = [t.text for t in root.iter(f"{{{svg.SVG_NS}}}text") if "vg-rule-state" in t.get("class", "")]
    assert words == ["\u2714 holds", "\u2714 holds", "\u2718 does not hold"]
    assert svg.node_boxes(root) == svg.node_boxes(layout)  # the base layout, untouched
    wait = svg.restyle(layout, two, route_states(two, _route(two, WAIT)))
    words = [t.text for t in wait.iter(f"{{{svg.SVG_NS}}}text") if "vg-rule-state" in t.get("class", "")]
    assert words == ["\u2714 holds", "? undecided", "\u2718 does not hold"]
    # the colours-only DOT of a route lays out exactly as the base
    assert svg.node_boxes(run_dot(route_dot(two, _route(two, BOTH)), "svg")) == svg.node_boxes(layout)


# ------------------------------------------------------------------ the site's pages


def _text(page: str) -> str:
    """A page's words as a reader sees them: no markup, entities decoded, spaces collapsed."""
    import html as htmllib

    page = re.sub(r"<style.*?</style>|<script.*?</script>", "", page, flags=re.S)
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", page)))


def _case_page(pathway: Pathway, facts: dict) -> str:
    from vcfgraph.render import site

    case = Case("c", facts)
    return _text(site.case_page(pathway, site.CaseRender(case, trace(pathway, case))))


def test_the_variant_page_shows_each_rule_in_words_with_its_ratings(two):
    from vcfgraph.render import site

    text = _text(site.pathway_page(two, ""))
    assert ("Its own ratings, always given: Assess the joints Action Category Radiation Confidence Sources Note "
            "Examination \u2714 Do it not given \u25cf confirmed S1 "
            "\u2691 Rules: each rule adds its ratings when it holds; every rule that holds applies, all together. "
            "\u2691 Rule: Knee rule positive [ knee_rule ] Holds when knee_pain is true ( S1 ) "
            "Ratings this rule adds when it holds") in text
    assert ("\u2691 Rule: Hip rule positive [ hip_rule ] Holds when hip_pain is true or (age_years is at least 65 and "
            "frail is true) \u25d0 inferred ( S1 ) Ratings this rule adds when it holds Action Category Radiation "
            "Confidence Sources Note Hip radiograph \u2714 Do it \u2622 \u25cf confirmed S1 "
            "Rest \u00b1 Could do it not given \u25d0 inferred S1") in text
    # the card of an action says which rule of which variant rates it
    cards = html.node_cards(two)
    knee = next(c for c in cards if c["id"] == "a_knee_xray")["rated_by"]
    assert [(r["variant"], r["rule"], r["category"]) for r in knee] == [("V_assess", "Knee rule positive", "UA"),
                                                                         ("V_assess", "Knee rule negative", "UNA")]


def test_the_ottawa_page_says_what_each_named_condition_of_a_rule_means():
    from vcfgraph.render import site

    ottawa = load_pathway(OTTAWA)
    text = _text(site.pathway_page(ottawa, ""))
    assert ("\u2691 Rule: Ankle rule positive [ ankle_rule_positive ] Holds when ankle_rule holds ( S2 ) "
            "ankle_rule means: malleolar_zone_pain is true and (at least 1 of: tender_lateral_malleolus is true; "
            "tender_medial_malleolus is true; cannot_bear_weight holds) "
            "cannot_bear_weight means: bears_weight_four_steps is false "
            "Malleolar zone pain with bone tenderness at either malleolus, or inability to bear weight.") in text
    assert "Ratings of V1" not in text and "Its own ratings" not in text  # no own ratings: no empty table


def test_a_case_page_shows_which_rules_held_which_did_not_and_why(two):
    text = _case_page(two, BOTH)
    assert ("The rules of this clinical scenario Each rule adds its ratings when it holds; every rule that holds "
            "applies, all together. "
            "\u2714 holds Knee rule positive: holds (knee_pain is true). [ knee_rule ; S1 ] "
            "\u2714 holds Hip rule positive: holds (age_years is 70 (is at least 65: yes) and frail is true). "
            "[ hip_rule ; inferred; S1 ] "
            "\u2718 does not hold Knee rule negative: does not hold (knee_pain is true). [ no_knee_rule ; S1 ]") in text
    assert "Knee radiograph \u2714 Do it \u2622 \u25cf confirmed S1 \u2691 by the rule \u201cKnee rule positive\u201d" in text
    assert "Rest \u00b1 Could do it not given \u25d0 inferred S1 \u2691 by the rule \u201cHip rule positive\u201d" in text
    assert "Examination \u2714 Do it not given \u25cf confirmed S1 Knee" in text  # the variant's own: no rule named


def test_need_info_at_a_variant_s_rules_reads_as_such(two):
    text = _case_page(two, WAIT)
    assert ("Outcome: the route reached Assess the joints, but its rules cannot all be settled yet: more information "
            "is needed before anything is rated. Missing: hip_pain . Is there hip pain? (true, false or null (not known))") in text
    assert "Assess the joints \u2192 its rules cannot all be settled yet Facts read:" in text
    assert "Cannot settle its rules yet: hip_pain is not known." in text
    assert ("A rule that reads a fact nobody recorded is undecided, and nothing is rated until every rule is settled. "
            "\u2714 holds Knee rule positive: holds (knee_pain is true). [ knee_rule ; S1 ] "
            "? undecided Hip rule positive: undecided (hip_pain is not known). [ hip_rule ; inferred; S1 ]") in text
    assert "Assess the joints rules not settled yet Needs information hip_pain" in text  # the route at a glance
    assert "Still possible" not in text and "Recommendations" not in text


def test_the_legend_explains_rule_rows_only_where_there_are_rules(two, tiny):
    from vcfgraph.render.parts import parts

    def words(tree) -> str:
        return "".join(words(c) if isinstance(c, list) else c for c in tree[2:]) if isinstance(tree, list) else tree

    legend = words(parts(two)["legend"])
    assert ("\u2691 Rule row inside a box: a rule and, in words, when it holds; the rows under it are the ratings it "
            "adds. Every rule that holds applies, all together") in legend
    assert ("\u2691 a rule row says how the rule came out: \u2714 holds (outlined; its rows are this case's ratings), "
            "\u2718 does not hold (faded, with its rows), ? undecided (dashed: a fact it reads is not known)") in legend
    assert "\u2691" not in words(parts(tiny)["legend"])


def test_the_twin_data_and_the_route_data_carry_the_rules(two):
    from vcfgraph.render.twin import FORMAT, pathway_data

    data = pathway_data(two)
    assert data["format"] == FORMAT == 3
    variant = next(n for n in data["nodes"] if n["id"] == "V_assess")
    assert [r["id"] for r in variant["rules"]] == ["knee_rule", "hip_rule", "no_knee_rule"]
    assert variant["rules"][0]["when"] == {"fact": "knee_pain", "op": "eq", "value": True}
    assert [r["action"] for r in variant["rules"][1]["ratings"]] == ["a_hip_xray", "a_rest"]
    assert "rules" not in next(n for n in pathway_data(load_pathway(HERE / "data" / "tiny.yaml"))["nodes"]
                               if n["kind"] == "variant")
    got = route_data(_route(two, WAIT))
    assert got["rules"][1] == {"rule": "hip_rule", "label": "Hip rule positive", "state": "undecided",
                               "explanation": "Hip rule positive: undecided (hip_pain is not known).", "facts": ["hip_pain"]}
    assert got["rating_edges"] == [] and got["possible"] == ["V_assess"] and got["missing"] == ["hip_pain"]
