"""The pathway at a glance (render/overview.py and the pathway page's overview section).

The overview is derived from the answers alone; these tests pin it on the bundled pathways and
on small pathways built in memory, then open the pathway page at projector size in Chromium:
the overview is on the first screen in large type, and each "show on the diagram" button brings
its part of the graph into view at a readable size.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vcfgraph.io.load import load_pathway
from vcfgraph.render.overview import overview

from tests.test_browser import Opened, browser  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parent.parent
OTTAWA = ROOT / "graphs" / "examples" / "ottawa-ankle.yaml"


def test_the_vcf_overview_screens_red_flags_first_then_branches_by_decision(bundled):
    o = overview(bundled)
    assert [s.question.id for s in o.screen] == ["q_high_energy_trauma", "q_red_flags", "q_infection", "q_age"]
    assert o.branch is not None and o.branch.id == "q_stage"
    assert [b.answer for b in o.blocks] == ["Next imaging study", "Initial treatment"]
    # every outcome of the pathway is somewhere on the overview
    shown = {t.id for s in o.screen for x in s.exits for t in x.targets}
    shown |= {n.id for b in o.blocks for p in b.parts for n in p.variants + p.handoffs}
    terminals = {n.id for n in bundled.nodes if n.terminal}
    assert shown == terminals
    treatment = o.blocks[1]
    assert treatment.question is not None and treatment.question.id == "q_tx_etiology"
    pathologic = next(p for p in treatment.parts if p.answer == "Pathologic")
    assert [v.id for v in pathologic.variants] == ["V9_tx_pathologic_vcf_mechanical_pain"]
    assert pathologic.nodes[0] == "q_tx_path_mechanical" and pathologic.nodes[-1] == "q_tx_etiology"


def test_the_curb65_overview_screens_age_then_branches_on_the_setting():
    o = overview(load_pathway(ROOT / "graphs" / "examples" / "curb-65.yaml"))
    assert [s.question.label for s in o.screen] == ["Is the patient an adult?"]
    assert o.branch is not None and [b.answer for b in o.blocks] == ["In hospital (CURB-65)", "In the community (CRB-65)"]
    assert [[v.id for p in b.parts for v in p.variants] for b in o.blocks] == [
        ["V1_curb65_low", "V2_curb65_intermediate", "V3_curb65_high", "V4_curb65_very_high"],
        ["V5_crb65_low", "V6_crb65_one", "V7_crb65_two", "V8_crb65_high"]]


def test_the_ottawa_overview_lists_both_answers_of_its_one_question():
    """One question, whose way on is the one variant (its rules fire together): the screen lists
    both answers, the variant among them, and nothing branches."""
    o = overview(load_pathway(OTTAWA))
    assert [s.question.label for s in o.screen] == ["Do the rules apply?"]
    assert [(x.answer, [t.id for t in x.targets]) for x in o.screen[0].exits] == [
        ("No: judge clinically", ["H_rules_do_not_apply"]), ("Yes", ["V1_rules_apply"])]
    assert o.screen[0].nodes == ("q_rules_apply", "H_rules_do_not_apply", "V1_rules_apply")
    assert o.branch is None and o.blocks == ()


def _tiny(tmp_path: Path, answers: str) -> object:
    path = tmp_path / "tiny.yaml"
    path.write_text(f"""\
pathway: {{id: tiny, title: Tiny, version: "1", entry: q1, guideline: {{publisher: ACR, topic: T, topic_id: 1, revision: "2022"}}}}
sources: {{S1: A source}}
facts:
  a: {{type: bool}}
  b: {{type: bool}}
nodes:
  - {{id: q1, kind: question, label: First?, answers: [{answers}]}}
  - {{id: q2, kind: question, label: Second?, answers: [{{label: yes, to: V1, when: {{fact: b, eq: true}}}}, {{label: no, to: H1, otherwise: true}}]}}
  - {{id: V1, kind: variant, number: 1, stage: treatment, label: V1 one, ratings: [{{action: x, category: UA, confidence: confirmed, sources: [S1]}}]}}
  - {{id: H1, kind: handoff, label: Elsewhere}}
  - {{id: x, kind: action, label: X, modality: imaging}}
""", encoding="utf-8")
    return load_pathway(path)


def test_a_pathway_that_never_branches_has_a_screen_and_no_blocks(tmp_path):
    p = _tiny(tmp_path, "{label: go on, to: q2, when: {fact: a, eq: true}}, {label: stop, to: H1, otherwise: true}")
    o = overview(p)
    assert [s.question.id for s in o.screen] == ["q1", "q2"]
    assert [[t.id for t in x.targets] for x in o.screen[0].exits] == [["H1"]]
    assert o.branch is None and o.blocks == ()


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720)])
def test_the_pathway_page_opens_on_an_overview_a_room_can_read(browser, render_bundled_site, bundled, size):  # noqa: F811
    width, height = size
    opened = Opened(browser, render_bundled_site / "pathway.html", width, height)
    page = opened.page
    top = page.evaluate("() => document.getElementById('overview').getBoundingClientRect().top")
    first = page.evaluate("() => document.querySelector('.vg-overview li').getBoundingClientRect().bottom")
    assert top < height and first < height, "the overview and its first question are on the first screen"
    smallest = page.evaluate("""() => Math.min(...Array.from(document.querySelectorAll('.vg-overview *'))
        .filter(e => e.offsetParent && Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim()))
        .map(e => parseFloat(getComputedStyle(e).fontSize)))""")
    assert smallest >= 16, f"smallest overview text {smallest}px"
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    buttons = page.locator("button[data-vg-focus]")
    o = overview(bundled)
    assert buttons.count() == len(o.screen) + sum(len(b.parts) for b in o.blocks)
    for i in range(buttons.count()):
        buttons.nth(i).click()
        first_node = buttons.nth(i).get_attribute("data-vg-focus").split(" ")[0]
        seen = page.evaluate("""(id) => {
            const g = document.querySelector('g.node.vg-focused[id="n-' + id + '"]');
            const frame = g.closest('.diagram'), r = g.getBoundingClientRect(), f = frame.getBoundingClientRect();
            const inside = (a, b) => a.left >= b.left - 1 && a.right <= b.right + 1 && a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
            const win = {left: 0, top: 0, right: innerWidth, bottom: innerHeight};
            const label = Math.min(...Array.from(g.querySelectorAll('text')).map(t => t.getBoundingClientRect().height));
            return [inside(r, f), inside(r, win), label]; }""", first_node)
        assert seen[0] and seen[1], f"button {i}: {first_node} is not on screen"
        assert seen[2] >= 12, f"button {i}: labels {seen[2]}px"
    assert opened.errors == []
    opened.close()
