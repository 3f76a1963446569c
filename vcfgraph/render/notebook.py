"""What a notebook cell shows for a pathway or a route: a one-line summary and the diagram.

The HTML comes from the package's Jinja2 environment (:mod:`vcfgraph.render.html`, autoescaped);
the diagram is :func:`vcfgraph.render.api.pathway_svg`. When Graphviz ``dot`` is not installed
the cell shows the summary and a sentence saying how to install it, instead of failing.
"""

from __future__ import annotations

from markupsafe import Markup

from vcfgraph.errors import UsageError
from vcfgraph.model import Pathway
from vcfgraph.render import html
from vcfgraph.render.api import pathway_svg
from vcfgraph.route import Route

__all__ = ["pathway_html", "route_html"]

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _cell(pathway: Pathway, route: Route | None, title: str, summary: str) -> str:
    try:
        diagram = pathway_svg(pathway, route).removeprefix(_DECLARATION)
        missing = ""
    except UsageError as exc:
        diagram, missing = "", str(exc)
    return html.render("notebook.html.j2", title=title, summary=summary, diagram=Markup(diagram), missing=missing)


def pathway_html(pathway: Pathway) -> str:
    """The pathway's title, version and size, and its diagram."""
    meta = pathway.meta
    summary = (f"version {meta.version or 'not given'}, {len(pathway.of_kind('question'))} questions, "
               f"{len(pathway.of_kind('variant'))} variants, {len(pathway.facts)} facts")
    return _cell(pathway, None, meta.title, summary)


def route_html(pathway: Pathway, route: Route) -> str:
    """The route's outcome in words, and the pathway with the route highlighted."""
    if route.outcome == "need_info":
        summary = "need_info: the walk needs " + ", ".join(route.missing_facts)
    else:
        terminal = pathway.node(route.terminal).label if route.terminal else ""
        summary = f"{route.outcome} {route.terminal} ({terminal})"
    return _cell(pathway, route, f"Case {route.case}", summary)
