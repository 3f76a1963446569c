"""DOT of the pathway, of a route on it, and of the route alone: golden files, ids, escaping."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from vcfgraph.engine import trace
from vcfgraph.io.load import load_cases, load_pathway
from vcfgraph.render import ids, style
from vcfgraph.render.dot import pathway_dot, route_dot, route_states
from vcfgraph.render.route_view import route_only_dot
from vcfgraph.render.svg import SVG_NS as SVG, XLINK_NS as XLINK, element_groups, parse

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden" / "render"
RENDER_DATA = HERE / "data" / "render"


def check_golden(name: str, text: str, update: bool) -> None:
    """Compare ``text`` with the golden file ``name`` (rewrite it with --update-goldens)."""
    path = GOLDEN / name
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.exists(), f"{path} is missing: run pytest --update-goldens"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file (pytest --update-goldens)"


@pytest.fixture(scope="module")
def tiny_routes(tiny):
    cases = load_cases(tiny, RENDER_DATA / "tiny-cases.yaml")
    return {c.id: (c, trace(tiny, c)) for c in cases}


def test_pathway_dot_matches_golden(tiny, update_goldens):
    check_golden("tiny.dot", pathway_dot(tiny), update_goldens)


@pytest.mark.parametrize("case_id", ["sore-bleeding", "pain-unknown", "several-levels"])
def test_route_dots_match_golden(tiny, tiny_routes, update_goldens, case_id):
    case, route = tiny_routes[case_id]
    check_golden(f"tiny-{case_id}.dot", route_dot(tiny, route), update_goldens)
    check_golden(f"tiny-{case_id}-route.dot", route_only_dot(tiny, route, f"Case {case.id}"), update_goldens)


def test_every_element_has_its_stable_id(bundled):
    text = pathway_dot(bundled)
    declared = set(re.findall(r'\bid="([^"]+)"', text, re.I)) | set(re.findall(r"\bid=([A-Za-z0-9_.-]+)", text, re.I))
    for node in bundled.nodes:
        assert ids.node_id(node.id) in declared, node.id
    for edge in bundled.edges:
        assert ids.edge_id(edge.id) in declared, edge.id
    rows = {ids.row_id(edge_id) for edge_id, _, _ in bundled.rating_edges()}
    assert len(rows) == 71
    assert rows <= declared
    reenters = [d for n in bundled.nodes for d in n.downstream if d.kind == "reenter"]
    assert {ids.reenter_id(d.id) for d in reenters} <= declared


def test_dom_ids_are_xml_names_and_one_to_one(bundled):
    names = ([ids.node_id(n.id) for n in bundled.nodes] + [ids.edge_id(e.id) for e in bundled.edges]
             + [ids.row_id(i) for i, _, _ in bundled.rating_edges()])
    assert len(set(names)) == len(names)
    for name in names:
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", name), name
    assert ids.edge_id("q_a->V_b") == "e-q_a--V_b"
    assert ids.reenter_id("V1~2") == "re-V1.7e.2"


def test_fonts_are_set_on_graph_nodes_and_edges(tiny):
    text = pathway_dot(tiny)
    for scope in ("graph", "node", "edge"):
        assert re.search(rf'^\s*{scope} \[[^\]]*fontname="{style.FONT}"', text, re.M), scope


def test_route_dot_changes_only_colours(bundled):
    """The route diagram differs from the base only in colour and pen attributes, so dot keeps the layout."""
    case = load_cases(bundled, HERE.parent / "cases" / "seed-incidental-t12.yaml")[0]
    base, routed = pathway_dot(bundled), route_dot(bundled, trace(bundled, case))
    strip = re.compile(r'\b(color|fillcolor|fontcolor|penwidth|style|COLOR|BGCOLOR)=("[^"]*"|[^ \]>]*)')
    assert _words(strip.sub("", base)) == _words(strip.sub("", routed))
    assert base != routed


def _words(text: str) -> list[str]:
    return text.split()


def test_route_states_follow_the_route(tiny, tiny_routes):
    _case, route = tiny_routes["sore-bleeding"]
    states = route_states(tiny, route)
    assert states.node("q_pain") == "on" and states.node("q_levels") == "on"
    assert states.node("V_sore") == "end"
    assert states.node("V_quiet") == "off" and states.node("H_refer") == "off"
    assert states.categories == {"a_mri": "MBA"}
    assert states.contraindicated == ("a_cement",)
    assert states.edges == {"e-q_pain--q_levels": "on", "e-q_levels--V_sore": "on"}
    assert states.rows == {"r-V_sore--a_mri": "on", "r-V_sore--a_cement": "on"}
    stopped = route_states(tiny, tiny_routes["pain-unknown"][1])
    assert stopped.node("q_pain") == "stop" and stopped.node("q_levels") == "off"


def test_special_characters_stay_literal(render_need_dot):
    """Labels with HTML and DOT syntax are escaped in DOT and come out literally in the SVG."""
    from vcfgraph.cli.graphviz_run import run_dot

    pathway = load_pathway(RENDER_DATA / "specials.yaml")
    text = pathway_dot(pathway)
    assert "label=<<FONT COLOR=\"#1a1a1a\">Rest &lt;script&gt;alert(1)&lt;/s" in text and "<script>" not in text.split("tooltip")[0]
    assert "&amp;amp;" in text  # the label's literal "&amp;" is escaped once more
    root = parse(run_dot(text, "svg"))
    shown, tips = {}, {}
    for g in element_groups(root, "node"):
        shown[ids.node_of(g.get("id"))] = " ".join(t.text or "" for t in g.iter(f"{{{SVG}}}text"))
        link = next(g.iter(f"{{{SVG}}}a"), None)
        tips[ids.node_of(g.get("id"))] = link.get(f"{{{XLINK}}}title") if link is not None else None
    label = pathway.node("q_pain").label
    assert label == 'Pain <b>&amp;</b> "ache" {x} | y \\ z?'
    assert shown["q_pain"] == " ".join(textwrap.wrap(label, 16))
    assert tips["q_pain"] == f"{label} (question, q_pain)"
    rest = pathway.node("a_rest").label
    assert shown["a_rest"] == " ".join(textwrap.wrap(rest, 24)) + " \u211e treatment"
    assert tips["a_rest"] == f"{rest} (action, a_rest)"


def test_case_title_is_escaped_in_the_route_view(tiny):
    case = load_cases(tiny, RENDER_DATA / "tricky-case.yaml")[0]
    text = route_only_dot(tiny, trace(tiny, case), f"Case {case.id}: {case.description}")
    assert "<script>" not in text
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in text
    assert "&quot;double&quot;" in text and "&amp; ampersand" in text


def test_dots_run_at_once_give_the_same_bytes_in_order(render_need_dot, tiny, tiny_routes):
    """``run_dots`` lays graphs out in parallel processes: the results are those of one run at a
    time, in the order given, and a graph dot cannot lay out is the clear error of that graph."""
    from vcfgraph.cli.graphviz_run import dot_runs, run_dot, run_dots
    from vcfgraph.errors import UsageError

    texts = [pathway_dot(tiny)] + [route_only_dot(tiny, route, f"case {name}") for name, (_case, route)
                                   in sorted(tiny_routes.items())]
    before = dot_runs()
    together = run_dots(texts, "svg")
    assert dot_runs() - before == len(texts)
    assert together == [run_dot(text, "svg") for text in texts]
    assert len(set(together)) == len(texts)  # every graph its own picture, none swapped
    with pytest.raises(UsageError, match="dot failed"):
        run_dots([texts[0], "digraph { a -> }", texts[1]], "svg")


def test_a_pathways_own_scale_is_shown_by_its_names_not_its_ids():
    """ACR's UA / MBA / UNA are abbreviations readers know; another scale's ids are not."""
    ottawa = load_pathway(Path(__file__).resolve().parent.parent / "graphs" / "examples" / "ottawa-ankle.yaml")
    dot = pathway_dot(ottawa)
    assert "<B>\u2714 Radiographs indicated</B>" in dot and "<B>\u2718 Radiographs not needed</B>" in dot
    assert not re.search(r"<B>\S+ (indicated|not_needed)</B>", dot)
    acr = pathway_dot(load_pathway())
    assert re.search(r"<B>\S+ UA</B>", acr) and "Usually appropriate</B>" not in acr
