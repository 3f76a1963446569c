"""HTML pages: the one Jinja2 environment, and the plain data each template shows.

Templates live in ``vcfgraph/render/templates`` and only display; this module turns the model
(:class:`~vcfgraph.model.Pathway`, :class:`~vcfgraph.model.Case`, :class:`~vcfgraph.model.Route`)
into plain dictionaries for them. Autoescaping is on and undefined names are errors, so any text
from a pathway or case file (``<script>``, quotes, ``&``) is shown literally. The CSS is inlined
into every page, so the site works offline from the file system. Diagram markup comes in as
text from :func:`vcfgraph.render.svg.inline`, which serialised it with escaping.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Sequence, assert_never

import jinja2
from markupsafe import Markup

from vcfgraph import conditions as cm
from vcfgraph.conditions import format_value
from vcfgraph.model import Case, Check, Node, Pathway, Rating
from vcfgraph.route import ModifierResult, Route
from vcfgraph.render import ids
from vcfgraph.render.overview import overview
from vcfgraph.render.style import CATEGORIES, CONFIDENCES, MODALITIES, category_styles, overlay_css, scale_words
from vcfgraph.scale import OFFERED_SLOTS, SLOT_ORDER, SLOTS

__all__ = ["environment", "render", "page_css", "CaseLink", "pathway_context", "node_cards", "rating_rows",
           "rule_blocks", "rule_results", "case_context", "legend"]


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The site's only Jinja2 environment: package templates, autoescape, strict undefined."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("vcfgraph.render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(card_id=ids.card_id, variant_id=ids.variant_id, variant_heading_id=ids.variant_heading_id,
                       source_id=ids.source_id, categories=CATEGORIES, confidences=CONFIDENCES,
                       slots=list(CATEGORIES), offered_slots=OFFERED_SLOTS, scale_words=scale_words())
    return env


@lru_cache(maxsize=4)
def _static(name: str) -> str:
    return resources.files("vcfgraph.render").joinpath("static", name).read_text(encoding="utf-8")


def static_text(name: str) -> str:
    """A hand-written file of ``render/static`` (CSS or JavaScript), as text."""
    return _static(name)


def page_css() -> dict[str, Markup]:
    """The inlined stylesheets: ``screen`` (site + diagram overlay) and ``print``.

    They are the package's own files, marked safe for the template.
    """
    return {"screen": Markup(_static("site.css") + overlay_css()), "print": Markup(_static("print.css"))}


def render(template: str, **context: Any) -> str:
    """Render one template of the package with the stylesheets added to ``context``.

    Raises:
        jinja2.UndefinedError: the template uses a name the context does not give (a bug).
    """
    return environment().get_template(template).render(css=page_css(), **context)


@dataclass(frozen=True)
class CaseLink:
    """One case as the index and the pathway page list it."""

    id: str
    slug: str
    description: str
    outcome: str
    terminal: str
    terminal_label: str
    problems: tuple[str, ...] | None


def _sources(keys: Sequence[str], root: str) -> list[dict[str, str]]:
    return [{"key": k, "href": f"{root}pathway.html#{ids.source_id(k)}"} for k in keys]


def rating_rows(pathway: Pathway, variant: Node, root: str = "") -> list[dict[str, Any]]:
    """A variant's ratings as table rows, in category order (UA, MBA, UNA), then by label."""
    rows = []
    for r in sorted(variant.ratings, key=lambda r: (SLOT_ORDER[r.slot], _label(pathway, r.action))):
        rows.append(_row(pathway, r, _label(pathway, r.action), root))
    return rows


def _row(pathway: Pathway, r: Rating | Any, label: str, root: str, rule: str = "") -> dict[str, Any]:
    action = pathway.node(r.action) if pathway.has_node(r.action) else None
    return {
        "action": r.action, "label": label, "category": r.slot, "score": r.score,
        "radiation": r.radiation or (action.radiation if action else "") or "not given",
        "confidence": r.confidence, "sources": _sources(r.sources, root), "note": getattr(r, "note", ""),
        "cautions": [], "modifiers": _modifier_rows(r), "rule": rule,
    }


def _named(cond: cm.Condition | None) -> dict[str, str]:
    """The named conditions ``cond`` uses, each with its meaning in words, in reading order."""
    out: dict[str, str] = {}
    match cond:
        case None | cm.Test():
            pass
        case cm.Not():
            out.update(_named(cond.item))
        case cm.Named():
            out[cond.name] = cm.describe(cond.item)
            out.update(_named(cond.item))
        case cm.AllOf() | cm.AnyOf() | cm.AtLeast() | cm.Points():
            for item in cond.items:
                out.update(_named(item))
        case _:
            assert_never(cond)
    return out


def rule_blocks(pathway: Pathway, variant: Node, root: str = "") -> list[dict[str, Any]]:
    """A variant's rules that fire together, for its page: each with its condition in words (and
    what each named condition it uses means), its note, confidence, sources and the ratings it adds."""
    return [{"id": rule.id, "label": rule.label, "when": cm.describe(rule.when), "text": rule.text,
             "where": [{"name": n, "words": w} for n, w in _named(rule.when).items()],
             "confidence": rule.confidence, "sources": _sources(rule.sources, root),
             "ratings": [_row(pathway, r, _label(pathway, r.action), root)
                         for r in sorted(rule.ratings, key=lambda r: (SLOT_ORDER[r.slot], _label(pathway, r.action)))]}
            for rule in variant.rules]


def rule_results(pathway: Pathway, route: Route) -> list[dict[str, Any]]:
    """The rules of the variant a route reached (or waits at), as the engine evaluated them: the
    state, the engine's explanation, the facts that decided it (or that it waits on)."""
    return [{"id": r.rule, "label": r.label, "state": r.state, "explanation": r.explanation,
             "facts": list(r.facts), "confidence": r.confidence, "sources": _sources(r.sources, "../")}
            for r in route.rules]


def _modifier_rows(r: Rating | Any) -> list[dict[str, str]]:
    """A rating's modifiers for its table row: in words on the pathway page, as evaluated for the
    case (the engine's explanation) on a case page."""
    out = []
    for m in getattr(r, "modifiers", ()):
        if isinstance(m, ModifierResult):
            out.append({"direction": m.direction, "state": m.state, "text": f"{m.explanation} {m.reason}"})
        else:
            out.append({"direction": m.direction, "state": "", "text": f"{m.words}: {m.reason}"})
    return out


def _label(pathway: Pathway, node_id: str) -> str:
    return pathway.node(node_id).label if pathway.has_node(node_id) else node_id


def _titled(items: Sequence[Any]) -> list[dict[str, str]]:
    return [{"title": t.title, "text": t.text} for t in items]


def _downstream(pathway: Pathway, node: Node) -> list[dict[str, Any]]:
    return [
        {"kind": d.kind, "label": d.label, "text": d.text, "target": d.target or "",
         "target_label": _label(pathway, d.target) if d.target else ""}
        for d in node.downstream
    ]


def node_cards(pathway: Pathway, root: str = "") -> list[dict[str, Any]]:
    """One details card per node (the panel a click on the diagram opens), in file order.

    Args:
        pathway: the pathway.
        root: the relative path from the page to the site root (``""`` or ``"../"``).
    """
    rated_by: dict[str, list[dict[str, Any]]] = {}
    for variant in pathway.of_kind("variant"):
        for rule, rating in variant.all_ratings():
            row = _row(pathway, rating, variant.label, root, rule.label if rule else "")
            row["variant"] = variant.id
            rated_by.setdefault(rating.action, []).append(row)
    cards = []
    for node in pathway.nodes:
        cards.append({
            "id": node.id, "kind": node.kind, "label": node.label, "text": node.text, "help": node.help,
            "notes": node.notes, "urgency": node.urgency, "topic": node.topic, "topic_id": node.topic_id,
            "modality": node.modality, "kind_of_action": MODALITIES.get(node.modality),
            "radiation": node.radiation, "aliases": list(node.aliases),
            "sources": _sources(node.sources, root), "downstream": _downstream(pathway, node),
            "answers": [{"label": e.label, "target": e.target, "target_label": _label(pathway, e.target)}
                        for e in pathway.out_edges(node.id)],
            "rated_by": rated_by.get(node.id, []),
            "checks": [{"id": c.id, "requires": cm.describe(c.requires), "on_fail": c.on_fail, "confidence": c.confidence}
                       for c in pathway.checks if node.id in c.actions],
            "variant_href": f"{root}pathway.html#{ids.variant_id(node.id)}" if node.kind == "variant" else "",
        })
    return cards


def _variant(pathway: Pathway, node: Node) -> dict[str, Any]:
    return {
        "id": node.id, "label": node.label, "number": node.number, "stage": node.stage,
        "acr_wording": node.acr_wording, "text": node.text, "notes": node.notes,
        "criteria": list(node.criteria), "implications": _titled(node.implications),
        "pitfalls": list(node.pitfalls), "red_flags": list(node.red_flags), "faqs": _titled(node.faqs),
        "ratings": rating_rows(pathway, node), "rules": rule_blocks(pathway, node), "downstream": _downstream(pathway, node),
        "sources": _sources(node.sources, ""),
    }


def scale_context(pathway: Pathway) -> dict[str, Any]:
    """What every page needs to show the pathway's own rating scale: ``categories`` (slot ->
    style, in the scale's words; it replaces the ACR default of the templates), ``slots`` (the
    slots the scale uses, in order), ``scale_words``, ``rates_imaging`` (whether any action is
    imaging, so that a pathway without imaging says nothing of radiation) and ``rates_scores``
    (whether any rating has a score, so that a scale without scores shows no Score column)."""
    cats = category_styles(pathway.scale)
    return {"categories": cats, "slots": [s for s in SLOTS if s in cats],
            "scale_words": scale_words(pathway.scale),
            "rates_imaging": pathway.rates_imaging(),
            "rates_scores": pathway.gives_scores()}


def legend(pathway: Pathway | None = None) -> dict[str, Any]:
    """What the legend explains, from the style tables (in the pathway's scale when given)."""
    cats = category_styles(pathway.scale) if pathway is not None else CATEGORIES
    return {
        "categories": [{"slot": slot, "code": c.code, "name": c.name, "icon": c.icon} for slot, c in cats.items()],
        "confidences": [{"name": c.name, "mark": c.mark, "words": c.words} for c in CONFIDENCES.values()],
        "rules": pathway is not None and pathway.collects(),
    }


def pathway_context(pathway: Pathway, diagram: str, cases: Sequence[CaseLink]) -> dict[str, Any]:
    """What ``pathway.html.j2`` shows: the diagram, the legend, every variant in full, cards."""
    m = pathway.meta
    return {
        "meta": {"id": m.id, "title": m.title, "publisher": m.publisher, "topic": m.topic, "topic_id": m.topic_id,
                 "revision": m.revision, "version": m.version, "reviewed": m.reviewed, "summary": m.summary},
        "diagram": Markup(diagram),
        "legend": legend(pathway),
        **scale_context(pathway),
        "variants": [_variant(pathway, n) for n in pathway.of_kind("variant")],
        "handoffs": [node_cards_one(pathway, n) for n in pathway.of_kind("handoff")],
        "cards": node_cards(pathway),
        "checks": [_check(pathway, c) for c in pathway.checks],
        "assumptions": [{"fact": f.name, "question": f.question, "word": f.unknown_word or cm.format_value(f.unknown)}
                        for f in pathway.facts if f.unknown is not None],
        "properties": [{"id": p.id, "text": p.text} for p in pathway.properties],
        "overview": overview(pathway),
        "sources": [{"key": s.key, "title": s.title, "url": s.url} for s in pathway.sources],
        "cases": list(cases),
    }


def _check(pathway: Pathway, c: Check) -> dict[str, Any]:
    return {
        "id": c.id, "actions": [{"id": a, "label": _label(pathway, a)} for a in c.actions],
        "variants": [{"id": v, "label": _label(pathway, v)} for v in c.variants],
        "requires": cm.describe(c.requires), "reason": c.reason, "caution": c.caution, "on_fail": c.on_fail,
        "confidence": c.confidence, "sources": _sources(c.sources, ""),
    }


def node_cards_one(pathway: Pathway, node: Node) -> dict[str, Any]:
    """A hand-off (or any node) summarised for a list: label, urgency, topic, text, next steps."""
    return {"id": node.id, "label": node.label, "urgency": node.urgency, "topic": node.topic,
            "topic_id": node.topic_id, "text": node.text, "downstream": _downstream(pathway, node)}


def _fact_rows(pathway: Pathway, case: Case) -> list[dict[str, Any]]:
    rows = []
    for fact in pathway.facts:
        value = case.facts.get(fact.name)
        rows.append({"name": fact.name, "question": fact.question, "known": value is not None,
                     "value": format_value(value) if value is not None else "not known",
                     "unit": fact.unit if value is not None else ""})
    extra = sorted(set(case.facts) - {f.name for f in pathway.facts})
    rows += [{"name": n, "question": "", "known": True, "value": format_value(case.facts[n]), "unit": ""} for n in extra]
    return rows


def _steps(pathway: Pathway, route: Route) -> list[dict[str, Any]]:
    steps = []
    for step in route.steps:
        node = pathway.node(step.node)
        steps.append({
            "node": step.node, "label": node.label, "answer": step.answer, "target": step.target or "",
            "target_label": _label(pathway, step.target) if step.target else "",
            "facts": [{"name": n, "value": format_value(v) if v is not None else "not known"} for n, v in step.facts],
            "why": step.explanation.removeprefix(node.label).strip(), "waits": node.kind == "variant",
            "note": step.note, "confidence": step.confidence, "sources": _sources(step.sources, "../"),
            "not_taken": [{"label": b.label, "state": {False: "not taken", None: "undecided", True: "holds"}[b.result],
                           "reason": b.reason} for b in step.not_taken],
        })
    return steps


def _rule_label(pathway: Pathway, route: Route, rule_id: str) -> str:
    """The label of the rule of the route's variant that added a rating ("" for its own rating)."""
    rule = pathway.node(route.terminal).rule(rule_id) if rule_id and route.terminal else None
    return rule.label if rule is not None else rule_id


def case_context(pathway: Pathway, case: Case, route: Route, *, diagram: str,
                 problems: Sequence[str] | None) -> dict[str, Any]:
    """What ``case.html.j2`` shows, all read from the Route the engine made.

    Args:
        pathway: the pathway.
        case: the case (vignette and facts).
        route: its route.
        diagram: inline SVG of the full layout with the route marked.
        problems: differences from the case file's expectations; None when it has none.
    """
    terminal = pathway.node(route.terminal) if route.terminal else None
    waits = route.outcome == "need_info" and bool(route.rules)  # reached a variant whose rules wait on a fact
    root = "../"
    return {
        "case": {"id": case.id, "description": case.description, "vignette": case.vignette},
        "pathway_title": pathway.meta.title,
        "route": {
            "outcome": route.outcome, "terminal": route.terminal or "",
            "terminal_label": terminal.label if terminal else "", "terminal_kind": terminal.kind if terminal else "",
            "urgency": terminal.urgency if terminal else "", "topic": terminal.topic if terminal else "",
            "topic_id": terminal.topic_id if terminal else None, "terminal_text": terminal.text if terminal else "",
            "missing": [{"fact": m.fact, "question": m.question, "help": m.help, "allowed": m.allowed} for m in route.missing],
            "possible": [{"id": p, "label": _label(pathway, p)} for p in route.possible],
            "present_red_flags": [pathway.fact(n).label or n for n in route.red_flags()],
            "advice": [{"labels": ", ".join(_label(pathway, x) for x in a.actions), "text": a.text}
                       for a in (terminal.advice if terminal else ())],
            "rules_wait": _label(pathway, route.steps[-1].node) if waits else "",
        },
        "rules": rule_results(pathway, route),
        "problems": list(problems) if problems is not None else None,
        "facts": _fact_rows(pathway, case),
        "steps": _steps(pathway, route),
        "ratings": {code: [{**_row(pathway, r, r.label, root, _rule_label(pathway, route, r.rule)),
                            "cautions": [c.reason for c in route.cautions_of(r.action)]}
                           for r in route.ratings if r.slot == code]
                    for code in scale_context(pathway)["slots"]},
        "contraindicated": [{"action": c.action, "label": c.label, "category": pathway.scale.slot(c.category), "reason": c.reason,
                             "check": c.check, "rule": _rule_label(pathway, route, c.rule)} for c in route.contraindicated],
        "cautions": [{"action": c.action, "label": c.label, "check": c.check, "reason": c.reason, "state": c.state,
                      "confidence": c.confidence, "sources": _sources(c.sources, root)} for c in route.cautions],
        "radiation": [{"action": a, "label": _label(pathway, a), "level": level or "not known"} for a, level in route.radiation()],
        "downstream": [{"kind": d.kind, "label": d.label, "text": d.text, "target": d.target or "",
                        "target_label": _label(pathway, d.target) if d.target else ""} for d in route.downstream],
        "red_flags": list(terminal.red_flags) if terminal else [],
        "pitfalls": list(terminal.pitfalls) if terminal else [],
        "criteria": list(terminal.criteria) if terminal else [],
        "diagram": Markup(diagram),
        "legend": legend(pathway),
        **scale_context(pathway),
        "cards": node_cards(pathway, root),
    }
