"""Reports of a route: readable text for people and a JSON-ready dict for programs.

Everything shown comes from the :class:`~vcfgraph.model.Route` the engine produced; this module
formats, it never re-evaluates a condition.
"""

from __future__ import annotations

from typing import Any

from vcfgraph.conditions import format_value
from vcfgraph.imaging import Imaging
from vcfgraph.imaging.report import route_imaging_dict
from vcfgraph.model import Case, Pathway
from vcfgraph.route import Caution, ModifierResult, RatedAction, Route, RuleResult
from vcfgraph.schemas import SCHEMA_VERSION
from vcfgraph.whatif import json_fields

__all__ = ["route_to_dict", "route_text", "pathway_heading", "modifier_dict", "modifier_line", "MODIFIER_MARKS",
           "rule_dict", "rule_lines", "RULE_MARKS"]



def pathway_heading(pathway: Pathway) -> str:
    """``Title (id version; ACR topic 171, revision 2022)``."""
    m = pathway.meta
    bits = [f"{m.id} {m.version}".strip()]
    if m.topic_id:
        bits.append(f"{m.publisher or 'guideline'} topic {m.topic_id}, revision {m.revision or '?'}")
    elif m.revision:
        bits.append(", ".join(b for b in (m.publisher, m.topic, f"revision {m.revision}") if b))
    return f"{m.title} ({'; '.join(bits)})"


def _rated(r: RatedAction) -> dict[str, Any]:
    out: dict[str, Any] = {
        "action": r.action, "label": r.label, "category": r.category, "score": r.score,
        "radiation": r.radiation or None, "confidence": r.confidence, "sources": list(r.sources),
        "note": r.note or None,
    }
    if r.modifiers:  # only for ratings with modifiers: other outputs keep their shape
        out["modifiers"] = [modifier_dict(m) for m in r.modifiers]
    if r.rule:  # only for a rating a rule added: other outputs keep their shape
        out["rule"] = r.rule
    return out


def rule_dict(r: RuleResult) -> dict[str, Any]:
    """A variant's rule as evaluated for a case, as plain data (``trace --json``)."""
    return {"rule": r.rule, "label": r.label, "state": r.state, "explanation": r.explanation,
            "facts": list(r.facts), "confidence": r.confidence or None, "sources": list(r.sources)}


#: state -> the mark a text report puts before a rule
RULE_MARKS = {"holds": "[x]", "does_not_hold": "[ ]", "undecided": "[?]"}


def rule_lines(route: Route, indent: str = "  ") -> list[str]:
    """The rules of the reached variant in text: each with its mark and the kernel's explanation."""
    if not route.rules:
        return []
    lines = [f"{indent}Rules (each adds its ratings when it holds; all that hold apply together)"]
    for r in route.rules:
        flag = "" if r.confidence in ("", "confirmed") else f" - {r.confidence.upper()}, not confirmed"
        sources = f" ({', '.join(r.sources)})" if r.sources else ""
        lines.append(f"{indent}  {RULE_MARKS[r.state]} {r.explanation} [{r.rule}]{sources}{flag}")
    return lines


def modifier_dict(m: ModifierResult) -> dict[str, Any]:
    """A rating's modifier as evaluated for a case, as plain data (``trace --json``)."""
    return {"direction": m.direction, "state": m.state, "explanation": m.explanation, "reason": m.reason,
            "facts": list(m.facts), "sources": list(m.sources)}


#: state -> the mark a text report puts before a modifier
MODIFIER_MARKS = {"holds": "[+]", "does_not_hold": "[ ]", "undecided": "[?]"}


def modifier_line(m: ModifierResult) -> str:
    """A modifier in one line of text: mark, the kernel's explanation, the author's reason."""
    mark = MODIFIER_MARKS[m.state] if m.direction == "favoured" or m.state != "holds" else "[-]"
    sources = f" ({', '.join(m.sources)})" if m.sources else ""
    return f"{mark} {m.explanation} {m.reason}{sources}"


def _caution(c: Caution) -> dict[str, Any]:
    return {"action": c.action, "check": c.check, "reason": c.reason, "facts": list(c.facts), "state": c.state,
            "confidence": c.confidence, "sources": list(c.sources)}


def route_to_dict(route: Route, pathway: Pathway, problems: list[str] | None = None,
                  imaging: Imaging | None = None, what_if: bool = True) -> dict[str, Any]:
    """The route as plain data, in a stable key order: the ``trace --json`` format, which the
    service's ``/trace`` answers too (:meth:`Route.to_dict <vcfgraph.route.Route.to_dict>` hands
    over to this function).

    Args:
        route: what :func:`vcfgraph.engine.trace` returned.
        pathway: the pathway it was traced on (for labels).
        problems: differences from the case file's expectations, when it has any.
        imaging: the pathway's imaging companion (:func:`vcfgraph.io.imaging.load_imaging`), when
            it has one: its protocol notes and dose line for the route go under ``imaging``.
        what_if: give ``what_if`` and ``questions_ranked``; the service's ``/trace`` leaves them
            out unless asked (``?what_if=true``).

    Returns:
        The route's fields; with ``what_if`` and the case's facts known (a route made by
        ``trace``), also ``what_if`` and ``questions_ranked`` (:func:`vcfgraph.whatif.json_fields`).
    """
    terminal = pathway.node(route.terminal) if route.terminal else None
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "case": route.case,
        "outcome": route.outcome,
        "terminal": route.terminal,
        "terminal_label": terminal.label if terminal else None,
        "missing": list(route.missing_facts),
        "questions": [
            {"fact": m.fact, "question": m.question, "help": m.help or None, "allowed": m.allowed} for m in route.missing
        ],
        "possible": list(route.possible),
        "recommendations": {k: list(v) for k, v in route.recommendations().items()},
        "ratings": [_rated(r) for r in route.ratings],
        "contraindicated": [
            {"action": c.action, "label": c.label, "category": c.category, "reason": c.reason, "check": c.check or None,
             "facts": list(c.facts)}
            for c in route.contraindicated
        ],
        "cautions": [_caution(c) for c in route.cautions],
        **({"rules": [rule_dict(r) for r in route.rules]} if route.rules else {}),
        "checks": [{"check": c.check, "action": c.action, "state": c.state, "facts": list(c.facts)} for c in route.checks],
        "radiation": [{"action": a, "level": level or None} for a, level in route.radiation()],
        "route": [
            {
                "node": s.node,
                "answer": s.answer,
                "edge": s.edge,
                "target": s.target,
                "facts": {name: value for name, value in s.facts},
                "explanation": s.explanation,
                "note": s.note or None,
                "confidence": s.confidence or None,
                "sources": list(s.sources),
                "not_taken": [
                    {"edge": b.edge, "label": b.label, "result": b.result, "reason": b.reason} for b in s.not_taken
                ],
            }
            for s in route.steps
        ],
        "downstream": [
            {"id": d.id, "kind": d.kind, "label": d.label, "text": d.text or None, "to": d.target} for d in route.downstream
        ],
    }
    if route.assumed:  # only for pathways with "not recorded" policies: other outputs keep their shape
        out["assumed"] = [{"fact": n, "read_as": pathway.fact(n).unknown} for n in route.assumed]
    flags = route.red_flags()
    if flags:  # only when a red flag is present: other outputs keep their shape
        out["red_flags"] = [{"fact": n, "label": pathway.fact(n).label or n} for n in flags]
    if terminal is not None and terminal.advice:
        out["advice"] = [{"actions": list(a.actions), "text": a.text, "sources": list(a.sources)} for a in terminal.advice]
    if problems is not None:
        out["expected"] = {"ok": not problems, "problems": problems}
    if what_if and route.facts is not None:
        out.update(json_fields(pathway, route.facts))
    if imaging is not None:
        out["imaging"] = route_imaging_dict(imaging, route)
    return out


def _value(value: Any) -> str:
    return "not known" if value is None else format_value(value)


def route_text(route: Route, pathway: Pathway, case: Case | None = None, problems: list[str] | None = None) -> str:
    """The route as a readable report: steps with reasons, outcome, ratings, downstream."""
    lines: list[str] = []
    title = f"Case {route.case}"
    if case is not None and case.description:
        title += f": {case.description}"
    lines += [title, f"Pathway: {pathway_heading(pathway)}", "", "Route"]
    for i, step in enumerate(route.steps, 1):
        node = pathway.node(step.node)
        answer = step.answer if step.answer is not None else "(cannot answer yet)"
        lines.append(f"  {i}. {node.label} -> {answer}")
        if step.facts:
            lines.append("     facts: " + ", ".join(f"{n} = {_value(v)}" for n, v in step.facts))
        lines.append(f"     why: {step.explanation.removeprefix(node.label).strip()}")
        if step.confidence and step.confidence != "confirmed":
            lines.append(f"     routing {step.confidence.upper()}, not confirmed by the guideline ({', '.join(step.sources)})")
        if step.note:
            lines.append(f"     note: {step.note}")
        for b in step.not_taken:
            state = {False: "not taken", None: "undecided", True: "holds"}[b.result]
            lines.append(f"     {state}: '{b.label}' ({b.reason})")
    if route.assumed:
        lines += ["", "Pathway assumptions this route relies on (not recorded, read by the pathway's policy):"]
        lines += [f"  {name}: read as {pathway.fact(name).unknown_word}" for name in route.assumed]
    lines.append("")
    lines += _outcome_lines(route, pathway)
    if problems:
        lines += ["", "DOES NOT MATCH the case file's expectations:"] + [f"  - {p}" for p in problems]
    elif problems is not None:
        lines += ["", "Matches the case file's expectations."]
    return "\n".join(lines) + "\n"


def _outcome_lines(route: Route, pathway: Pathway) -> list[str]:
    if route.outcome == "need_info":
        stopped = route.steps[-1].node if route.steps else pathway.entry
        lines = [f"Outcome: need_info (the walk stopped at {stopped})"]
        for m in route.missing:
            lines.append(f"  Missing fact: {m.fact}")
            lines.append(f"    {m.question} ({m.allowed})")
            if m.help:
                lines.append(f"    {m.help}")
        if route.possible:
            lines.append("  Still possible: " + ", ".join(route.possible))
        return lines + rule_lines(route)
    node = pathway.node(route.terminal or "")
    if route.outcome == "handoff":
        urgency = f", {node.urgency}" if node.urgency else ""
        flags = [pathway.fact(n).label or n for n in route.red_flags()]
        lines = [f"Outcome: {node.id} (hand-off{urgency})", f"  {node.label}" + (f": {', '.join(flags)}" if flags else "")]
        if node.topic:
            lines.append(f"  Continue with: {node.topic}" + (f" (ACR topic {node.topic_id})" if node.topic_id else ""))
        if node.text:
            lines.append(f"  {node.text}")
        lines += _advice_lines(node, pathway)
        return lines + _downstream_lines(route)
    lines = [f"Outcome: {node.id} (variant)", f"  {node.label}"] + rule_lines(route)
    scale = pathway.scale
    width = max(len(c.id) for c in scale.categories) + 2
    for cat in scale.categories:
        lines.append(f"  {cat.name}")
        rated = [r for r in route.ratings if r.category == cat.id]
        for r in rated:
            score = f", score {r.score}" if r.score is not None else ""
            flag = "" if r.confidence == "confirmed" else f" - {r.confidence.upper()}, not confirmed"
            rule = f"; by rule {r.rule}" if r.rule else ""
            lines.append(f"    {f'[{cat.id}]':<{width}} {r.label} [{r.action}] ({r.confidence}{score}; {', '.join(r.sources)}{rule}){flag}")
            lines += [f"          {modifier_line(m)}" for m in r.modifiers]
            lines += [_caution_line(c, pathway) for c in route.cautions_of(r.action)]
        if not rated:
            lines.append("    (none)")
    if route.contraindicated:
        which = "ACR" if scale.is_acr else "rated"
        lines.append(f"  Set apart for this patient (not an option; the {which} category is unchanged)")
        for c in route.contraindicated:
            check = f" [check {c.check}]" if c.check else ""
            lines.append(f"    [NO]  {c.label} [{c.action}] (rated {c.category}): {c.reason}{check}")
    lines += _advice_lines(node, pathway)
    if not pathway.rates_imaging():
        return lines + _downstream_lines(route)  # a pathway that rates no imaging has no radiation to speak of
    levels = route.radiation()
    favoured = scale.of_slot("UA")
    if scale.is_acr or favoured is None:
        head, none = "Radiation of the usually appropriate imaging", "no imaging is usually appropriate here"
    else:
        head, none = f"Radiation of the imaging rated '{favoured.name}'", "no imaging is rated so here"
    if levels:
        lines.append(f"  {head}: " + "; ".join(f"{a} {level or 'not known'}" for a, level in levels))
    else:
        lines.append(f"  {head}: none ({none})")
    return lines + _downstream_lines(route)


def _caution_line(c: Caution, pathway: Pathway) -> str:
    mark = "" if c.confidence == "confirmed" else f"; {c.confidence}, not confirmed"
    check = next((k for k in pathway.checks if k.id == c.check), None)
    # an action not offered anyway whose check fails: said once, as a set-apart, not as a caution
    head = "[NO]" if c.state == "failed" and check is not None and check.on_fail == "set_apart" else "[!] CAUTION:"
    return f"          {head} {c.reason} [check {c.check}{mark}; {', '.join(c.sources)}]"


def _advice_lines(node: Any, pathway: Pathway) -> list[str]:
    """What the reached node says about actions it does not rate."""
    if not node.advice:
        return []
    lines = ["  Advice on orders not rated here"]
    for a in node.advice:
        names = ", ".join(pathway.node(x).label for x in a.actions)
        lines.append(f"    {names}: {a.text}" + (f" ({', '.join(a.sources)})" if a.sources else ""))
    return lines


def _downstream_lines(route: Route) -> list[str]:
    if not route.downstream:
        return []
    lines = ["", "Next steps"]
    for d in route.downstream:
        if d.kind == "reenter":
            lines.append(f"  - {d.label} -> go to {d.target}" + (f": {d.text}" if d.text else ""))
        else:
            lines.append(f"  - {d.label}" + (f": {d.text}" if d.text else ""))
    return lines
