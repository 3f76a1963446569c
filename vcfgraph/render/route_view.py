"""The compact route-only view of a case, for slides: the route alone, read row after row.

The questions the route answered (with the answer on each edge) and where it ended (a variant with
its rating table, a hand-off, or the facts a ``need_info`` route is missing), drawn with the same
node looks as the full diagram (:mod:`vcfgraph.render.dot`) and laid out as a snake of rows of
:data:`ROUTE_ROW` nodes, so that a long route fits a 16:9 slide.
"""

from __future__ import annotations

import graphviz

from vcfgraph.model import Pathway
from vcfgraph.route import Route
from vcfgraph.render import ids
from vcfgraph.render.dot import add_node, digraph, wrap
from vcfgraph.render.states import route_states
from vcfgraph.render.style import PART_LOOKS, dot_attrs, edge_look, node_look

__all__ = ["ROUTE_ROW", "route_only_dot"]


#: nodes per row of the route-only view: the route reads left to right, row after row
ROUTE_ROW = 4


def _snake_rows(g: graphviz.Digraph, names: list[str]) -> None:
    """Put the route's nodes (DOT names) in rows of :data:`ROUTE_ROW`, so a long route fits a slide."""
    rows = [names[i:i + ROUTE_ROW] for i in range(0, len(names), ROUTE_ROW)]
    for row in rows:
        with g.subgraph() as same:
            same.attr(rank="same")
            for name in row:
                same.node(name)


def route_only_dot(pathway: Pathway, route: Route, title: str) -> str:
    """A compact diagram of the route alone, for slides.

    Args:
        pathway: the pathway the route was traced on.
        route: the route.
        title: the diagram's title (a case description is shown literally).

    Returns:
        DOT text: the questions answered (with the answer on each edge), the terminal (a
        variant with its rating table, a hand-off) or the missing facts of a ``need_info`` route.
    """
    states = route_states(pathway, route)
    g = digraph(f"route_{pathway.meta.id}", title)
    g.attr("graph", nodesep="0.5", ranksep="0.5")
    chain = [s.node for s in route.steps] + ([route.terminal] if route.terminal else [])
    names = [ids.dot_name(node_id) for node_id in chain]
    for node_id in chain:
        add_node(g, pathway, pathway.node(node_id), states)
    if route.outcome == "need_info" and route.steps:
        missing = ", ".join(route.missing_facts) or "a fact"
        look = node_look("question", "stop")
        g.node(ids.NEED_INFO_NAME, id=ids.NEED_INFO_NAME, shape="note", style="filled", fillcolor=PART_LOOKS["need-info"].fill, color=look.stroke,
               label=f"<<B>Needs information</B><BR/>{wrap(missing, 30)}>")
        names.append(ids.NEED_INFO_NAME)
    _snake_rows(g, names)
    for i, step in enumerate(route.steps):
        if step.edge and step.target:
            look = edge_look("answer", "on")
            label = f'<<FONT COLOR="{look.text}"><B>{wrap(step.answer or "", 18)}</B></FONT>>'
            row, next_row = divmod(i, ROUTE_ROW)[0], divmod(i + 1, ROUTE_ROW)[0]
            if row == next_row and row % 2 == 1:  # odd rows read right to left
                g.edge(ids.dot_name(step.target), ids.dot_name(step.node), id=ids.edge_id(step.edge), label=label,
                       dir="back", **dot_attrs(look, edge=True))
            else:
                g.edge(ids.dot_name(step.node), ids.dot_name(step.target), id=ids.edge_id(step.edge), label=label,
                       **dot_attrs(look, edge=True))
    if route.outcome == "need_info" and route.steps:
        g.edge(ids.dot_name(route.steps[-1].node), ids.NEED_INFO_NAME, id=ids.NEED_INFO_EDGE_ID, style="dashed",
               color=node_look("question", "stop").stroke)
    return g.source
