"""The explorer and the shared diagram in real Chromium: the same highlight as Python's restyle on
every case page, answering moves it, the permalink restores a state, what-if links change the
route, the best-question ranking matches Python, reset, hostile links, legibility and checkers
on the pages as scripts leave them.

Screenshots go to a temporary folder; set VCFGRAPH_SCREENSHOTS=DIR to keep them for review.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from vcfgraph.engine import trace
from vcfgraph.io.load import load_cases
from vcfgraph.model import Case
from vcfgraph.render import svg as svgmod
from vcfgraph.render.dot import route_states
from vcfgraph.render.ids import case_slug
from vcfgraph.whatif import questions_ranked

from tests.test_browser import AXE, ROOT, WCAG_TAGS, Opened, _axe, _vnu, absent, browser  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

SEED = "seed-incidental-t12"

CLASSES_JS = """() => Object.fromEntries([...document.querySelectorAll('.vg-mount svg g[id]')]
    .map(g => [g.id, [...g.classList].sort().join(' ')]))"""
BADGES_JS = """() => [...document.querySelectorAll('.vg-mount svg text.vg-badge')]
    .map(t => t.closest('g.node').id + ' ' + t.textContent + ' ' + t.getAttribute('x') + ' ' + t.getAttribute('y')).sort()"""
ON_JS = """() => [...document.querySelectorAll('.vg-mount svg g.node.vg-on, .vg-mount svg g.node.vg-end, .vg-mount svg g.node.vg-stop')]
    .map(g => g.id).sort()"""
RESULT_JS = """() => { const r = document.getElementById('vg-result');
    return [r.dataset.outcome, r.dataset.terminal, r.dataset.ua]; }"""


@pytest.fixture(scope="module")
def layout(bundled, render_need_dot) -> str:
    from vcfgraph.cli.graphviz_run import run_dot
    from vcfgraph.render.dot import pathway_dot

    return run_dot(pathway_dot(bundled), "svg")


def expected_classes(bundled, layout: str, route) -> tuple[dict[str, str], list[str]]:
    """Python's restyle of the diagram for a route: every group's classes, and the badges."""
    root = svgmod.restyle(layout, bundled, route_states(bundled, route))
    classes, badges = {}, []
    for g in root.iter(f"{{{svgmod.SVG_NS}}}g"):
        if g.get("id"):
            classes[g.get("id")] = " ".join(sorted((g.get("class") or "").split()))
            for t in g.findall(f"{{{svgmod.SVG_NS}}}text"):
                if t.get("class") == "vg-badge":
                    badges.append(f"{g.get('id')} {t.text} {t.get('x')} {t.get('y')}")
    return classes, sorted(badges)


def result_of(route) -> list[str]:
    return [route.outcome, route.terminal or "", " ".join(route.actions("UA"))]


def facts_of(page) -> dict:
    hash_ = page.evaluate("() => location.hash")
    assert hash_.startswith("#facts=")
    return json.loads(unquote(hash_[len("#facts="):]))


def test_every_case_page_highlights_its_route_as_python_does(browser, render_bundled_site, bundled, layout):
    cases = [c for path in sorted((ROOT / "cases").glob("*.yaml")) for c in load_cases(bundled, path)]
    assert len(cases) >= 39
    differ = {}
    for case in cases:
        route = trace(bundled, case)
        opened = Opened(browser, render_bundled_site / "cases" / f"{case_slug(case.id)}.html")
        got = (opened.page.evaluate(CLASSES_JS), opened.page.evaluate(BADGES_JS))
        if got != expected_classes(bundled, layout, route):
            differ[case.id] = got
        assert opened.page.evaluate(RESULT_JS) == result_of(route), case.id
        assert opened.errors == [], case.id
        opened.close()
    assert differ == {}


def test_answering_moves_the_highlight_and_the_result(browser, render_bundled_site, bundled):
    opened = Opened(browser, render_bundled_site / "explore.html")
    page = opened.page
    assert page.evaluate(RESULT_JS) == ["need_info", "", ""]
    seen = [page.evaluate(ON_JS)]
    for _ in range(12):
        if page.evaluate(RESULT_JS)[0] != "need_info":
            break
        select = page.locator(".vg-now select").first
        select.select_option(index=1)  # the first value of its domain, not "unknown"
        facts = facts_of(page)
        route = trace(bundled, Case("c", facts))
        assert page.evaluate(RESULT_JS) == result_of(route)
        on = page.evaluate(ON_JS)
        assert on == sorted(f"n-{n}" for n in route.nodes() if n in {s.node for s in route.steps} | {route.terminal}
                            or n in route.actions("UA") + route.actions("MBA") + route.actions("UNA")
                            + tuple(c.action for c in route.contraindicated))
        assert on != seen[-1]
        seen.append(on)
    assert page.evaluate(RESULT_JS)[0] != "need_info" and len(seen) >= 3
    assert opened.errors == []
    opened.close()


def test_the_permalink_restores_the_state(browser, render_bundled_site, bundled):
    opened = Opened(browser, render_bundled_site / "cases" / f"{SEED}.html")
    page = opened.page
    page.select_option("#vg-f-symptomatic", label="yes")
    page.select_option("#vg-f-neurologic_deficit", label="unknown")
    href = page.get_attribute("#vg-permalink", "href")
    state = page.evaluate(RESULT_JS)
    facts = facts_of(page)
    assert "neurologic_deficit" not in facts and facts["symptomatic"] is True
    assert state == result_of(trace(bundled, Case("c", facts)))
    again = Opened(browser, render_bundled_site / "explore.html")
    again.page.goto((render_bundled_site / "explore.html").as_uri() + href)
    assert again.page.evaluate(RESULT_JS) == state
    assert again.page.evaluate("() => document.getElementById('vg-f-neurologic_deficit').selectedOptions[0].textContent") == "unknown"
    # the page reloaded at that address comes back to the same state too
    again.page.reload()
    assert again.page.evaluate(RESULT_JS) == state
    assert opened.errors == [] and again.errors == []
    again.close()
    opened.close()


def test_reset_to_this_case(browser, render_bundled_site, bundled):
    case = load_cases(bundled, ROOT / "cases" / f"{SEED}.yaml")[0]
    opened = Opened(browser, render_bundled_site / "cases" / f"{SEED}.html")
    page = opened.page
    page.select_option("#vg-f-high_energy_trauma", label="yes")
    assert page.evaluate(RESULT_JS) != result_of(trace(bundled, case))
    page.click("#vg-reset")
    assert page.evaluate(RESULT_JS) == result_of(trace(bundled, case))
    assert facts_of(page) == {k: v for k, v in case.facts.items() if v is not None}
    opened.close()


def test_the_explorer_shows_what_the_outcome_says_about_actions_it_does_not_rate(browser, render_bundled_site, bundled):
    """The seed's variant does not rate MRI but says it is generally not needed: the explorer says so too."""
    case = load_cases(bundled, ROOT / "cases" / f"{SEED}.yaml")[0]
    advice = bundled.node(trace(bundled, case).terminal).advice
    assert advice, "the seed's variant carries advice on actions it does not rate"
    opened = Opened(browser, render_bundled_site / "explore.html")
    facts = {k: v for k, v in case.facts.items() if v is not None}
    opened.page.goto((render_bundled_site / "explore.html").as_uri() + "#facts=" + quote(json.dumps(facts)))
    opened.page.reload()
    text = " ".join(opened.page.inner_text("main").split())
    assert "Not rated here" in text
    for a in advice:
        words = ", ".join(bundled.node(x).label for x in a.actions) + ": " + " ".join(a.text.split())
        assert words in text
    assert opened.errors == []
    opened.close()


def test_what_if_links_change_the_route_and_draw_it_dashed(browser, render_bundled_site, bundled):
    opened = Opened(browser, render_bundled_site / "cases" / f"{SEED}.html")
    page = opened.page
    before = page.evaluate(RESULT_JS)
    links = page.locator(".vg-whatif a")
    assert links.count() >= 3
    link = links.nth(0)
    link.focus()
    assert page.evaluate("() => document.querySelectorAll('.vg-mount svg .vg-alt').length") > 0
    link.click()
    # the link changes the URL fragment; the page redraws on the hashchange event, which comes after the click
    shown = json.dumps(json.dumps(before, separators=(",", ":")))
    page.wait_for_function(f"() => JSON.stringify(({RESULT_JS})()) !== {shown}")
    facts = facts_of(page)
    after = page.evaluate(RESULT_JS)
    assert after != before and after == result_of(trace(bundled, Case("c", facts)))
    # the redrawn list may put another what-if link under the resting pointer, which (rightly) draws
    # its route dashed; away from the links, nothing dashed is left over from the one followed
    page.mouse.move(0, 0)
    assert page.evaluate("() => document.querySelectorAll('.vg-mount svg .vg-alt').length") == 0
    assert opened.errors == []
    opened.close()


def test_the_best_question_ranking_matches_python(browser, render_bundled_site, bundled):
    for facts in ({}, {"decision_stage": "next_imaging"}, {"decision_stage": "initial_treatment", "neurologic_deficit": False}):
        opened = Opened(browser, render_bundled_site / "explore.html")
        opened.page.goto((render_bundled_site / "explore.html").as_uri() + "#facts=" + quote(json.dumps(facts), safe=""))
        opened.page.reload()
        got = opened.page.evaluate("() => [...document.querySelectorAll('.vg-ranked li')].map(li => li.dataset.fact)")
        want = [q.fact for q in questions_ranked(bundled, facts)]
        assert got == want and want, facts
        opened.close()


def test_a_hostile_link_is_read_as_data(browser, render_bundled_site):
    facts = {"__proto__": 1, "constructor": "x", "age": "<img src=x onerror=window.__xss=1>", "symptomatic": True}
    opened = Opened(browser, render_bundled_site / "explore.html")
    opened.page.goto((render_bundled_site / "explore.html").as_uri() + "#facts=" + quote(json.dumps(facts), safe=""))
    opened.page.reload()
    page = opened.page
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    assert page.evaluate("() => document.querySelectorAll('#main img').length") == 0
    note = page.locator(".vg-note").inner_text()
    assert "no fact is called constructor" in note and "<img src=x" in note
    assert facts_of(page) if page.evaluate("() => location.hash") else True
    assert opened.errors == []
    opened.close()


def test_route_labels_are_readable_on_a_projector_and_pages_fit_a_phone(browser, render_bundled_site, tmp_path):
    keep = os.environ.get("VCFGRAPH_SCREENSHOTS")
    heights = {}
    for width, height in ((1366, 768), (390, 844)):
        for name in (f"cases/{SEED}.html", "explore.html", "pathway.html", "index.html"):
            opened = Opened(browser, render_bundled_site / name, width=width, height=height)
            page = opened.page
            assert page.evaluate("() => document.documentElement.scrollWidth") <= width, (name, width)
            if name.startswith("cases/") and width == 1366:  # the route framed: full diagram or compact drawing
                page.locator(".vg-mount, .vg-compact").locator("visible=true").scroll_into_view_if_needed()
                heights[name] = page.evaluate("""() => Math.min(...[...document.querySelectorAll(
                    '.vg-mount svg g.node.vg-on text, .vg-mount svg g.node.vg-end text, .vg-mount svg g.edge.vg-on text, '
                    + '.vg-compact svg g.node.vg-on text, .vg-compact svg g.node.vg-end text, .vg-compact-answer')]
                    .map(t => t.getBoundingClientRect().height).filter(h => h > 0))""")
            if name == "pathway.html" and width == 1366:  # the pathway alone opens at full size
                page.locator(".vg-mount").scroll_into_view_if_needed()
                heights[name] = page.evaluate("""() => Math.min(...[...document.querySelectorAll('.vg-mount svg g.node text')]
                    .map(t => t.getBoundingClientRect().height).filter(h => h > 0))""")
            shot = tmp_path / f"{name.replace('/', '-')}-{width}x{height}.png"
            page.screenshot(path=str(shot))
            data = shot.read_bytes()
            assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == (width, height)
            if keep:
                Path(keep).mkdir(parents=True, exist_ok=True)
                shutil.copy(shot, Path(keep) / shot.name)
            opened.close()
    print(f"smallest rendered route label height (px) at 1366x768: {heights}")
    assert len(heights) == 2 and all(h >= 12 for h in heights.values()), heights


def test_zoom_controls_work_from_the_keyboard(browser, render_bundled_site):
    opened = Opened(browser, render_bundled_site / "cases" / f"{SEED}.html")
    page = opened.page
    box = page.evaluate("() => document.querySelector('.vg-mount svg').getAttribute('viewBox')")
    page.click("button[data-vg-zoom=fit]")  # leaves the compact route drawing for the diagram
    page.focus(".vg-mount")
    page.keyboard.press("0")
    whole = page.evaluate("() => document.querySelector('.vg-mount svg').getAttribute('viewBox')")
    assert whole != box
    page.keyboard.press("+")
    page.keyboard.press("ArrowRight")
    moved = page.evaluate("() => document.querySelector('.vg-mount svg').getAttribute('viewBox')")
    assert moved != whole
    page.focus("button[data-vg-zoom=route]")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.querySelector('.vg-mount svg').getAttribute('viewBox')") == box
    opened.close()


def test_pages_as_scripts_leave_them_pass_axe_and_the_nu_checker(browser, render_bundled_site, tmp_path):
    names = ["explore.html", f"cases/{SEED}.html", "cases/own-suspected-tumour-painful.html",
             "cases/own-unknown-neurology.html", "pathway.html", "quiz.html", f"cases/{SEED}.html#quiz"]
    dumps, violations = [], {}
    for name in names:
        file, _, fragment = name.partition("#")
        path = render_bundled_site / file
        assert path.exists(), name
        opened = Opened(browser, path)
        if fragment:
            opened.page.goto(path.as_uri() + "#" + fragment)
            opened.page.reload()
            opened.page.locator("button.vg-choice").first.click()  # a quiz under way: feedback and next button
        dump = tmp_path / name.replace("/", "-").replace("#", "-")
        dump.write_text("<!DOCTYPE html>\n" + opened.page.evaluate("() => document.documentElement.outerHTML"),
                        encoding="utf-8")
        dumps.append(dump)
        if AXE.exists():
            found = _axe(opened.page)
            if found:
                violations[name] = found
        opened.close()
    if not AXE.exists():
        absent("axe-core in .tools/")
    assert violations == {}
    assert len(dumps) == len(names)
    assert _vnu(dumps) == []


def _secrets(bundled, route) -> list[str]:
    """Texts that give a case's answer away: where it ends, what it recommends, the answers taken."""
    out = [bundled.node(route.terminal).label] if route.terminal else ["more information is needed"]
    out += [bundled.node(a).label for a in route.actions("UA") + route.actions("MBA")]
    out += ["Outcome:", "Recommendations", "Step by step", "Still possible"]
    return out


@pytest.mark.parametrize("slug", [SEED, "own-unknown-neurology", "own-suspected-tumour-painful"])
def test_a_quiz_runs_end_to_end_without_revealing_the_answer_early(browser, render_bundled_site, bundled, slug):
    case = load_cases(bundled, ROOT / "cases" / f"{slug}.yaml")[0]
    route = trace(bundled, case)
    opened = Opened(browser, render_bundled_site / "cases" / f"{slug}.html")
    page = opened.page
    page.goto((render_bundled_site / "cases" / f"{slug}.html").as_uri() + "#quiz")
    page.reload()
    page.evaluate("() => localStorage.clear()")
    secrets = _secrets(bundled, route)
    right = 0
    for i, step in enumerate(route.steps):
        text = page.evaluate("() => document.body.innerText")
        leaked = [s for s in secrets if s in text]
        assert not leaked, (i, leaked)
        assert f"Question {i + 1}: {bundled.node(step.node).label}" in text
        wanted = step.answer if step.edge else "Cannot answer yet: a fact it reads is not known"
        choices = page.locator("button.vg-choice")
        labels = choices.all_inner_texts()
        assert wanted in labels
        pick = wanted if i % 2 == 0 else next(lab for lab in labels if lab != wanted)  # every other pick wrong
        choices.nth(labels.index(pick)).click()
        right += pick == wanted
        feedback = page.locator(".vg-right, .vg-wrong").inner_text()
        assert feedback.startswith("Right." if pick == wanted else "Not this one")
        assert step.explanation.removeprefix(bundled.node(step.node).label).strip() in feedback
        if i < len(route.steps) - 1:
            assert not [s for s in secrets[:1] if s in page.evaluate("() => document.body.innerText")]
        page.click("#vg-quiz-next")
    score = page.locator("#vg-quiz-score").inner_text()
    assert score.startswith(f"Score: {right} of {len(route.steps)}.")
    text = page.evaluate("() => document.body.innerText")
    assert secrets[0] in text and "Step by step" in text  # the whole page is revealed at the end
    assert page.evaluate("() => document.querySelectorAll('.vg-mount svg g.node.vg-end, .vg-mount svg g.node.vg-stop').length") >= 1
    stored = json.loads(page.evaluate("() => localStorage.getItem('vcfgraph-quiz:' + window.VCFGRAPH.pathway.id)"))
    assert stored == {case.id: {"score": right, "total": len(route.steps)}}
    index = opened.page
    index.goto((render_bundled_site / "quiz.html").as_uri())
    assert index.locator(f'.vg-progress[data-case="{case.id}"]').inner_text() == f"score {right} of {len(route.steps)}"
    assert opened.errors == []
    opened.close()


def test_full_size_opens_on_the_route_at_one_unit_per_pixel(browser, render_bundled_site):
    opened = Opened(browser, render_bundled_site / "cases" / f"{SEED}.html", width=1366, height=768)
    page = opened.page
    page.click("button[data-vg-zoom=full]")
    got = page.evaluate("""() => { const svg = document.querySelector('.vg-mount svg');
        const vb = svg.getAttribute('viewBox').split(' ').map(Number);
        const r = svg.getBoundingClientRect(), f = document.querySelector('.vg-mount').getBoundingClientRect();
        const e = svg.querySelector('g.node.vg-on').getBoundingClientRect();
        return [r.width / vb[2], e.left >= f.left && e.right <= f.right && e.top >= f.top && e.bottom <= f.bottom]; }""")
    assert abs(got[0] - 1) < 0.01 and got[1]  # one unit a pixel, and the route's first question in its frame
    opened.close()


def test_without_javascript_every_page_shows_its_static_content(browser, render_bundled_site, bundled):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1366, "height": 768})
    pages = sorted(render_bundled_site.rglob("*.html"))
    assert len(pages) >= 42
    for path in pages:
        page = context.new_page()
        page.goto(path.as_uri(), wait_until="load")
        text = page.inner_text("main")
        assert len(text) > 200, path.name
        if path.parent.name == "cases":
            assert "Outcome:" in text and "Step by step" in text and "The route at a glance" in text, path.name
            assert "With JavaScript on" in text, path.name
            image = page.evaluate("() => { const i = document.querySelector('img.vg-static'); return i && i.naturalWidth; }")
            assert image and image > 1000, path.name  # the plain diagram, from pathway.svg
        page.close()
    context.close()
