"""Ids in generated pages: no pathway content can collide with another id (issue 13).

``tests/data/render/collide.yaml`` has nodes called ``legend``, ``main``, ``need_info``,
``diagram`` and ``a_q_pain`` (the Graphviz link group of ``q_pain``), answers whose ids are node
ids, and source keys holding a space and a tab. Its site and diagrams must hold every id once
(the Nu checker checks them too, in test_browser.py).
"""

from __future__ import annotations

import json

import re
from collections import Counter
from pathlib import Path

import pytest

from vcfgraph.cli import main
from vcfgraph.render import ids

HERE = Path(__file__).resolve().parent
RENDER_DATA = HERE / "data" / "render"
COLLIDE = RENDER_DATA / "collide.yaml"
COLLIDE_CASES = RENDER_DATA / "collide-cases.yaml"
_ID = re.compile(r'\sid="([^"]*)"')


def collide_outputs(folder: Path) -> list[Path]:
    """Build the site and the SVG diagrams of collide.yaml into ``folder``; every HTML and SVG file."""
    assert main(["site", "-g", str(COLLIDE), "--cases", str(COLLIDE_CASES), "-o", str(folder / "site")]) == 0
    assert main(["render", "-g", str(COLLIDE), "--case", str(COLLIDE_CASES), "-o", str(folder / "svg")]) == 0
    return sorted(folder.rglob("*.html")) + sorted(folder.rglob("*.svg"))


@pytest.fixture(scope="module")
def collide_files(tmp_path_factory, render_need_dot) -> list[Path]:
    return collide_outputs(tmp_path_factory.mktemp("collide"))


def test_every_id_of_every_page_is_unique_and_a_valid_html_id(collide_files):
    assert len(collide_files) == 9 + 9  # the site (explore.html too) and the diagrams
    for path in collide_files:
        found = _ID.findall(path.read_text(encoding="utf-8"))
        twice = {k: n for k, n in Counter(found).items() if n > 1}
        assert not twice, f"{path.name}: ids used more than once: {twice}"
        assert all(i and not re.search(r"\s", i) for i in found), path.name


def test_nodes_named_like_the_diagram_own_elements_stay_nodes(collide_files, collide):
    page_path = next(p for p in collide_files if p.name == "pathway.html")
    page = page_path.read_text(encoding="utf-8")
    script = (page_path.parent / "assets" / "pathway.js").read_text(encoding="utf-8")
    line = next(x for x in script.splitlines() if x.startswith('window.VCFGRAPH["svg"] = '))
    diagram = json.loads(line.removeprefix('window.VCFGRAPH["svg"] = ').removesuffix(";"))  # the diagram every page mounts
    for node in ("legend", "main", "need_info", "diagram", "a_q_pain", "q_pain"):
        assert f'<g id="{ids.node_id(node)}" class="node' in diagram, node
    assert diagram.count('<g id="legend" class="node">') == 1  # the legend is still one node of its own
    assert f'id="{ids.source_id("S 1")}"' in page and f'href="pathway.html#{ids.source_id("S 1")}"' in page
    assert 'id="src-S.20.1"' in page and 'id="src-S.9.1"' in page


@pytest.fixture(scope="module")
def collide():
    from vcfgraph.io.load import load_pathway

    return load_pathway(COLLIDE)


def test_the_tiny_pathway_of_collisions_loads_and_routes(collide):
    assert {n.id for n in collide.nodes} >= {"legend", "main", "need_info", "diagram", "a_q_pain", "q_pain"}
    assert {e.id for e in collide.edges} >= {"legend", "q_pain", "a_q_pain"}


CONTENT = ["q_pain", "a_q_pain", "legend", "main", "n", "e", "r", "a", "card", "S 1", "S\t1", "S.20.1", "x->y",
           "x--y", "-", "->", "-->", "a.b", "V1~2", "é", "\ud800", "", "n-q", "l-x"]


def test_content_ids_of_different_kinds_or_content_never_meet():
    made: dict[str, tuple[str, str]] = {}
    makers = {"node": ids.node_id, "edge": ids.edge_id, "row": ids.row_id, "head": ids.head_id,
              "rule": lambda x: ids.rule_id(x, "r"), "rule2": lambda x: ids.rule_id("V", x),
              "reenter": ids.reenter_id, "card": ids.card_id, "variant": ids.variant_id,
              "heading": ids.variant_heading_id, "source": ids.source_id,
              "layout": lambda x: ids.layout_id(x), "layout2": lambda x: ids.layout_id(x, "legend")}
    for kind, make in makers.items():
        for text in CONTENT:
            for dom in (make(text), ids.anchor_id(make(text))):
                assert dom not in ids.FIXED, (kind, text)
                assert made.setdefault(dom, (kind, text)) == (kind, text), (dom, made[dom], (kind, text))
                assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", dom), dom


def test_fixed_ids_are_not_of_a_content_form():
    prefixes = set(ids.NAMESPACES.values())
    for fixed in ids.FIXED:
        assert fixed.split("-", 1)[0] not in prefixes or "-" not in fixed, fixed
        assert not fixed.startswith("a_"), fixed
    assert ids.LEGEND_NAME != ids.dot_name("legend") and "-" in ids.LEGEND_NAME + ids.NEED_INFO_NAME


@pytest.mark.parametrize("text", CONTENT)
def test_encoding_is_one_to_one(text):
    assert ids.decode(ids.encode(text)) == text
    assert ids.node_of(ids.node_id(text)) == text
    assert ids.row_of(ids.anchor_id(ids.row_id(text))) == text
    assert ids.rule_of(ids.anchor_id(ids.rule_id(text, text))) == (text, text)
    assert ids.row_of(ids.rule_id(text, "r")) is None and ids.rule_of(ids.row_id(text)) is None
    assert "-" not in ids.encode(text)
