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
