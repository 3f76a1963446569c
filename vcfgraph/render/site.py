"""The static teaching site as a mapping of relative file names to text.

Given the pathway, the SVG ``dot`` made of :func:`~vcfgraph.render.dot.pathway_dot` (one
layout, shared by every page) and the cases with their routes, :func:`build_site` returns
``index.html``, ``pathway.html``, ``pathway.svg`` and ``cases/<slug>.html``: building the site
for any number of cases takes one ``dot`` run. Nothing here runs ``dot`` or writes files; the
command line does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Mapping, Sequence
from urllib.parse import quote

from vcfgraph import conditions as cm
from vcfgraph.render import twin
from vcfgraph.conditions import Value
from vcfgraph.model import Case, Pathway
from vcfgraph.route import Route
from vcfgraph.imaging import Imaging
from vcfgraph.render import html, ids, imaging_page, parts, svg
from vcfgraph.render.states import route_states
from vcfgraph.render.style import CAUTION_BADGE, MODALITIES, RULE_MARK, RULE_STATES, SET_APART_BADGE, overlay_css

#: the files every page shares, under assets/: one copy of the diagram and the pathway data
ASSETS = ("assets/pathway.js", "assets/print.css", "assets/quiz.js", "assets/site.js", "assets/twin.js",
          "assets/vcfgraph.css")

__all__ = ["CaseRender", "case_title", "case_page", "pathway_page", "index_page", "pathway_svg", "build_site",
           "page_name", "page_names", "explore_page", "quiz_page", "facts_json", "data_script", "assets", "ASSETS"]


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
    return [("index.html", "the index page"), ("pathway.html", "the pathway page"), ("explore.html", "the explorer"),
            ("quiz.html", "the quiz index"),
            ("pathway.svg", "the pathway diagram")] + [(a, "a shared asset") for a in ASSETS] + [
            (page_name(e), f"case '{e.case.id}'") for e in entries]


def case_title(case: Case) -> str:
    """The title of a case's diagrams: its id and description, shown literally."""
    return f"Case {case.id}" + (f": {case.description}" if case.description else "")


def _site_title(pathway: Pathway) -> str:
    return f"{pathway.meta.title}: teaching site"


def pathway_svg(pathway: Pathway, layout_svg: str | bytes) -> str:
    """The pathway diagram as a standalone SVG file (the base layout, annotated; ``dot``'s
    repeated presentation attributes moved into its stylesheet)."""
    root = svg.restyle(layout_svg, pathway)
    return svg.standalone(root, title=pathway.meta.title, css=svg.hoist_styles(root))


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


def pathway_page(pathway: Pathway, layout_svg: str | bytes, entries: Sequence[CaseRender] = (),
                 imaging: Imaging | None = None) -> str:
    """``pathway.html``: the diagram (clickable; from the shared script), the legend, every variant
    in full, and (with an imaging companion) a line on how each imaging study is done."""
    context = html.pathway_context(pathway, "", _links(entries, pathway))
    briefs = imaging_page.study_briefs(imaging) if imaging is not None else []
    return html.render("pathway.html.j2", root="", site_title=_site_title(pathway), imaging_briefs=briefs, **context)


def facts_json(pathway: Pathway, facts: Mapping[str, Value]) -> str:
    """The known facts as a JSON object in pathway order: the explorer's ``#facts=`` state."""
    known = {f.name: facts.get(f.name) for f in pathway.facts if facts.get(f.name) is not None}
    return json.dumps(known, ensure_ascii=False, separators=(",", ":"))


def case_page(pathway: Pathway, entry: CaseRender, layout_svg: str | bytes = "", imaging: Imaging | None = None) -> str:
    """``cases/<slug>.html``: the vignette, facts, steps, recommendations; the diagram, its
    toolbar and legend, the explorer panel, the explorer link's facts and the table of facts
    with their questions come from the shared scripts when scripts run (:mod:`.parts`).

    Args:
        pathway: the pathway.
        entry: the case and its route.
        layout_svg: unused; the diagram is in ``assets/pathway.js`` (kept for callers).
        imaging: the pathway's imaging companion: how the recommended imaging is done, its dose.
    """
    context = html.case_context(pathway, entry.case, entry.route, diagram="", problems=entry.problems)
    context["cards"] = []
    context["imaging"] = imaging_page.case_imaging(imaging, entry.route, entry.case.id)
    return html.render("case.html.j2", root="../", site_title=_site_title(pathway),
                       facts_json=facts_json(pathway, entry.case.facts), **context)


def explore_page(pathway: Pathway, *, dose: bool = False) -> str:
    """``explore.html``: the explorer alone, started from the facts in ``#facts=`` (with ``dose``,
    it also says what the usually-appropriate imaging adds: ``assets/dose.js``)."""
    return html.render("explore.html.j2", root="", site_title=_site_title(pathway), pathway_title=pathway.meta.title,
                       dose_script=dose, **html.scale_context(pathway), **_example(pathway))


def _example(pathway: Pathway) -> dict[str, str]:
    """A one-fact example of the ``#facts=`` state for the explorer's documentation: the first
    fact the entry question reads that is not a number (a number would say little), else the
    first fact of the pathway that is not, else the first fact."""
    first = [pathway.fact(n) for e in pathway.out_edges(pathway.entry) if e.condition is not None
             for n in cm.facts_read(e.condition)] if pathway.has_node(pathway.entry) else []
    fact = next((f for f in [*first, *pathway.facts] if f.type != "int"), pathway.facts[0] if pathway.facts else None)
    facts = {fact.name: fact.domain()[0]} if fact is not None else {}
    text = json.dumps(facts, ensure_ascii=False, separators=(", ", ": "))
    return {"example_facts": text, "example_fragment": quote(json.dumps(facts, ensure_ascii=False, separators=(",", ":")), safe="")}


def quiz_page(pathway: Pathway, entries: Sequence[CaseRender]) -> str:
    """``quiz.html``: every case as a quiz, with the learner's scores from this browser."""
    return html.render("quiz.html.j2", root="", site_title=_site_title(pathway), pathway_title=pathway.meta.title,
                       cases=_links(entries, pathway), **html.scale_context(pathway))


def dom_ids(pathway: Pathway) -> dict[str, dict[str, str]]:
    """The diagram's element ids of every node, answer, rating row, rule row (keyed
    ``variant/rule``) and re-entry step."""
    return {
        "nodes": {n.id: ids.node_id(n.id) for n in pathway.nodes},
        "edges": {e.id: ids.edge_id(e.id) for e in pathway.edges},
        "rows": {edge: ids.row_id(edge) for edge, _v, _r in pathway.rating_edges()},
        "rules": {f"{n.id}/{r.id}": ids.rule_id(n.id, r.id) for n in pathway.nodes for r in n.rules},
        "reenter": {d.id: ids.reenter_id(d.id) for n in pathway.nodes for d in n.downstream},
    }


#: the canonical base of the exported FHIR resources (``vcfgraph export``'s default base)
FHIR_BASE = "http://vcfgraph.invalid/fhir"


def fhir_data(pathway: Pathway, base: str = FHIR_BASE) -> dict[str, object]:
    """What the explorer needs to write its answers as a QuestionnaireResponse to the pathway's
    Questionnaire (the one ``vcfgraph export --to questionnaire`` writes, that ``trace`` and the
    CDS service read): the Questionnaire's canonical and each enum fact's code system. The ids
    follow :mod:`vcfgraph.io.fhir` (``_`` becomes ``-``; a renderer reads only the plain model,
    and tests/test_serve_cds2.py proves the reader takes what the explorer writes)."""
    pid = pathway.meta.id.replace("_", "-")
    return {"questionnaire": f"{base}/Questionnaire/{pid}",
            "codeSystems": {f.name: f"{base}/CodeSystem/{pid}-{f.name.replace('_', '-')}"
                            for f in pathway.facts if f.type == "enum"}}


def data_script(pathway: Pathway, layout_svg: str | bytes) -> str:
    """``assets/pathway.js``: the diagram (once, for every page), the pathway for the twin and
    the parts pages leave to the script (:func:`vcfgraph.render.parts.parts`)."""
    root = svg.restyle(layout_svg, pathway)
    diagram = svg.inline(root, label=f"Decision graph: {pathway.meta.title}", css=svg.hoist_styles(root))
    return twin.script_text({"pathway": twin.pathway_data(pathway), "svg": diagram, "dom": dom_ids(pathway),
                             "badges": {"caution": CAUTION_BADGE, "set_apart": SET_APART_BADGE},
                             "marks": {"rule": RULE_MARK, "rule_states": {k: list(v) for k, v in RULE_STATES.items()},
                                       "modalities": {k: m.icon for k, m in MODALITIES.items()}},
                             "fhir": fhir_data(pathway), "parts": parts.parts(pathway)})


def assets(pathway: Pathway, layout_svg: str | bytes) -> dict[str, str]:
    """The shared files under ``assets/``."""
    return {
        "assets/pathway.js": data_script(pathway, layout_svg),
        "assets/print.css": html.static_text("print.css"),
        "assets/quiz.js": html.static_text("quiz.js"),
        "assets/site.js": html.static_text("compact.js") + html.static_text("site.js") + html.static_text("present.js"),
        "assets/twin.js": html.static_text("twin.js"),
        "assets/vcfgraph.css": html.static_text("site.css") + overlay_css(),
    }


def index_page(pathway: Pathway, entries: Sequence[CaseRender], *, imaging: bool = False) -> str:
    """``index.html``: the pathway's source and revision, and links to every page (with
    ``imaging``, to the protocol notes and dose aid too)."""
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
                       cases=_links(entries, pathway), imaging_link=imaging, **html.scale_context(pathway))


def build_site(
    pathway: Pathway,
    layout_svg: str | bytes,
    entries: Sequence[CaseRender],
    imaging: Imaging | None = None,
) -> dict[str, str]:
    """Every file of the site.

    Args:
        pathway: the pathway.
        layout_svg: SVG of :func:`~vcfgraph.render.dot.pathway_dot`, laid out once.
        entries: the cases with their routes; their ids must be distinct.
        imaging: the pathway's imaging companion; with it, ``imaging.html``, ``handout.html``
            and ``assets/dose.js`` are added and the case pages show the notes and the dose line.

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
        "explore.html": explore_page(pathway),
        "quiz.html": quiz_page(pathway, entries),
        **assets(pathway, layout_svg),
    }
    if imaging is not None:
        files["imaging.html"] = imaging_page.imaging_page(pathway, imaging, _site_title(pathway))
        files["handout.html"] = imaging_page.handout_page(pathway, imaging, _site_title(pathway))
        files["assets/dose.js"] = imaging_page.dose_script(imaging)
        files["assets/vcfgraph.css"] += html.static_text("imaging.css")
        files["index.html"] = index_page(pathway, entries, imaging=True)
        files["pathway.html"] = pathway_page(pathway, layout_svg, entries, imaging)
        files["explore.html"] = explore_page(pathway, dose=True)
    for entry in entries:
        name = page_name(entry)
        if name in files:
            raise ValueError(f"two cases have the page name {name}")
        files[name] = case_page(pathway, entry, layout_svg, imaging)
    return dict(sorted(files.items()))
