"""``vcfgraph lookup``: find variants and actions by id or words, and how actions are rated."""

from __future__ import annotations

import argparse
from typing import Any

from vcfgraph.cli import output
from vcfgraph.cli.common import add_command, add_graph_option, load_graph
from vcfgraph.cli.imaging_notes import note_dict, note_text, study_hits
from vcfgraph.conditions import describe
from vcfgraph.lookup import Hit, RatedIn, lookup
from vcfgraph.model import Check, Pathway, Rule
from vcfgraph.schemas import SCHEMA_VERSION


def register(sub: Any) -> None:
    p = add_command(
        sub, "lookup",
        "Search the pathway's variants, actions, hand-offs, questions and facts by id or words "
        "(every word must match the start of a word; 'vertebroplasty' finds the augmentation "
        "action by its alias). For an action, every variant that rates it is listed with "
        "category, score, relative radiation level, confidence and sources; for a variant, its "
        "ratings, and those of each of its rules (named, with the condition under which it adds "
        "them). Exit code 1 when nothing matches.",
    )
    p.add_argument("query", nargs="+", metavar="QUERY", help="an id or words")
    add_graph_option(p)
    p.add_argument("--json", action="store_true", help="print the hits as one JSON object (its 'hits' list, best first)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:

    pathway = load_graph(args)
    query = " ".join(args.query)
    hits = lookup(pathway, query) + study_hits(pathway, query)
    if args.json:
        data = {"schema_version": SCHEMA_VERSION, "pathway": pathway.meta.id, "query": query,
                "hits": [{**_hit_dict(h, pathway), **note_dict(pathway, h.id)} for h in hits]}
        output.echo(output.to_json(data, indent=2))
    elif not hits:
        output.echo(f"Nothing in {pathway.meta.id} matches '{query}'.")
    else:
        output.echo("\n\n".join(_hit_text(h, pathway) + note_text(pathway, h.id) for h in hits))
    return 0 if hits else 1


def _rating_dict(variant: str, r: Any, rule: Rule | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"variant": variant, "action": r.action, "category": r.category, "score": r.score,
                           "radiation": r.radiation or None, "confidence": r.confidence, "sources": list(r.sources)}
    if rule is not None:  # only for a rule's rating: other outputs keep their shape
        out["rule"] = {"id": rule.id, "label": rule.label, "when": describe(rule.when)}
    if r.modifiers:  # only for ratings with modifiers: other outputs keep their shape
        out["modifiers"] = [{"direction": m.direction, "when": describe(m.when), "words": m.words, "reason": m.reason,
                             "sources": list(m.sources)} for m in r.modifiers]
    return out


def _modifier_lines(r: Any) -> list[str]:
    """A rating's modifiers in words, under its row (no case: whether each holds is not asked)."""
    return [f"      {'[+]' if m.direction == 'favoured' else '[-]'} {m.words}: {m.reason}"
            + (f" ({', '.join(m.sources)})" if m.sources else "") for m in r.modifiers]


def _rule_line(x: RatedIn) -> list[str]:
    """Under an action's row: which rule of the variant adds the rating, and when."""
    if x.rule is None:
        return []
    return [f"      rated {x.rating.category} at {x.variant} by rule {x.rule.id} ({x.rule.label}), "
            f"when {describe(x.rule.when)}"]


def _hit_dict(hit: Hit, pathway: Pathway) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": hit.kind, "id": hit.id, "label": hit.label}
    if hit.kind == "action":
        out["rated_in"] = [_rating_dict(x.variant, x.rating, x.rule) for x in hit.rated_in]
        out["checks"] = [_check_dict(c) for c in hit.checks]
    if hit.kind == "variant":
        out["ratings"] = [_rating_dict(hit.id, r, rule) for rule, r in pathway.node(hit.id).all_ratings()]
    return out


def _check_dict(c: Check) -> dict[str, Any]:
    return {"check": c.id, "requires": describe(c.requires), "variants": list(c.variants), "on_fail": c.on_fail,
            "reason": c.reason, "caution": c.caution or None, "confidence": c.confidence, "sources": list(c.sources)}


def _check_lines(checks: tuple[Check, ...]) -> list[str]:
    """The patient-level checks on an action, in words with icons (never a mark alone)."""
    if not checks:
        return []
    lines = ["  patient-level checks (they never change the ACR category):"]
    for c in checks:
        scope = f" at {', '.join(c.variants)}" if c.variants else ""
        effect = "[NO] set apart" if c.on_fail == "set_apart" else "[!] caution"
        mark = "" if c.confidence == "confirmed" else f"  <- {c.confidence.upper()}"
        lines.append(f"    {c.id}{scope}: requires {describe(c.requires)} ({c.confidence}; {', '.join(c.sources)}){mark}")
        lines.append(f"      fails -> {effect}: {c.reason}")
        lines.append("      not established -> " + (f"[!] caution: {c.caution}" if c.caution else "no caution"))
    return lines


def _columns(pathway: Pathway) -> tuple[int, bool, bool]:
    """The rating table's shape for this pathway: the category column's width (its longest
    category id), and whether it has a score column and a radiation column (only when some
    rating has a score, and when some action is imaging)."""
    width = max([4, *(len(c.id) for c in pathway.scale.categories)])
    return width, pathway.gives_scores(), pathway.rates_imaging()


def _row(first: str, r: Any, shape: tuple[int, bool, bool]) -> str:
    width, scores, imaging = shape
    score = f" {str(r.score) if r.score is not None else '-':>5}" if scores else ""
    radiation = f"  {r.radiation or '-':<28}" if imaging else ""
    mark = "" if r.confidence == "confirmed" else "  <- " + r.confidence.upper()
    return (f"  {first:<46} {r.category:<{width}}{score}{radiation} "
            f"{r.confidence:<10} {', '.join(r.sources)}{mark}")


def _hit_text(hit: Hit, pathway: Pathway) -> str:
    lines = [f"{hit.kind} {hit.id}: {hit.label}"]
    shape = _columns(pathway)
    width, scores, imaging = shape

    def header(first: str) -> str:
        return (f"  {first:<46} {'cat.':<{width}}" + (f" {'score':>5}" if scores else "")
                + (f"  {'radiation':<28}" if imaging else "") + f" {'confidence':<10} sources")

    if hit.kind == "action":
        if not hit.rated_in:
            return lines[0] + "\n  (not rated by any variant)"
        lines += ["  rated in:", header("variant")]
        lines += [line for x in hit.rated_in for line in [_row(x.variant, x.rating, shape), *_rule_line(x),
                                                          *_modifier_lines(x.rating)]]
        lines += _check_lines(hit.checks)
    elif hit.kind == "variant":
        node = pathway.node(hit.id)
        if node.acr_wording:
            lines.append(f"  {node.acr_wording}")
        lines.append(header("action"))
        lines += [line for r in node.ratings for line in [_row(r.action, r, shape), *_modifier_lines(r)]]
        for rule in node.rules:
            lines.append(f"  by rule {rule.id} ({rule.label}), when {describe(rule.when)}:")
            lines += [line for r in rule.ratings for line in [_row("  " + r.action, r, shape), *_modifier_lines(r)]]
    lines.append("  categories: " + ", ".join(f"{c.id} = {c.name}" for c in pathway.scale.categories))
    return "\n".join(lines) if hit.kind in ("action", "variant") else lines[0]
