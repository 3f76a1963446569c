"""The heat map page other commands (coverage, batch audit) draw their numbers on."""

from __future__ import annotations

import re

import pytest

from vcfgraph.cli.graphviz_run import run_dot
from vcfgraph.render import ids, svg
from vcfgraph.render.dot import pathway_dot
from vcfgraph.render.heatmap import bin_ranges, format_number, heat_bin, heatmap_page

from tests.test_render_dot import check_golden

NODE_VALUES = {"q_pain": 10, "q_levels": 6, "V_sore": 4, "V_quiet": 0, "H_refer": 2.5}
EDGE_VALUES = {"q_pain->q_levels": 6, "q_pain->V_quiet": 0, "V_sore->a_cement": 3, "V_quiet->a_rest": 1}


@pytest.fixture(scope="module")
def page(tiny, render_need_dot) -> str:
    layout = run_dot(pathway_dot(tiny), "svg")
    return heatmap_page(tiny, layout, title="Coverage <of> the tiny pathway", caption="Cases & routes per element.",
                        node_values=NODE_VALUES, edge_values=EDGE_VALUES, value_label="cases")


def test_heatmap_matches_golden(page, update_goldens):
    check_golden("tiny-heatmap.html", page, update_goldens)


def test_bins():
    assert [heat_bin(v, 10) for v in (0, 0.1, 2, 2.1, 5, 9.99, 10)] == [0, 1, 1, 2, 3, 5, 5]
    assert heat_bin(3, 0) == 0 and heat_bin(-1, 10) == 0
    assert bin_ranges(10) == [(0, "0"), (1, "more than 0 up to 2"), (2, "more than 2 up to 4"),
                              (3, "more than 4 up to 6"), (4, "more than 6 up to 8"), (5, "more than 8 up to 10")]
    assert [format_number(v) for v in (3.0, 2.5, 0.123456, 12)] == ["3", "2.5", "0.123", "12"]


def test_elements_are_shaded_and_labelled(page):
    start = page.index("<svg")
    root = svg.parse(page[start:page.index("</svg>") + 6])
    nodes = {ids.node_of(g.get("id")) or g.get("id"): g for g in svg.element_groups(root, "node")}
    assert "vg-heat-5" in nodes["q_pain"].get("class") and "vg-heat-0" in nodes["V_quiet"].get("class")
    assert "vg-heat-2" in nodes["V_sore"].get("class")
    assert "vg-unvalued" in nodes["a_rest"].get("class") and "vg-heat" not in nodes["a_rest"].get("class")
    values = {g.get("id"): [t.text for t in g.iter(f"{{{svg.SVG_NS}}}text") if t.get("class") == "vg-value"]
              for g in root.iter(f"{{{svg.SVG_NS}}}g") if g.get("id")}
    assert values["n-q_pain"] == ["10"] and values["n-H_refer"] == ["2.5"]
    assert values["a_r-V_sore--a_cement"] == ["3"]
    edges = {g.get("id"): g.get("class") for g in svg.element_groups(root, "edge")}
    assert "vg-heat-3" in edges["e-q_pain--q_levels"] and "vg-heat-0" in edges["e-q_pain--V_quiet"]


def test_values_are_listed_as_text_and_escaped(page):
    assert "<h1>Coverage &lt;of&gt; the tiny pathway</h1>" in page
    assert "Cases &amp; routes per element." in page
    assert '<td>edge</td><td><code>q_pain-&gt;q_levels</code></td><td>Yes</td><td class="value">6</td>' in page
    assert '<td>node</td><td><code>H_refer</code></td><td>Refer</td><td class="value">2.5</td>' in page
    # one fixed script (it scrolls the full-size diagram to its darkest node), holding no data
    assert page.count("<script") == 1 and "Coverage" not in page.split("<script>", 1)[1].split("</script>", 1)[0]
    assert "http" not in page.split("<svg", 1)[0].replace("http://www.w3.org", "")


def test_a_variants_heat_never_colours_its_rows_and_dark_fills_get_light_text():
    from vcfgraph.render.heatmap import heat_css
    from vcfgraph.render.style import HEAT_BINS

    css = heat_css()
    # a node's fill applies to its own shape only; a row's fill comes from the row's own value
    assert re.search(r"(?<![\w>])\.vg-heat-\d \.vg-(fill|shape)", css) is None
    for k, (fill, ink) in enumerate(HEAT_BINS):
        assert f".node.vg-heat-{k}>.vg-shape,.vg-row.vg-heat-{k} .vg-fill{{fill:{fill}" in css
        assert f".vg-row.vg-heat-{k} text:not(.vg-value),.node.vg-heat-{k}:not(.vg-kind-variant) text:not(.vg-value){{fill:{ink}}}" in css
