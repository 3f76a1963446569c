"""The static teaching site: golden pages, determinism, escaping, offline, and the committed renders/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from vcfgraph.cli import main
from vcfgraph.render import html
from vcfgraph.render.ids import case_slug

from tests.test_render_dot import check_golden

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RENDER_DATA = HERE / "data" / "render"
TINY = HERE / "data" / "tiny.yaml"
TRICKY_SLUG = case_slug('evil "<case>" & {x}')


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", ["index.html", "pathway.html", "cases/sore-bleeding.html",
                                  "cases/pain-unknown.html", "cases/several-levels.html"])
def test_tiny_site_matches_golden(render_tiny_site, update_goldens, name):
    check_golden("site/" + name, (render_tiny_site / name).read_text(encoding="utf-8"), update_goldens)


def test_tiny_site_has_every_page(render_tiny_site):
    assert sorted(files_of(render_tiny_site)) == sorted([
        ".vcfgraph-site.json", "assets/pathway.js", "assets/print.css", "assets/quiz.js", "assets/site.js", "assets/twin.js",
        "assets/vcfgraph.css", "explore.html", "index.html", "pathway.html", "pathway.svg", "quiz.html", "cases/pain-unknown.html",
        "cases/quiet.html",
        "cases/several-levels.html", "cases/sore-bleeding.html", f"cases/{TRICKY_SLUG}.html",
    ])


def test_two_builds_are_byte_identical_and_cost_one_dot_run(render_tiny_site, tmp_path, capsys):
    from vcfgraph.cli.graphviz_run import dot_runs

    again = tmp_path / "again"
    before = dot_runs()
    assert main(["site", "-o", str(again), "-g", str(TINY), "--cases", str(RENDER_DATA / "tiny-cases.yaml"),
                 str(RENDER_DATA / "tricky-case.yaml")]) == 0
    assert dot_runs() - before == 1
    assert files_of(again) == files_of(render_tiny_site)
    assert capsys.readouterr().out == f"vcfgraph site: 16 files for 5 cases in {again} (1 dot run); open {again}/index.html\n"


def test_case_text_is_shown_literally_and_never_as_markup(render_tiny_site):
    page = (render_tiny_site / "cases" / f"{TRICKY_SLUG}.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt; &#34;double&#34; &#39;single&#39; &amp; ampersand" in page
    assert "&lt;img src=x onerror=&#34;window.__xss = 2&#34;&gt; Fish &amp; chips" in page
    assert "<h1>Case evil &#34;&lt;case&gt;&#34; &amp; {x}</h1>" in page
    for name, data in files_of(render_tiny_site).items():
        if not name.endswith(".html"):
            continue
        text = SHARED_SCRIPTS.sub("", NOSCRIPT_IMAGE.sub("", data.decode("utf-8"))).lower()
        assert "<script" not in text and "<img" not in text and "onerror=" not in text.replace("onerror=&#34;", ""), name
    data = (render_tiny_site / "assets" / "pathway.js").read_text(encoding="utf-8")
    assert "</" not in data and "<!--" not in data and "\u2028" not in data


#: the only scripts a page loads: the shared files, by src, never inline
SHARED_SCRIPTS = re.compile(r'<script src="(\.\./)?assets/(pathway|twin|site|quiz|dose)\.js"></script>')
#: the only image: the plain diagram, for browsers without scripts
NOSCRIPT_IMAGE = re.compile(r'<noscript><p><img class="vg-static" src="(\.\./)?pathway\.svg" alt="[^"<>]*"></p></noscript>')
SHARED_STYLES = re.compile(r'<link rel="stylesheet"( media="print")? href="(\.\./)?assets/(vcfgraph|print)\.css">')


def test_pages_fetch_nothing_from_outside(render_bundled_site):
    for name, data in files_of(render_bundled_site).items():
        text = SHARED_STYLES.sub("", SHARED_SCRIPTS.sub("", NOSCRIPT_IMAGE.sub("", data.decode("utf-8"))))
        if name.endswith(".js"):
            assert "fetch(" not in text and "XMLHttpRequest" not in text and "import(" not in text, name
            assert "innerHTML" not in text and "eval(" not in text and "Function(" not in text, name
            continue
        assert not re.search(r"<(link|script|img|iframe|object|embed)\b", text), name
        assert "@import" not in text and "url(" not in text, name
        assert not re.search(r'\s(src|srcset|data|poster)=', text), name
        # links to sources may point outside; nothing the browser loads by itself does
        local = [h for h in re.findall(r'href="([^"]+)"', text) if not h.startswith(("http://", "https://"))]
        assert all(not h.startswith("//") for h in local), name


def test_bundled_case_page_has_every_section(render_bundled_site, bundled):
    page = (render_bundled_site / "cases" / "seed-incidental-t12.html").read_text(encoding="utf-8")
    for heading in ("<h2 class=\"vg-keep\">The vignette</h2>", "<h2>Step by step</h2>", "<h2>The route at a glance</h2>",
                    "<h2 class=\"print-hide\">The route on the pathway</h2>",
                    "<h2>Recommendations</h2>", "<h3>Radiation of the usually appropriate imaging</h3>",
                    "<h2>What happens next</h2>", "<h2>Red flags</h2>", "<h2>The facts of the case</h2>"):
        assert heading in page, heading
    assert "<p><strong>Outcome:</strong> V5: painless osteoporotic VCF - initial treatment</p>" in page
    assert '<p class="status-ok">Matches the case file\'s expectations.</p>' in page
    assert 'class="card"' not in page and "<svg" not in page  # one copy of both, in pathway.html and assets/
    assert 'id="vg-explorer"' in page and 'data-facts="{&#34;age&#34;:78,&#34;sex&#34;:&#34;female&#34;,' in page
    # the explorer link's facts, the toolbar, the legend and the facts' questions come from the shared scripts
    assert '<a class="vg-explore-link" href="../explore.html">' in page and "#facts=" not in page
    assert page.count('<div data-vg-part="tools"></div>') == page.count('<div data-vg-part="legend"></div>') == 1
    assert 'class="legend"' not in page and "vg-tools" not in page and '<table class="facts' not in page
    assert '<p class="vg-facts-text"><code>age</code> = 78 years; <code>sex</code> = female;' in page
    assert "How old is the patient?" not in page


def test_bundled_pathway_page_shows_every_variant_and_rating(render_bundled_site, bundled):
    page = (render_bundled_site / "pathway.html").read_text(encoding="utf-8")
    for variant in bundled.of_kind("variant"):
        assert f'<section class="variant" id="variant-{variant.id}"' in page
    assert page.count('<tr class="row-') == 71 + 71  # every rating in its variant table and in its action's card
    assert page.count(' unconfirmed"') == 2 * 2  # the two inferred ratings, in both places
    assert "FAQ" not in page or "Questions teachers hear" in page


def test_committed_renders_are_up_to_date(render_bundled_site):
    """renders/ is what `make demo` builds; it must match a fresh build byte for byte."""
    committed = files_of(ROOT / "renders")
    fresh = files_of(render_bundled_site)
    stale = sorted(n for n in set(committed) | set(fresh) if committed.get(n) != fresh.get(n))
    assert not stale, f"renders/ is stale ({len(stale)} files differ, e.g. {stale[:3]}): run `make demo` and commit renders/"


def test_pages_of_cases_no_longer_given_are_removed_and_nothing_else(tmp_path, render_need_dot):
    out = tmp_path / "site"
    (out / "cases").mkdir(parents=True)
    (out / "cases" / "mine.html").write_text("a teacher's own page", encoding="utf-8")
    (out / "keep.txt").write_text("not ours", encoding="utf-8")
    site = ["site", "-o", str(out), "-g", str(TINY), "--cases"]
    assert main(site + [str(RENDER_DATA / "tiny-cases.yaml"), str(RENDER_DATA / "tricky-case.yaml")]) == 0
    assert (out / "cases" / f"{TRICKY_SLUG}.html").exists()
    assert main(site + [str(RENDER_DATA / "tiny-cases.yaml")]) == 0
    assert not (out / "cases" / f"{TRICKY_SLUG}.html").exists()  # written by the first build, not the second
    assert (out / "cases" / "mine.html").read_text(encoding="utf-8") == "a teacher's own page"
    assert (out / "keep.txt").read_text(encoding="utf-8") == "not ours"
    listed = json.loads((out / ".vcfgraph-site.json").read_text(encoding="utf-8"))["files"]
    assert listed == sorted(files_of(out).keys() - {".vcfgraph-site.json", "keep.txt", "cases/mine.html"})


@pytest.mark.parametrize("manifest", ['{"files": ["../outside.html"]}', '{"files": ["/etc/passwd"]}', "not json",
                                      '{"files": "index.html"}'])
def test_a_manifest_not_written_by_the_tool_removes_nothing(tmp_path, capsys, render_need_dot, manifest):
    out = tmp_path / "site"
    (out / "cases").mkdir(parents=True)
    (out / "cases" / "old.html").write_text("kept", encoding="utf-8")
    (tmp_path / "outside.html").write_text("kept too", encoding="utf-8")
    (out / ".vcfgraph-site.json").write_text(manifest, encoding="utf-8")
    assert main(["site", "-o", str(out), "-g", str(TINY), "--cases", str(RENDER_DATA / "tiny-cases.yaml")]) == 0
    assert (out / "cases" / "old.html").exists() and (tmp_path / "outside.html").exists()
    assert "is not a list of files this tool wrote; no old file is removed" in capsys.readouterr().err


def test_site_reports_cases_it_cannot_use(tmp_path, capsys, render_need_dot):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nfacts: {levels: 99}\n", encoding="utf-8")
    code = main(["site", "-o", str(tmp_path / "out"), "-g", str(TINY), "--cases", str(bad),
                 str(RENDER_DATA / "tiny-cases.yaml")])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith(f"vcfgraph: error: {bad}:2:") and "levels" in captured.err
    assert "vcfgraph site: 15 files for 4 cases in" in captured.out


def test_case_ids_that_share_a_file_name_are_a_usage_error(tmp_path, capsys):
    same = tmp_path / "same.yaml"
    digest = case_slug("a b").rsplit("-", 1)[1]
    same.write_text(f"cases:\n  - {{id: a b, facts: {{pain: false}}}}\n  - {{id: a-b-{digest}, facts: {{pain: false}}}}\n",
                    encoding="utf-8")
    code = main(["site", "-o", str(tmp_path / "out"), "-g", str(TINY), "--cases", str(same)])
    assert code == 2
    assert capsys.readouterr().err == (f"vcfgraph: error: case 'a b' and case 'a-b-{digest}' would both be written to "
                                       f"cases/a-b-{digest}.html (file names ignore letter case on many systems): "
                                       "give one of the cases another id\n")
    assert not (tmp_path / "out").exists()


def test_duplicate_case_ids_are_a_usage_error(tmp_path, capsys):
    dup = tmp_path / "dup.yaml"
    dup.write_text("id: quiet\nfacts: {pain: false}\n", encoding="utf-8")
    code = main(["site", "-o", str(tmp_path / "out"), "-g", str(TINY), "--cases",
                 str(RENDER_DATA / "tiny-cases.yaml"), str(dup)])
    assert code == 2
    assert capsys.readouterr().err == (f"vcfgraph: error: {dup}: case id 'quiet' is already used in "
                                       f"{RENDER_DATA / 'tiny-cases.yaml'}\n")


def test_one_environment_with_autoescape_and_strict_undefined():
    env = html.environment()
    assert env is html.environment()
    assert env.autoescape is True
    import jinja2

    assert env.undefined is jinja2.StrictUndefined
    with pytest.raises(jinja2.UndefinedError):
        html.render("index.html.j2", root="", site_title="x")


def test_case_slugs_are_safe_and_distinct():
    assert case_slug("vcf-001") == "vcf-001"
    assert case_slug("a/b") != case_slug("a b")
    assert re.fullmatch(r"[a-z0-9._-]+", case_slug('evil "<case>" & {x}'))
    assert case_slug("../../etc").startswith("etc-")


@pytest.mark.parametrize("case_id", ["con", "NUL", "aux.txt", "com1", "lpt9.yaml", "Case1", "x.", "a" * 300, "\u00e9t\u00e9",
                                     "", "...", "con-", "\ud800"])
def test_case_slugs_avoid_reserved_long_and_case_only_names(case_id):
    slug = case_slug(case_id)
    assert re.fullmatch(r"[a-z0-9][a-z0-9._-]*[a-z0-9_-]", slug), slug
    assert len(slug) <= 73 and slug.split(".")[0] not in {"con", "nul", "aux", "com1", "lpt9"}
    assert slug != case_id.lower() or slug == case_id
    assert case_slug("Case1").casefold() != case_slug("case1").casefold()


def test_a_case_that_misses_its_expectations_is_built_and_exits_1(tmp_path, capsys, render_need_dot):
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("id: wrong\nfacts: {pain: false}\nexpected: {outcome: variant, terminal: V_sore}\n",
                     encoding="utf-8")
    out = tmp_path / "out"
    assert main(["site", "-o", str(out), "-g", str(TINY), "--cases", str(wrong)]) == 1
    assert capsys.readouterr().err == ("vcfgraph: case 'wrong' does not match its expectations: "
                                       "expected to reach V_sore, reached V_quiet\n")
    page = (out / "cases" / "wrong.html").read_text(encoding="utf-8")
    assert "<li>expected to reach V_sore, reached V_quiet</li>" in page
    assert '<span class="status-bad">no</span>' in (out / "index.html").read_text(encoding="utf-8")


def test_a_part_is_its_macro_as_a_tree_the_script_builds_without_parsing(bundled):
    from vcfgraph.render import parts

    assert parts.markup_tree('<p class="a">x &amp; <b>y</b><br>z</p>\n<i></i>') == [
        ["p", {"class": "a"}, "x & ", ["b", {}, "y"], ["br", {}], "z"], ["i", {}]]
    for broken in ("<p><b></p>", "<p>", "</p>"):
        with pytest.raises(ValueError):
            parts.markup_tree(broken)
    built = parts.parts(bundled)
    assert sorted(built) == ["legend", "tools"]
    assert built["tools"][:2] == ["div", {"class": "vg-tools", "role": "toolbar", "aria-label": "Diagram view", "hidden": ""}]
    assert built["legend"][:2] == ["div", {"class": "legend", "role": "note", "aria-label": "Legend"}]
    assert "This case" in json.dumps(built["legend"]) and "<" not in json.dumps(built)
