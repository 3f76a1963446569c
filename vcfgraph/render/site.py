"""The static teaching site as a mapping of relative file names to text.

Given the pathway, the SVG ``dot`` made of :func:`~vcfgraph.render.dot.pathway_dot` (one
layout, shared by every page) and the cases with their routes, :func:`build_site` returns
``index.html``, ``pathway.html``, ``pathway.svg`` and ``cases/<slug>.html``: building the site
for any number of cases takes one ``dot`` run. Nothing here runs ``dot`` or writes files; the
command line does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from vcfgraph.model import Case, Pathway
from vcfgraph.route import Route
from vcfgraph.render import html, ids, svg
from vcfgraph.render.dot import route_states

__all__ = ["CaseRender", "case_title", "case_page", "pathway_page", "index_page", "pathway_svg", "build_site",
           "page_name", "page_names"]


@dataclass(frozen=True)
class CaseRender:
    """A case, its route, and the differences from its expectations (None: it states none)."""

    case: Case
    route: Route
    problems: tuple[str, ...] | None = None

    @property
    def slug(self) -> str:
        return ids.case_slug(self.case.id)


def page_name(entry: CaseRender) -> str:
    """The site file of a case's page: ``cases/<slug>.html``."""
    return f"cases/{entry.slug}.html"


def page_names(entries: Sequence[CaseRender]) -> list[tuple[str, str]]:
    """Every file :func:`build_site` makes, with what it is (to find clashing names first)."""
    return [("index.html", "the index page"), ("pathway.html", "the pathway page"),
            ("pathway.svg", "the pathway diagram")] + [(page_name(e), f"case '{e.case.id}'") for e in entries]


def case_title(case: Case) -> str:
    """The title of a case's diagrams: its id and description, shown literally."""
    return f"Case {case.id}" + (f": {case.description}" if case.description else "")


def _site_title(pathway: Pathway) -> str:
    return f"{pathway.meta.title}: teaching site"


def pathway_svg(pathway: Pathway, layout_svg: str | bytes) -> str:
    """The pathway diagram as a standalone SVG file (the base layout, annotated)."""
    return svg.standalone(svg.restyle(layout_svg, pathway), title=pathway.meta.title)


def case_svg(pathway: Pathway, entry: CaseRender, layout_svg: str | bytes) -> str:
    """A case's route on the base layout, as a standalone SVG file."""
    root = svg.restyle(layout_svg, pathway, route_states(pathway, entry.route))
    return svg.standalone(root, title=case_title(entry.case))


def _links(entries: Sequence[CaseRender], pathway: Pathway) -> list[html.CaseLink]:
    out = []
    for e in sorted(entries, key=lambda e: e.case.id):
        terminal = pathway.node(e.route.terminal) if e.route.terminal else None
        out.append(html.CaseLink(e.case.id, e.slug, e.case.description, e.route.outcome, e.route.terminal or "",
                                 terminal.label if terminal else "", e.problems))
    return out


def pathway_page(pathway: Pathway, layout_svg: str | bytes, entries: Sequence[CaseRender] = ()) -> str:
    """``pathway.html``: the diagram (clickable), the legend, every variant in full."""
    diagram = svg.inline(svg.restyle(layout_svg, pathway), label=f"Decision graph: {pathway.meta.title}")
    context = html.pathway_context(pathway, diagram, _links(entries, pathway))
    return html.render("pathway.html.j2", root="", site_title=_site_title(pathway), **context)


def case_page(pathway: Pathway, entry: CaseRender, layout_svg: str | bytes) -> str:
    """``cases/<slug>.html``: the vignette, facts, steps, highlighted diagram, recommendations.

    Args:
        pathway: the pathway.
        entry: the case and its route.
        layout_svg: the SVG of :func:`~vcfgraph.render.dot.pathway_dot` (shared by every case).
    """
    states = route_states(pathway, entry.route)
    diagram = svg.inline(svg.restyle(layout_svg, pathway, states),
                         label=f"Decision graph with the route of case {entry.case.id}")
    context = html.case_context(pathway, entry.case, entry.route, diagram=diagram, problems=entry.problems)
    return html.render("case.html.j2", root="../", site_title=_site_title(pathway), **context)


def index_page(pathway: Pathway, entries: Sequence[CaseRender]) -> str:
    """``index.html``: the pathway's source and revision, and links to every page."""
    m = pathway.meta
    ratings = list(pathway.rating_edges())
    counts = {
        "questions": len(pathway.of_kind("question")), "variants": len(pathway.of_kind("variant")),
        "handoffs": len(pathway.of_kind("handoff")), "actions": len(pathway.of_kind("action")),
        "ratings": len(ratings), "unconfirmed": sum(1 for _, _, r in ratings if r.confidence != "confirmed"),
    }
    meta = {"id": m.id, "title": m.title, "publisher": m.publisher, "topic": m.topic, "topic_id": m.topic_id,
            "revision": m.revision, "version": m.version, "reviewed": m.reviewed, "summary": m.summary}
    return html.render("index.html.j2", root="", site_title=_site_title(pathway), meta=meta, counts=counts,
                       cases=_links(entries, pathway))


def build_site(
    pathway: Pathway,
    layout_svg: str | bytes,
    entries: Sequence[CaseRender],
) -> dict[str, str]:
    """Every file of the site.

    Args:
        pathway: the pathway.
        layout_svg: SVG of :func:`~vcfgraph.render.dot.pathway_dot`, laid out once.
        entries: the cases with their routes; their ids must be distinct.

    Returns:
        Relative file name -> text, sorted by name.

    Raises:
        ValueError: two cases share a page name (check :func:`page_names` with
            :func:`~vcfgraph.render.ids.clashes` first for a message that names both).
    """
    files = {
        "index.html": index_page(pathway, entries),
        "pathway.html": pathway_page(pathway, layout_svg, entries),
        "pathway.svg": pathway_svg(pathway, layout_svg),
    }
    for entry in entries:
        name = page_name(entry)
        if name in files:
            raise ValueError(f"two cases have the page name {name}")
        files[name] = case_page(pathway, entry, layout_svg)
    return dict(sorted(files.items()))
