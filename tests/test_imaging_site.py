"""The imaging companion on the site (issue 30): the browser's dose rule equals Python's over every
combination of up to three studies, and the pages show the notes, the dose line and the handout."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from vcfgraph.imaging.dose import Item, background_text, estimate, msv_text, range_text
from vcfgraph.io.imaging import load_imaging
from vcfgraph.io.load import load_cases
from vcfgraph.engine import trace
from vcfgraph.render import imaging_page
from vcfgraph.render.site import CaseRender, case_page

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOSE_JS = ROOT / "vcfgraph" / "render" / "static" / "dose.js"
RENDERS = ROOT / "renders"
NODE = shutil.which("node")


@pytest.fixture(scope="module")
def imaging(bundled):
    return load_imaging(bundled)


def _node(script: str, data: object) -> object:
    done = subprocess.run([NODE, "-e", script], input=json.dumps(data), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_browser_rule_equals_python_over_every_combination_of_up_to_three_studies(imaging):
    asset = imaging_page.dose_script(imaging)
    head, _, rest = asset.partition(";\n")
    data = json.loads(head.removeprefix("window.VCFDOSE = "))
    assert rest == DOSE_JS.read_text(encoding="utf-8")
    ids = [s.id for s in imaging.studies]
    combos = [list(c) for n in (1, 2, 3) for c in itertools.combinations_with_replacement(ids, n)]
    assert len(combos) == 13 + 91 + 455
    script = f"""
      const rule = require({json.dumps(str(DOSE_JS))});
      let input = ""; process.stdin.on("data", d => input += d); process.stdin.on("end", () => {{
        const job = JSON.parse(input);
        const out = job.combos.map(c => {{
          const e = rule.estimate(job.data, c.map(s => ({{study: s, times: 1}})));
          return [e.low, e.high, e.withEstimates, e.text];
        }});
        const words = job.amounts.map(u => [rule.msvText(u), rule.backgroundText(0, u, job.data.perYear),
                                             rule.rangeText(u, u * 3)]);
        process.stdout.write(JSON.stringify({{out, words}}));
      }});"""
    amounts = sorted({0, 1, 2, 49, 50, 99, 100, 101, 949, 950, 999, 1000, 1049, 1050, 9949, 9950, 99500, 123456, 2999999}
                     | set(range(0, 40000, 137)))
    got = _node(script, {"data": data, "combos": combos, "amounts": amounts})
    want = []
    for c in combos:
        est = estimate(imaging, [Item(s) for s in c])
        want.append([est.low, est.high, list(est.with_estimates) if est.with_estimates else None, est.text()])
    assert got["out"] == want
    assert got["words"] == [[msv_text(u), background_text(0, u, 3000), range_text(u, u * 3)] for u in amounts]


def _case(bundled, name: str) -> CaseRender:
    case = load_cases(bundled, ROOT / "cases" / name)[0]
    return CaseRender(case, trace(bundled, case))


def test_a_case_page_shows_how_the_recommended_imaging_is_done_and_what_it_adds(bundled, imaging):
    page = case_page(bundled, _case(bundled, "vcf-001.yaml"), imaging=imaging)
    assert '<h3 id="imaging-how">How the recommended imaging is done</h3>' in page
    assert '<strong>MRI spine without IV contrast</strong>: Sagittal T1' in page
    assert 'href="../imaging.html#study-mri_spine_wo">Full protocol note</a>' in page
    assert "INFERRED, not confirmed" in page  # the CT line is inferred and says so
    assert ("<strong>Radiation if each of these is done once:</strong> about 1 to 10 mSv, roughly 4 months to 3 years "
            "of natural background") in page
    assert 'data-dose-form data-studies="mri_spine_wo,ct_spine_wo" data-case="vcf-001"' in page
    assert '<script src="../assets/dose.js"></script>' in page


def test_a_case_page_without_recommended_imaging_or_companion_has_no_section(bundled, imaging):
    treatment = case_page(bundled, _case(bundled, "seed-incidental-t12.yaml"), imaging=imaging)
    assert "imaging-how" not in treatment and "assets/dose.js" not in treatment
    assert "imaging-how" not in case_page(bundled, _case(bundled, "vcf-001.yaml"))


def test_the_imaging_page_holds_every_note_its_sources_and_the_limits(bundled, imaging):
    page = imaging_page.imaging_page(bundled, imaging, "t")
    for s in imaging.studies:
        assert f'<section class="study" id="study-{s.id}"' in page
    for key in sorted({k for s in imaging.studies for k in s.sources()}):
        assert f'<li id="isrc-{key}"><strong>{key}</strong>' in page
    assert page.count('<li id="isrc-') == len(set(page.split('<li id="isrc-')[1:]))
    assert "The guideline does not rate this study" in page and "not this patient&#39;s risk" in page
    assert "javascript:" not in page


def test_the_handout_carries_the_limits_and_fills_from_its_address(bundled, imaging):
    page = imaging_page.handout_page(bundled, imaging, "t")
    assert '<div id="handout-fill">' in page and "children need their own bands" in page
    assert "is about 3 mSv a year" in page and "a range, never one exact number" in page


def test_the_built_site_has_the_imaging_pages_and_stays_under_2_mb(render_bundled_site):
    assert (RENDERS / "imaging.html").is_file() and (RENDERS / "handout.html").is_file()
    assert (RENDERS / "assets" / "dose.js").is_file()
    # issue 30's budget, on a fresh build (renders/ is that build: test_site checks it is not stale)
    total = sum(p.stat().st_size for p in render_bundled_site.rglob("*") if p.is_file())
    assert total < 2_000_000, f"the site is {total} bytes"
    assert 'href="imaging.html"' in (RENDERS / "index.html").read_text(encoding="utf-8")
    assert 'id="imaging-notes"' in (RENDERS / "pathway.html").read_text(encoding="utf-8")


@pytest.mark.browser
def test_in_the_browser_the_form_adds_earlier_studies_and_the_explorer_says_what_imaging_adds():
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.test_browser import CHROMIUM, LAUNCH_ARGS, absent

    if not CHROMIUM.exists():
        absent("chromium")
    page_file = RENDERS / "cases" / "vcf-001.html"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(page_file.as_uri())
        page.wait_for_selector(".dose-explorer")
        assert page.inner_text(".dose-explorer").startswith(
            "Radiation of the usually appropriate imaging, each done once: about 1 to 10 mSv, roughly 4 months to 3 years")
        assert page.inner_text(".dose-result") == "Together: about 1 to 10 mSv, roughly 4 months to 3 years of natural background."
        for study in ("ct_spine_wo", "fdg_pet_ct"):
            page.select_option("#dose-add", study)
            page.click("form.dose-form button[type=submit]")
        assert page.inner_text(".dose-result") == "Together: about 12 to 50 mSv, roughly 4 to 17 years of natural background."
        href = page.get_attribute(".dose-handout", "href")
        assert href == "../handout.html#studies=mri_spine_wo,ct_spine_wo,ct_spine_wo,fdg_pet_ct&case=vcf-001"
        page.goto((RENDERS / "handout.html").as_uri() + "#" + href.split("#", 1)[1])
        assert "Together: about 12 to 50 mSv" in page.inner_text("#handout-fill")
        assert page.locator(".handout-studies li").count() == 4
        browser.close()
    assert errors == []
