"""The teaching site in a real browser (Debian chromium driven by playwright) and the HTML checkers.

Never runs ``playwright install``: the browser is ``/usr/bin/chromium``. The checkers are the
npm packages axe-core and vnu-jar that ``.ci/install-system-deps --test`` puts in ``.tools/``.
Tests skip only when the browser, Java or a checker is truly absent (``make test`` installs them).
Screenshots go to a temporary folder; set VCFGRAPH_SCREENSHOTS=DIR to keep copies for review.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from vcfgraph.engine import trace
from vcfgraph.io.load import load_cases
from vcfgraph.render import ids
from vcfgraph.render.ids import case_slug

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / ".tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SEED = "seed-incidental-t12"


def absent(what: str) -> None:
    """Skip when a tool is truly absent; in CI (CI=true) that is a failure: CI must run these."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing in CI; `make test` installs it")
    pytest.skip(f"{what} is not installed (`make test` installs it)")
TRICKY_SLUG = case_slug('evil "<case>" & {x}')


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        absent("chromium (/usr/bin/chromium)")
    try:
        from playwright import sync_api
    except ImportError:
        absent("the playwright Python package")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


class Opened:
    """A page opened from the file system, with the console errors it logged."""

    def __init__(self, browser, path: Path, width: int = 1400, height: int = 900) -> None:
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "about:"))
                     else self.errors.append(f"fetched {r.url}"))
        self.page.goto(path.as_uri(), wait_until="load")

    def close(self) -> None:
        self.page.close()


def pages_of(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


@pytest.fixture(scope="module")
def all_pages(render_bundled_site, render_tiny_site, render_ottawa_site, render_curb65_site) -> list[Path]:
    return (pages_of(render_bundled_site) + pages_of(render_tiny_site) + pages_of(render_ottawa_site)
            + pages_of(render_curb65_site))


def test_every_page_loads_without_console_errors_or_fetches(browser, all_pages):
    problems = {}
    for path in all_pages:
        opened = Opened(browser, path)
        if opened.errors:
            problems[str(path)] = opened.errors
        opened.close()
    assert problems == {}
    assert len(all_pages) >= 8


def test_route_nodes_carry_the_highlight_and_others_do_not(browser, render_bundled_site, bundled):
    case = load_cases(bundled, ROOT / "cases" / f"{SEED}.yaml")[0]
    route = trace(bundled, case)
    opened = Opened(browser, render_bundled_site / "cases" / f"{SEED}.html")
    states = opened.page.evaluate("""() => Object.fromEntries(
        [...document.querySelectorAll('svg.vg-diagram g.node')].map(g => [g.id.replace(/^n-/, ''),
          ['vg-on', 'vg-end', 'vg-stop', 'vg-off'].filter(c => g.classList.contains(c))]))""")
    highlighted = {nid for nid, cls in states.items() if set(cls) & {"vg-on", "vg-end"}}
    assert highlighted == set(route.nodes())
    assert all(cls == ["vg-off"] for nid, cls in states.items() if nid not in highlighted and nid != "legend")
    style = opened.page.evaluate("""(ids) => ids.map(id => {
        const g = document.getElementById(id); const s = g.querySelector('.vg-shape');
        return [getComputedStyle(s).strokeWidth, getComputedStyle(g).opacity]; })""",
                                 [ids.node_id(n) for n in ("q_stage", route.terminal, "q_img_symptomatic")])
    assert style == [["4px", "1"], ["6px", "1"], ["1.5px", "0.35"]]
    edges = opened.page.evaluate("""() => [...document.querySelectorAll('svg.vg-diagram g.edge.vg-on')]
        .filter(g => !g.id.startsWith('re-')).map(g => g.id)""")
    assert edges == [ids.edge_id(e) for e in route.edges()]
    assert opened.errors == []
    opened.close()


FILLED_JS = """() => ({
    tools: [...document.querySelectorAll('.vg-tools button')].map(b => b.dataset.vgZoom),
    legend: [...document.querySelectorAll('.legend li strong')].map(s => s.textContent),
    empty: document.querySelectorAll('[data-vg-part]').length,
    link: document.querySelector('a.vg-explore-link').getAttribute('href'),
    rows: [...document.querySelectorAll('table.facts tbody tr')].map(r => [...r.cells].map(c => c.textContent)),
    unknown: [...document.querySelectorAll('table.facts td.unknown')].length,
    sentence: getComputedStyle(document.querySelector('p.vg-facts-text')).display})"""


def test_a_case_page_takes_its_shared_parts_from_the_scripts_and_reads_without_them(browser, render_bundled_site, bundled):
    """Toolbar, legend, the explorer link's facts and the table of facts with their questions are built
    from assets/; without scripts the page keeps every fact in a sentence and leaves nothing half-built."""
    from urllib.parse import unquote

    from vcfgraph.conditions import format_value

    case = load_cases(bundled, ROOT / "cases" / f"{SEED}.yaml")[0]
    known = {f.name: case.facts[f.name] for f in bundled.facts if case.facts.get(f.name) is not None}
    opened = Opened(browser, render_bundled_site / "cases" / f"{SEED}.html")
    got = opened.page.evaluate(FILLED_JS)
    assert got["tools"] == ["route", "in", "out", "full", "fit", "left", "right", "up", "down"] and got["empty"] == 0
    assert got["legend"] == ["Shapes", "Rating categories", "Confidence of a rating", "This case"]
    assert got["link"].startswith("../explore.html#facts=") and json.loads(unquote(got["link"].split("=", 1)[1])) == known
    assert got["rows"] == [[f.name, (format_value(known[f.name]) + (f" {f.unit}" if f.unit else ""))
                            if f.name in known else "not known", f.question] for f in bundled.facts]
    assert got["unknown"] == len(bundled.facts) - len(known) > 0 and got["sentence"] == "none"  # on paper only
    assert opened.errors == []
    opened.close()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto((render_bundled_site / "cases" / f"{SEED}.html").as_uri())
    assert page.evaluate("() => getComputedStyle(document.querySelector('p.vg-facts-text')).display") == "block"
    assert page.locator("p.vg-facts-text code").all_text_contents() == [f.name for f in bundled.facts if f.name in known] + \
        [f.name for f in bundled.facts if f.name not in known]
    assert page.locator(".legend, .vg-tools, table.facts").count() == 0
    context.close()


def test_clicking_a_node_opens_its_details(browser, render_bundled_site):
    opened = Opened(browser, render_bundled_site / "pathway.html")
    page = opened.page
    assert page.locator(".hint").is_visible()
    assert not page.locator("#card-q_stage").is_visible()
    page.check("#zoom-pathway")  # full size, so the node is big enough to click
    page.locator("#a_n-q_stage a").click()
    assert page.locator("#card-q_stage").is_visible()
    assert page.locator("#card-q_stage h3").inner_text() == "Which decision now?"
    assert not page.locator(".hint").is_visible()
    assert page.locator(".card:visible").count() == 1
    page.locator('[id="a_r-V5_tx_asymptomatic_osteoporotic_vcf--medical_management_only"] a').click()
    assert page.locator("#card-medical_management_only").is_visible()
    assert not page.locator("#card-q_stage").is_visible()
    assert "How each variant rates it" in page.locator("#card-medical_management_only").inner_text()
    page.focus("#a_n-q_red_flags a")
    page.keyboard.press("Enter")
    assert page.locator("#card-q_red_flags").is_visible()
    assert opened.errors == []
    opened.close()


def test_case_text_with_markup_is_shown_literally_and_never_runs(browser, render_tiny_site):
    opened = Opened(browser, render_tiny_site / "cases" / f"{TRICKY_SLUG}.html")
    page = opened.page
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    assert page.locator("h1").inner_text() == 'Case evil "<case>" & {x}'
    assert page.locator(".lede").inner_text() == ("<script>window.__xss = 1</script> \"double\" 'single' & ampersand "
                                                  "{braces} [brackets] | pipe \\ backslash -> arrow")
    assert page.locator(".vignette").inner_text().startswith('<img src=x onerror="window.__xss = 2"> Fish & chips')
    assert page.evaluate("() => document.querySelectorAll('img').length") == 0
    assert page.evaluate("() => [...document.scripts].map(s => s.getAttribute('src'))") == [
        "../assets/pathway.js", "../assets/twin.js", "../assets/site.js", "../assets/quiz.js"]  # the shared files only, none inline
    assert opened.errors == []
    opened.close()


def test_case_text_in_a_diagram_is_literal_and_never_runs(browser, tmp_path, render_need_dot):
    """The route-only SVG carries the case's description in its title: opened as a file, nothing runs."""
    from vcfgraph.cli import main

    out = tmp_path / "svg"
    assert main(["render", "-g", str(HERE / "data" / "tiny.yaml"), "--case",
                 str(HERE / "data" / "render" / "tricky-case.yaml"), "-o", str(out)]) == 0
    for name in (f"{TRICKY_SLUG}-route.svg", f"{TRICKY_SLUG}.svg"):
        opened = Opened(browser, out / name)
        assert opened.page.evaluate("() => typeof window.__xss") == "undefined"
        assert opened.page.evaluate("() => document.querySelectorAll('script, img').length") == 0
        assert opened.errors == []
        if name.endswith("-route.svg"):
            title = opened.page.evaluate("() => document.querySelector('g.graph > text').textContent")
            assert title.startswith('Case evil "<case>" & {x}: <script>window.__xss = 1</script> "double"')
        opened.close()


def test_screenshots_of_the_pathway_and_the_seed_case(browser, render_bundled_site, tmp_path):
    keep = os.environ.get("VCFGRAPH_SCREENSHOTS")
    shots = {}
    for name, path in (("pathway", render_bundled_site / "pathway.html"),
                       ("seed-case", render_bundled_site / "cases" / f"{SEED}.html")):
        opened = Opened(browser, path, width=1600, height=900)
        target = tmp_path / f"{name}.png"
        opened.page.locator(".diagram:visible").scroll_into_view_if_needed()  # the diagram, or the compact route drawing
        opened.page.screenshot(path=str(target))
        full = tmp_path / f"{name}-full.png"
        opened.page.screenshot(path=str(full), full_page=True)
        shots[name] = (target.read_bytes(), full.read_bytes())
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(target, Path(keep) / target.name)
            shutil.copy(full, Path(keep) / full.name)
        opened.close()
    for name, (view, full) in shots.items():
        assert view[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(view[16:20], "big"), int.from_bytes(view[20:24], "big")
        assert (width, height) == (1600, 900), name
        assert int.from_bytes(full[20:24], "big") > 2000, name  # the whole page, far longer than the screen


def _axe(page) -> list[dict]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    return page.evaluate("""async (tags) => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
        return r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""", WCAG_TAGS)


def test_axe_reports_no_wcag21_aa_violation(browser, all_pages, heatmap_file):
    if not AXE.exists():
        absent("axe-core in .tools/")
    violations = {}
    for path in all_pages + [heatmap_file]:
        opened = Opened(browser, path)
        found = _axe(opened.page)
        if found:
            violations[str(path)] = found
        opened.close()
    assert violations == {}


def test_case_pages_print_on_one_or_two_pages(browser, render_bundled_site):
    counts = {}
    for path in sorted((render_bundled_site / "cases").glob("*.html")):
        opened = Opened(browser, path)
        pdf = opened.page.pdf(format="A4", print_background=True)
        counts[path.stem] = len(re.findall(rb"/Type\s*/Page\b", pdf))
        opened.close()
    assert counts and all(1 <= n <= 2 for n in counts.values()), {k: v for k, v in counts.items() if v > 2}


@pytest.fixture(scope="module")
def heatmap_file(tmp_path_factory, bundled, render_need_dot) -> Path:
    from vcfgraph.cli.graphviz_run import run_dot
    from vcfgraph.render.dot import pathway_dot
    from vcfgraph.render.heatmap import heatmap_page

    nodes = {n.id: float(i % 5) for i, n in enumerate(bundled.nodes)}
    edges = {e.id: float(i % 4) for i, e in enumerate(bundled.edges)}
    edges.update({rid: 1.0 for rid, _, _ in bundled.rating_edges()})
    path = tmp_path_factory.mktemp("heat") / "heatmap.html"
    path.write_text(heatmap_page(bundled, run_dot(pathway_dot(bundled), "svg"), title="Coverage",
                                 caption="Cases per element.", node_values=nodes, edge_values=edges,
                                 value_label="cases"), encoding="utf-8")
    return path


def _vnu(paths: list[Path], *extra: str) -> list[dict]:
    java = shutil.which("java")
    if not java or not VNU.exists():
        absent("Java or vnu-jar in .tools/")
    done = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--format", "json", *extra, *map(str, paths)],
                          capture_output=True, text=True, timeout=600, check=False)
    return json.loads(done.stderr or done.stdout)["messages"]


def test_nu_checker_finds_no_error_in_pages(all_pages, heatmap_file):
    assert _vnu(all_pages + [heatmap_file]) == []


def test_nu_checker_finds_no_error_in_svg(render_bundled_site, tmp_path, render_need_dot):
    from vcfgraph.cli import main

    out = tmp_path / "svg"
    assert main(["render", "--case", str(ROOT / "cases" / f"{SEED}.yaml"), "-o", str(out)]) == 0
    svgs = sorted(out.glob("*.svg")) + [render_bundled_site / "pathway.svg"]
    assert len(svgs) == 4
    assert _vnu(svgs, "--also-check-svg") == []


def test_nu_checker_finds_no_duplicate_id_where_pathway_ids_collide(tmp_path, render_need_dot):
    """Nodes called legend, main, a_q_pain (q_pain's link group), answers named like nodes, source keys
    with spaces (tests/data/render/collide.yaml): every page and diagram is valid, ids once each."""
    from tests.test_render_ids import collide_outputs

    files = collide_outputs(tmp_path)
    pages = [p for p in files if p.suffix == ".html"]
    svgs = [p for p in files if p.suffix == ".svg"]
    assert _vnu(pages) == []
    assert _vnu(svgs, "--also-check-svg") == []
