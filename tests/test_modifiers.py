"""Rating modifiers ("favoured when"): reading, the engine's three states, the reports, the
checker, lookup, the site's tables, the service's text, fmt and the JSON Schema (issue 29)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from vcfgraph.analysis import verify
from vcfgraph.cli import main
from vcfgraph.conditions import Named, Test
from vcfgraph.engine import modifier_results, trace
from vcfgraph.errors import PathwayError
from vcfgraph.io.fmt import format_text
from vcfgraph.io.jsonschema import pathway_schema
from vcfgraph.io.load import load_pathway
from vcfgraph.model import Case, Modifier
from vcfgraph.render.html import rating_rows
from vcfgraph.report import route_to_dict
from vcfgraph.schemas import schema

DATA = Path(__file__).resolve().parent / "data"
FIXTURE = DATA / "modifiers" / "observe-or-ct.yaml"
BROKEN = DATA / "invalid" / "bad-modifiers.yaml"
HIGH = "Favoured when age_months is below 3 or several_findings holds or worsening is true"


@pytest.fixture(scope="module")
def pathway():
    return load_pathway(FIXTURE)


def _states(pathway, **facts) -> list[tuple[str, str, str, tuple[str, ...]]]:
    ct = pathway.node("V_choice").rating("a_ct")
    assert ct is not None
    return [(m.direction, m.state, m.explanation, m.facts) for m in modifier_results(ct, facts)]


# ------------------------------------------------------------------ reading


def test_modifiers_are_frozen_data_read_from_the_rating(pathway):
    ct = pathway.node("V_choice").rating("a_ct")
    assert ct is not None and len(ct.modifiers) == 3
    first = ct.modifiers[0]
    assert isinstance(first, Modifier) and first.direction == "favoured" and first.sources == ("S1",)
    assert first.reason == "CT is favoured for the youngest, several findings, or worsening."
    assert first.words == HIGH
    assert isinstance(first.when.items[1], Named) and first.when.items[1].name == "several_findings"
    with pytest.raises(AttributeError):
        first.direction = "disfavoured"  # type: ignore[misc]


def test_a_modifier_reads_recorded_facts_only(pathway):
    """worsening reads as false when not recorded (``unknown: false``) in answers; a modifier
    drops that policy, so an unrecorded fact leaves it undecided."""
    observe = pathway.node("V_choice").rating("a_observe")
    assert observe is not None
    test = observe.modifiers[0].when
    assert isinstance(test, Test) and test.assume is None


def test_every_bad_modifier_is_reported_at_its_place():
    with pytest.raises(PathwayError) as caught:
        load_pathway(BROKEN)
    got = [str(p).replace(str(BROKEN), BROKEN.name) for p in caught.value.problems]
    assert got == [
        "bad-modifiers.yaml:23:25: 'direction' of modifier 1 of rating 1 of node 'V_choice' must be one of favoured, "
        "disfavoured; got 'favored'; did you mean 'favoured'?",
        "bad-modifiers.yaml:24:48: condition on undeclared fact 'age_month'; did you mean 'age_months'? "
        "(in modifier 2 of rating 1 of node 'V_choice')",
        "bad-modifiers.yaml:25:59: value 'yes' is outside the domain of fact 'alert' (allowed: true, false or null "
        "(not known)); write true or false (YAML 1.2 reads yes, no, on and off as text) "
        "(in modifier 3 of rating 1 of node 'V_choice')",
        "bad-modifiers.yaml:26:64: threshold 2 of fact 'age_months' is not one of its cut points (3); add it to "
        "'cuts' (in modifier 4 of rating 1 of node 'V_choice')",
        "bad-modifiers.yaml:27:50: cannot use 'young': there is no 'definitions' section; add one that names this "
        "condition (in modifier 5 of rating 1 of node 'V_choice')",
        "bad-modifiers.yaml:28:13: modifier 6 of rating 1 of node 'V_choice' is missing the required key 'reason'",
        "bad-modifiers.yaml:29:97: unknown source key 'S9' in modifier 7 of rating 1 of node 'V_choice'; "
        "declare it under 'sources'",
        "bad-modifiers.yaml:30:93: 'modifiers' of rating 2 of node 'V_choice' must be a list, got a mapping",
    ]


def test_fmt_keeps_the_fixture_and_orders_modifier_keys():
    text = FIXTURE.read_text(encoding="utf-8")
    assert format_text(text) == text
    scrambled = text.replace("          - direction: disfavoured\n            when: {fact: worsening, eq: true}\n"
                             "            reason: Worsening calls for imaging.\n",
                             "          - {reason: Worsening calls for imaging., when: {fact: worsening, eq: true}, "
                             "direction: disfavoured}\n")
    assert scrambled != text and format_text(scrambled) == text


def test_the_pathway_json_schema_knows_modifiers():
    defs = pathway_schema()["$defs"]
    assert defs["rating"]["properties"]["modifiers"]["items"] == {"$ref": "#/$defs/modifier"}
    modifier = defs["modifier"]
    assert modifier["required"] == ["direction", "when", "reason"]
    assert modifier["properties"]["direction"]["enum"] == ["favoured", "disfavoured"]
    assert modifier["properties"]["direction"]["description"].startswith("favoured or disfavoured")


# ------------------------------------------------------------------ the engine


def test_a_modifier_holds_with_the_facts_that_decided_it(pathway):
    assert _states(pathway, alert=True, age_months=2)[0] == (
        "favoured", "holds", f"{HIGH}: holds (age_months is 2 (is below 3: yes)).", ("age_months",))
    assert _states(pathway, alert=True, age_months=9, findings=4)[0] == (
        "favoured", "holds", f"{HIGH}: holds (several_findings holds (findings is 4 (is at least 2: yes))).", ("findings",))


def test_a_modifier_that_does_not_hold_names_every_deciding_fact(pathway):
    assert _states(pathway, alert=True, age_months=9, findings=0, worsening=False)[0] == (
        "favoured", "does_not_hold",
        f"{HIGH}: does not hold (age_months is 9 (is below 3: no), several_findings does not hold (findings is 0 "
        "(is at least 2: no)) and worsening is false).", ("age_months", "findings", "worsening"))


def test_an_unknown_never_favours(pathway):
    """Undecided names the facts that keep it open; worsening's "not recorded" policy is not read."""
    assert _states(pathway, alert=True, age_months=9, findings=0)[0] == (
        "favoured", "undecided", f"{HIGH}: undecided (worsening is not known).", ("worsening",))
    assert _states(pathway, alert=True)[0] == (
        "favoured", "undecided", f"{HIGH}: undecided (age_months, findings, worsening are not known).",
        ("age_months", "findings", "worsening"))


def test_the_route_carries_each_rating_s_modifiers(pathway):
    route = trace(pathway, Case("c", {"alert": True, "worsening": True}))
    by_action = {r.action: [(m.direction, m.state) for m in r.modifiers] for r in route.ratings}
    assert by_action == {"a_observe": [("disfavoured", "holds")],
                         "a_ct": [("favoured", "holds"), ("favoured", "does_not_hold"), ("disfavoured", "holds")]}
    assert route.actions("MBA") == ("a_observe", "a_ct")  # a modifier never moves a rating


# ------------------------------------------------------------------ reports


def test_trace_text_shows_modifiers_beside_the_rating(capsys):
    assert main(["trace", "-g", str(FIXTURE), "-f", "alert=true", "-f", "age_months=2"]) == 0
    out = capsys.readouterr().out
    block = out[out.index("  May be appropriate"):out.index("  Usually not appropriate")]
    assert block == (
        "  May be appropriate\n"
        "    [MBA] Observation [a_observe] (confirmed; S1)\n"
        "          [?] Disfavoured when worsening is true: undecided (worsening is not known). Worsening calls for imaging.\n"
        "    [MBA] CT head [a_ct] (confirmed; S1)\n"
        f"          [+] {HIGH}: holds (age_months is 2 (is below 3: yes)). CT is favoured for the youngest, several "
        "findings, or worsening. (S1)\n"
        "          [ ] Favoured when alert is false: does not hold (alert is true). Never holds at this variant.\n"
        "          [-] Disfavoured when alert is true: holds (alert is true). Always holds at this variant.\n")


def test_trace_json_lists_modifiers_and_follows_its_schema(capsys, pathway):
    assert main(["trace", "-g", str(FIXTURE), "-f", "alert=true", "-f", "worsening=false", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    jsonschema.validate(got, schema("trace"))
    observe = got["ratings"][0]
    assert observe["modifiers"] == [{
        "direction": "disfavoured", "state": "does_not_hold",
        "explanation": "Disfavoured when worsening is true: does not hold (worsening is false).",
        "reason": "Worsening calls for imaging.", "facts": ["worsening"], "sources": []}]
    assert got["ratings"][1]["modifiers"][0]["state"] == "undecided"
    assert got["ratings"][1]["modifiers"][0]["facts"] == ["age_months", "findings"]


def test_a_rating_without_modifiers_keeps_its_json_shape(tiny):
    route = trace(tiny, Case("c", {"pain": True, "levels": 1}))
    assert all("modifiers" not in r for r in route_to_dict(route, tiny)["ratings"])


def test_lookup_lists_modifiers_in_words(capsys):
    assert main(["lookup", "-g", str(FIXTURE), "a_observe"]) == 0
    out = capsys.readouterr().out
    assert "\n      [-] Disfavoured when worsening is true: Worsening calls for imaging.\n" in out
    assert main(["lookup", "-g", str(FIXTURE), "V_choice", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    jsonschema.validate(got, schema("lookup"))
    assert got["hits"][0]["ratings"][1]["modifiers"][1] == {
        "direction": "favoured", "when": "alert is false", "words": "Favoured when alert is false",
        "reason": "Never holds at this variant.", "sources": []}


def test_the_site_tables_show_modifiers(pathway):
    rows = {r["action"]: r["modifiers"] for r in rating_rows(pathway, pathway.node("V_choice"))}
    assert rows["a_observe"] == [{"direction": "disfavoured", "state": "",
                                  "text": "Disfavoured when worsening is true: Worsening calls for imaging."}]


def test_the_case_page_shows_modifiers_as_evaluated(pathway, tmp_path):
    case = tmp_path / "young.yaml"
    case.write_text("id: young\nfacts: {alert: true, age_months: 2}\n", encoding="utf-8")
    assert main(["site", "-g", str(FIXTURE), "--cases", str(case), "--output", str(tmp_path / "site")]) == 0
    shown = ('<p class="modifier modifier-disfavoured"><span aria-hidden="true">&#8854;</span> Disfavoured when '
             "worsening is true: Worsening calls for imaging.</p>")
    assert (tmp_path / "site" / "pathway.html").read_text(encoding="utf-8").count(shown) == 2  # table and action card
    page = (tmp_path / "site" / "cases" / "young.html").read_text(encoding="utf-8")
    assert ('<p class="modifier modifier-favoured modifier-holds"><span aria-hidden="true">&#8853;</span> '
            f"{HIGH}: holds (age_months is 2 (is below 3: yes)). CT is favoured for the youngest, several findings, "
            "or worsening.</p>") in page


def test_the_service_says_a_holding_modifier_in_the_rating_text(pathway, tmp_path):
    from vcfgraph.serve.bindings import load_bindings
    from vcfgraph.serve.rating import RatingConfig, rate_orders

    codes = tmp_path / "b.yaml"
    codes.write_text('pathway: observe-or-ct\nbindings:\n  - {system: "urn:t", code: ct, action: a_ct, status: example}\n',
                     encoding="utf-8")
    order = {"resourceType": "ServiceRequest", "id": "o1", "code": {"coding": [{"system": "urn:t", "code": "ct"}]}}
    got = rate_orders(pathway, load_bindings(pathway, codes), [order], {"alert": True, "age_months": 2}, "h", RatingConfig())
    text = got["systemActions"][0]["resource"]["extension"][0]["valueCodeableConcept"]["text"]
    assert text == (f"V1: alert patient rates CT head as May be appropriate. {HIGH}: holds (age_months is 2 (is below 3: "
                    "yes)). CT is favoured for the youngest, several findings, or worsening. Disfavoured when alert is "
                    "true: holds (alert is true). Always holds at this variant.")


# ------------------------------------------------------------------ the checker


def test_check_finds_a_modifier_that_never_or_always_holds(pathway):
    found = [str(f) for f in verify(pathway, "observe-or-ct.yaml").findings if f.code.startswith("VCF40")]
    assert found == [
        "observe-or-ct.yaml:58:13: warning VCF404 modifier-never-holds [V_choice->a_ct modifier 2]: favoured modifier 2 "
        "of a_ct at V_choice (alert is false) can never hold for a case that reaches the variant",
        "observe-or-ct.yaml:61:13: warning VCF405 modifier-always-holds [V_choice->a_ct modifier 3]: disfavoured "
        "modifier 3 of a_ct at V_choice (alert is true) holds for every case that reaches the variant, so it modifies "
        "nothing; say it in the rating itself",
    ]


def test_facts_and_definitions_read_only_by_modifiers_are_used(pathway):
    codes = {f.code for f in verify(pathway, "observe-or-ct.yaml").findings}
    assert "VCF005" not in codes and "VCF008" not in codes


def test_every_modifier_finding_example_reaches_the_variant(pathway):
    for f in verify(pathway, "observe-or-ct.yaml").findings:
        if f.code in ("VCF404", "VCF405"):
            assert f.example is not None
            route = trace(pathway, Case("x", dict(f.example)))
            assert route.terminal == "V_choice"
            ct = next(r for r in route.ratings if r.action == "a_ct")
            state = ct.modifiers[int(f.subject.rsplit(" ", 1)[1]) - 1].state
            assert state == ("holds" if f.code == "VCF405" else "does_not_hold")


# ------------------------------------------------------------------ exports


def test_plandefinition_carries_each_modifier_with_its_fhirpath(pathway):
    from vcfgraph.export.plandefinition import plandefinition

    plan = plandefinition(pathway, "http://x.invalid/fhir")
    variant = next(a for a in plan["action"] if a["id"] == "V-choice")
    observe = next(a for a in variant["action"] if a["id"] == "V-choice.a-observe")
    mods = [e for e in observe["extension"] if e["url"] == "http://x.invalid/fhir/StructureDefinition/rating-modifier"]
    assert mods == [{"url": "http://x.invalid/fhir/StructureDefinition/rating-modifier", "extension": [
        {"url": "direction", "valueCode": "disfavoured"},
        {"url": "when", "valueExpression": {
            "description": "worsening is true", "language": "text/fhirpath",
            "expression": "(%resource.item.where(linkId = 'worsening').answer.value.ofType(boolean) = true)"}},
        {"url": "reason", "valueString": "Worsening calls for imaging."}]}]


def test_mermaid_says_the_modifiers_of_the_actions_it_shows(pathway):
    from dataclasses import replace

    from vcfgraph.export.mermaid import mermaid
    from vcfgraph.model import Pathway

    variant = pathway.node("V_choice")
    favoured = replace(variant, ratings=(replace(variant.ratings[0], category="UA"),) + variant.ratings[1:])
    changed = Pathway(pathway.meta, pathway.facts, tuple(favoured if n.id == "V_choice" else n for n in pathway.nodes),
                      pathway.edges, definitions=pathway.definitions)
    assert ('  n_V_choice["V1: alert patient<br/>Usually appropriate: Observation<br/>'
            '(Disfavoured when worsening is true)"]') in mermaid(changed).splitlines()


def test_the_questionnaire_asks_a_modifier_s_facts_where_its_variant_is_reached(pathway):
    from vcfgraph.export.questionnaire import questionnaire

    items = {i["linkId"]: i for i in questionnaire(pathway, "http://x.invalid/fhir")["item"]}
    assert items["age_months"]["enableWhen"] == [{"question": "alert", "operator": "=", "answerBoolean": True}]
    assert "enableWhen" not in items["alert"]


def test_diff_names_a_rating_whose_modifiers_changed(tmp_path, capsys):
    changed = tmp_path / "new.yaml"
    changed.write_text(FIXTURE.read_text(encoding="utf-8").replace("calls for imaging.", "calls for CT."), encoding="utf-8")
    main(["diff", str(FIXTURE), str(changed)])
    assert "  rating changed: V_choice->a_observe (modifiers)\n" in capsys.readouterr().out


def test_a_modifier_finding_can_be_acknowledged(tmp_path):
    path = tmp_path / "acked.yaml"
    path.write_text(FIXTURE.read_text(encoding="utf-8") + "\nacknowledged:\n"
                    "  - {code: VCF405, node: V_choice->a_ct modifier 3, reason: Kept to test the checker.}\n",
                    encoding="utf-8")
    found = {f.code: f.acknowledged for f in verify(load_pathway(path)).findings if f.code in ("VCF404", "VCF405", "VCF009")}
    assert found == {"VCF404": "", "VCF405": "Kept to test the checker."}


@pytest.mark.browser
def test_the_explorer_shows_modifiers_as_the_engine_explains_them(tmp_path, render_need_dot):
    from urllib.parse import quote

    from playwright import sync_api

    from tests.test_browser import CHROMIUM, LAUNCH_ARGS, absent

    if not CHROMIUM.exists():
        absent("chromium (/usr/bin/chromium)")
    site = tmp_path / "site"
    assert main(["site", "-g", str(FIXTURE), "--output", str(site)]) == 0
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((site / "explore.html").as_uri() + "#facts=" + quote(json.dumps({"alert": True, "age_months": 2})))
        page.reload()
        text = " ".join(page.inner_text("main").split())
        browser.close()
    assert errors == []
    assert (f"CT head \u2014 \u2295 {HIGH}: holds (age_months is 2 (is below 3: yes)). CT is favoured for the youngest, "
            "several findings, or worsening.; \u2295 Favoured when alert is false: does not hold") in text


def test_the_diagram_s_rating_row_names_its_modifiers_in_the_tooltip(pathway):
    from vcfgraph.render.dot import pathway_dot

    dot = pathway_dot(pathway)
    assert ('TOOLTIP="Observation: May be appropriate (MBA), score \u2013, confirmed; Disfavoured when worsening is true: '
            'Worsening calls for imaging."') in dot
