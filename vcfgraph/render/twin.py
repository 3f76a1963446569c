"""The compiled pathway as plain JSON data, for the engine's twin in the browser.

:func:`pathway_data` turns a :class:`~vcfgraph.model.Pathway` into JSON-ready data: the facts
with their finite domains, the nodes, the answers with their conditions (as the same operator
data a pathway file holds), the ratings (with their modifiers), a variant's rules that fire
together (each with its condition and the ratings it adds), the patient-level checks and the
downstream steps.
The hand-written interpreter ``vcfgraph/render/static/twin.js`` runs that data with the same
three-valued logic as :mod:`vcfgraph.engine`.

:func:`route_data` writes what :func:`vcfgraph.engine.trace` made of a case in the shape the
interpreter returns, so the two can be compared field by field (tests/test_twin.py does, over
the whole case space). :func:`script_text` wraps the data for a ``<script src>`` file, escaped so
that no pathway text can close the script or break a line.

This module writes no files and runs no browser.
"""

from __future__ import annotations

import json
from typing import Any, assert_never

from vcfgraph.conditions import AllOf, AnyOf, AtLeast, Condition, Named, Not, Points, Test
from vcfgraph.model import Check, Downstream, Edge, Fact, Node, Pathway, Rating, Rule
from vcfgraph.route import Route
from vcfgraph.scale import SLOTS

__all__ = ["FORMAT", "pathway_data", "condition_data", "route_data", "script_text", "json_for_script"]

#: version of the exported data; the interpreter refuses any other (3: a variant's ``rules``)
FORMAT = 3


def condition_data(cond: Condition | None) -> Any:
    """A condition as operator data the twin runs.

    ``{fact, op, value}`` (plus ``assume`` and ``assume_word`` when the fact has a "not
    recorded" policy, and ``assume_when`` when that policy holds under a condition), ``{and: [...]}``, ``{or: [...]}``, ``{not: c}``, ``{at_least: n, of: [...]}``,
    ``{points: [...], adds: [...], threshold: t}`` and ``{use: name, item: c}``. A named
    condition is written out where it is used, exactly as the engine holds it (a check reads
    recorded facts only, so its copy carries no assumptions).
    """
    if cond is None:
        return None
    match cond:
        case Test():
            value = list(cond.value) if isinstance(cond.value, tuple) else cond.value
            out = {"fact": cond.fact, "op": cond.op, "value": value}
            if cond.assume is not None:
                out["assume"] = cond.assume
                out["assume_word"] = cond.assume_word
                if cond.assume_when is not None:
                    out["assume_when"] = condition_data(cond.assume_when)
            return out
        case Not():
            return {"not": condition_data(cond.item)}
        case Named():
            return {"use": cond.name, "item": condition_data(cond.item)}
        case AtLeast():
            return {"at_least": cond.n, "of": [condition_data(item) for item in cond.items]}
        case Points():
            return {"points": [condition_data(item) for item in cond.items], "adds": list(cond.adds),
                    "threshold": cond.threshold}
        case AllOf():
            return {"and": [condition_data(item) for item in cond.items]}
        case AnyOf():
            return {"or": [condition_data(item) for item in cond.items]}
        case _:
            assert_never(cond)


def _fact(fact: Fact) -> dict[str, Any]:
    return {"name": fact.name, "type": fact.type, "values": list(fact.values), "min": fact.min, "max": fact.max,
            "domain": list(fact.domain()), "intervals": [list(i) for i in fact.intervals()],
            "unit": fact.unit, "question": fact.question, "help": fact.help, "source": fact.source,
            "source_rank": fact.source_rank, "allowed": fact.allowed(), "unknown": fact.unknown,
            "unknown_word": fact.unknown_word, "red_flag": fact.red_flag, "fixed": fact.fixed, "label": fact.label,
            "unknown_when": condition_data(fact.unknown_when)}


def _downstream(step: Downstream) -> dict[str, Any]:
    return {"id": step.id, "kind": step.kind, "label": step.label, "text": step.text, "target": step.target,
            "if_offered": step.if_offered, "if_set_apart": step.if_set_apart}


def _rating(r: Rating) -> dict[str, Any]:
    return {"action": r.action, "category": r.category, "slot": r.slot, "score": r.score,
            "radiation": r.radiation, "confidence": r.confidence, "note": r.note,
            # only on ratings with modifiers: other pathways' data stays as it was
            **({"modifiers": [{"direction": m.direction, "when": condition_data(m.when), "reason": m.reason}
                              for m in r.modifiers]} if r.modifiers else {})}


def _rule(rule: Rule) -> dict[str, Any]:
    return {"id": rule.id, "label": rule.label, "when": condition_data(rule.when), "text": rule.text,
            "confidence": rule.confidence, "ratings": [_rating(r) for r in rule.ratings]}


def _node(node: Node) -> dict[str, Any]:
    out: dict[str, Any] = {"id": node.id, "kind": node.kind, "label": node.label}
    if node.kind == "variant":
        out["ratings"] = [_rating(r) for r in node.ratings]
        if node.rules:  # only on variants with rules: other pathways' data stays as it was
            out["rules"] = [_rule(rule) for rule in node.rules]
    if node.kind in ("variant", "handoff"):
        out["downstream"] = [_downstream(d) for d in node.downstream]
        out["advice"] = [{"actions": list(a.actions), "text": a.text} for a in node.advice]
    if node.kind == "action":
        out["radiation"] = node.radiation
        out["modality"] = node.modality
    return out


def _edge(edge: Edge) -> dict[str, Any]:
    return {"id": edge.id, "source": edge.source, "target": edge.target, "label": edge.label,
            "condition": condition_data(edge.condition), "text": edge.text, "confidence": edge.confidence}


def _check(check: Check) -> dict[str, Any]:
    return {"id": check.id, "actions": list(check.actions), "requires": condition_data(check.requires),
            "reason": check.reason, "caution": check.caution, "on_fail": check.on_fail,
            "variants": list(check.variants), "confidence": check.confidence}


def pathway_data(pathway: Pathway) -> dict[str, Any]:
    """Everything the twin needs to walk a case, as JSON-ready data (lists in file order).

    Args:
        pathway: a checked pathway.

    Returns:
        ``{format, id, title, entry, scale, facts, nodes, edges, checks}``; ``scale`` lists the
        rating categories in role order, the order routes list ratings in (id, name, role and
        ``slot``: the UA / MBA / UNA list a category's role fills). The twin takes the rating
        vocabulary from here (the order, the lists, which categories are offered).
    """
    return {
        "format": FORMAT,
        "id": pathway.meta.id,
        "title": pathway.meta.title,
        "entry": pathway.entry,
        "scale": {"name": pathway.scale.name, "acr": pathway.scale.is_acr,
                  "categories": [{"id": c.id, "name": c.name, "role": c.role, "slot": c.slot}
                                 for c in pathway.scale.in_role_order()]},
        "facts": [_fact(f) for f in pathway.facts],
        "nodes": [_node(n) for n in pathway.nodes],
        "edges": [_edge(e) for e in pathway.edges],
        "checks": [_check(c) for c in pathway.checks],
    }


def route_data(route: Route) -> dict[str, Any]:
    """A route in the shape the twin's ``trace`` returns (see ``twin.js``)."""
    return {
        "outcome": route.outcome,
        "terminal": route.terminal,
        "steps": [{"node": s.node, "edge": s.edge, "answer": s.answer, "target": s.target,
                   "explanation": s.explanation} for s in route.steps],
        **{slot.lower(): list(route.actions(slot)) for slot in SLOTS},
        "missing": list(route.missing_facts),
        "possible": list(route.possible),
        "contraindicated": [{"action": c.action, "category": c.category, "check": c.check, "reason": c.reason,
                             "facts": list(c.facts)} for c in route.contraindicated],
        "cautions": [{"action": c.action, "check": c.check, "state": c.state, "reason": c.reason,
                      "facts": list(c.facts)} for c in route.cautions],
        "downstream": [d.id for d in route.downstream],
        "assumed": list(route.assumed),
        "modifiers": [{"action": r.action, "direction": m.direction, "state": m.state, "reason": m.reason,
                       "explanation": m.explanation, "facts": list(m.facts)} for r in route.ratings for m in r.modifiers],
        "rules": [{"rule": r.rule, "label": r.label, "state": r.state, "explanation": r.explanation,
                   "facts": list(r.facts)} for r in route.rules],
        "rating_edges": list(route.rating_edges()),
    }


def json_for_script(data: Any) -> str:
    """JSON text that is safe inside a ``<script>`` element or a script file.

    Sorted keys and no spaces, so builds are byte-identical. ``</`` is written ``<\\/`` and
    ``<!--`` as ``<\\u0021--`` (so no text can end a script element or open an HTML comment in
    one), U+2028 and U+2029 as ``\\u`` escapes (so no text breaks a line of the script); all are
    plain JSON escapes, and JSON strings are the only place these can occur.
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("</", "<\\/").replace("<!--", "<\\u0021--")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def script_text(assignments: dict[str, Any]) -> str:
    """A script file that sets ``window.VCFGRAPH[name] = data`` for each name, in sorted order."""
    lines = ["window.VCFGRAPH = window.VCFGRAPH || {};"]
    for name in sorted(assignments):
        lines.append(f"window.VCFGRAPH[{json_for_script(name)}] = {json_for_script(assignments[name])};")
    return "\n".join(lines) + "\n"
