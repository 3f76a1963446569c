"""The pathway as a FHIR R4 PlanDefinition in the CPG style, and its patient-level checks as a second one.

Every question, variant and hand-off is a top-level action whose ``id`` is the node id (as a
FHIR id: underscores become hyphens). A question's answers are its sub-actions
(``selectionBehavior`` = ``exactly-one``): each has an ``applicability`` condition, a FHIRPath
expression over the QuestionnaireResponse (:mod:`vcfgraph.export.fhirpath`) that is true,
false or empty exactly as the answer's condition is true, false or unknown, and a
``relatedAction`` (``before-start``) naming the node the answer leads to. Walking the actions
(start at the first, take the one answer whose condition is true, stop at a variant or a
hand-off, or stop with need_info when no answer is true and one is empty) is
:func:`vcfgraph.engine.trace`.

A variant's rated actions are its sub-actions with the ACR category, score, radiation level and
evidence confidence as extensions (and each modifier as a ``rating-modifier`` extension: its
direction, its condition in FHIRPath, its reason) and the sources as ``documentation`` citations; its
downstream steps follow as sub-actions with ``relatedAction`` to the variant (``after-end``) and,
for a trigger that re-enters the graph, to the node it re-enters. A variant with rules that fire
together (a "collect" hit policy) is a ``logical-group`` whose ``selectionBehavior`` is ``all``:
after its own rated actions, each rule is a ``logical-group`` sub-action (``selectionBehavior``
``all``) whose ``applicability`` condition is the rule's condition in FHIRPath (true = holds,
false = does not, empty = undecided: the walk then stops with need_info) and whose sub-actions
are the ratings the rule adds (:func:`rule_action_id`). A hand-off names its topic and
its urgency (``priority``). :func:`checks_plandefinition` gives one action per patient-level check.
"""

from __future__ import annotations

from typing import Any

from vcfgraph.conditions import describe
from vcfgraph.export import fhirpath
from vcfgraph.export.common import STATUS, FHIRPATH, canonical, citations, computable_name, extension_url, fhir_id
from vcfgraph.export.reach import edge_expression
from vcfgraph.model import CATEGORY_NAMES, Check, Downstream, Edge, Modifier, Node, Pathway, Rating, Rule

__all__ = ["plandefinition", "checks_plandefinition", "rated_action_id", "rule_action_id", "step_id"]

PLAN_TYPE = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
#: hand-off urgency -> FHIR request priority
_PRIORITY = {"urgent": "urgent", "routine": "routine"}


def rated_action_id(variant: str, action: str, rule: str | None = None) -> str:
    """The element id of a variant's rated action (``V.a``), or of one its rule adds (``V.rule.a``)."""
    if rule:
        return f"{fhir_id(variant)}.{fhir_id(rule)}.{fhir_id(action)}"
    return f"{fhir_id(variant)}.{fhir_id(action)}"


def rule_action_id(variant: str, rule: str) -> str:
    """The element id of a variant's rule (the group of the ratings it adds)."""
    return f"{fhir_id(variant)}.{fhir_id(rule)}"


def step_id(variant: str, step: str) -> str:
    """The element id of a variant's downstream step."""
    return f"{fhir_id(variant)}.{fhir_id(step)}"


def _header(pathway: Pathway, base: str, suffix: str, kind: str, title: str, description: str) -> dict[str, Any]:
    meta = pathway.meta
    out: dict[str, Any] = {"resourceType": "PlanDefinition", "id": fhir_id(meta.id + (f"-{suffix}" if suffix else "")),
                           "url": canonical(base, "PlanDefinition", pathway, suffix)}
    if meta.version:
        out["version"] = meta.version
    out["name"] = computable_name(meta.id + (f"-{suffix}" if suffix else ""))
    out["title"] = title
    out["type"] = {"coding": [{"system": PLAN_TYPE, "code": kind}]}
    out["status"] = STATUS
    if meta.publisher:
        out["publisher"] = f"vcfgraph (after {meta.publisher})"
    out["description"] = description
    if meta.topic:
        out["topic"] = [{"text": meta.topic + (f" (topic {meta.topic_id}, revision {meta.revision})" if meta.topic_id else "")}]
    return out


def plandefinition(pathway: Pathway, base: str) -> dict[str, Any]:
    """The PlanDefinition resource (a JSON-ready dict) of the pathway's logic.

    Args:
        pathway: a checked pathway.
        base: the canonical base url of the exported resources.
    """
    meta = pathway.meta
    out = _header(pathway, base, "", "clinical-protocol", meta.title,
                  meta.summary or f"The decision graph '{meta.title}' as actions.")
    keys = tuple(s.key for s in pathway.sources)
    if keys:
        out["relatedArtifact"] = citations(pathway, keys)
    actions = [_node_action(pathway, node, base) for node in pathway.nodes if node.kind != "action"]
    entry = next(i for i, a in enumerate(actions) if a["id"] == fhir_id(pathway.entry))
    out["action"] = [actions[entry]] + actions[:entry] + actions[entry + 1:]
    return out


def _node_action(pathway: Pathway, node: Node, base: str) -> dict[str, Any]:
    action: dict[str, Any] = {"id": fhir_id(node.id)}
    extensions = [{"url": extension_url(base, "node-kind"), "valueCode": node.kind}]
    if node.kind == "variant" and node.stage:
        extensions.append({"url": extension_url(base, "variant-stage"), "valueCode": node.stage})
    action["extension"] = extensions
    if node.kind == "variant" and node.number is not None:
        action["prefix"] = f"Variant {node.number}"
    action["title"] = node.label
    text = node.acr_wording if node.kind == "variant" and node.acr_wording else node.text
    if text:
        action["description"] = text
    if node.kind == "variant" and node.acr_wording and node.text:
        action["textEquivalent"] = node.text
    if node.kind == "handoff":
        if node.urgency in _PRIORITY:
            action["priority"] = _PRIORITY[node.urgency]
        if node.topic:
            action["reason"] = [{"text": node.topic + (f" (ACR topic {node.topic_id})" if node.topic_id else "")}]
    if node.sources:
        action["documentation"] = citations(pathway, node.sources)
    if node.kind == "question":
        action["selectionBehavior"] = "exactly-one"
        action["action"] = [_answer(pathway, edge, base) for edge in pathway.out_edges(node.id)]
    elif node.kind == "variant":
        subs = [_rated(pathway, node, rating, base) for rating in node.ratings]
        subs += [_rule(pathway, node, rule, base) for rule in node.rules]
        if node.rules:  # every applicable contribution is taken: the rules fire together
            action["groupingBehavior"] = "logical-group"
            action["selectionBehavior"] = "all"
        subs += [_step(pathway, node, step, base) for step in node.downstream]
        if subs:
            action["action"] = subs
    elif node.downstream:
        action["action"] = [_step(pathway, node, step, base) for step in node.downstream]
    return action


def _answer(pathway: Pathway, edge: Edge, base: str) -> dict[str, Any]:
    answer: dict[str, Any] = {"id": fhir_id(edge.id.replace("->", "--"))}
    extensions: list[dict[str, Any]] = []
    if edge.confidence:
        extensions.append({"url": extension_url(base, "evidence-confidence"), "valueCode": edge.confidence})
    if edge.condition is None:
        extensions.append({"url": extension_url(base, "otherwise"), "valueBoolean": True})
    if extensions:
        answer["extension"] = extensions
    answer["title"] = edge.label
    if edge.text:
        answer["description"] = edge.text
    if edge.sources:
        answer["documentation"] = citations(pathway, edge.sources)
    words = describe(edge.condition) if edge.condition is not None else "no other answer holds"
    answer["condition"] = [{"kind": "applicability", "expression": {
        "description": words, "language": FHIRPATH, "expression": edge_expression(pathway, edge, base)}}]
    answer["relatedAction"] = [{"actionId": fhir_id(edge.target), "relationship": "before-start"}]
    return answer


def _rule(pathway: Pathway, variant: Node, rule: Rule, base: str) -> dict[str, Any]:
    """A rule as a group: its condition as applicability, the ratings it adds as sub-actions."""
    out: dict[str, Any] = {"id": rule_action_id(variant.id, rule.id)}
    ext = [{"url": extension_url(base, "rule-id"), "valueString": rule.id}]
    if rule.confidence:
        ext.append({"url": extension_url(base, "evidence-confidence"), "valueCode": rule.confidence})
    out["extension"] = ext
    out["title"] = rule.label
    if rule.text:
        out["description"] = rule.text
    if rule.sources:
        out["documentation"] = citations(pathway, rule.sources)
    out["condition"] = [{"kind": "applicability", "expression": {
        "description": describe(rule.when), "language": FHIRPATH,
        "expression": fhirpath.condition(rule.when, base, pathway)}}]
    out["groupingBehavior"] = "logical-group"
    out["selectionBehavior"] = "all"
    out["action"] = [_rated(pathway, variant, rating, base, rule.id) for rating in rule.ratings]
    return out


def _rated(pathway: Pathway, variant: Node, rating: Rating, base: str, rule: str | None = None) -> dict[str, Any]:
    action = pathway.node(rating.action)
    scale = pathway.scale
    if scale.is_acr:
        ext: list[dict[str, Any]] = [{"url": extension_url(base, "acr-category"), "valueCoding": {
            "system": extension_url(base, "acr-category").replace("StructureDefinition", "CodeSystem"),
            "code": rating.category, "display": CATEGORY_NAMES[rating.category]}}]
    else:  # the pathway's own scale: its own code system, never ACR's name
        category = scale.category(rating.category)
        ext = [{"url": extension_url(base, "rating-category"), "valueCoding": {
            "system": canonical(base, "CodeSystem", pathway, "rating-categories"),
            "code": rating.category, "display": category.name if category is not None else rating.category}}]
    if rating.score is not None:
        ext.append({"url": extension_url(base, "acr-score" if scale.is_acr else "rating-score"), "valueInteger": rating.score})
    radiation = rating.radiation or action.radiation
    if radiation:
        ext.append({"url": extension_url(base, "relative-radiation-level"), "valueString": radiation})
    ext.append({"url": extension_url(base, "evidence-confidence"), "valueCode": rating.confidence})
    ext += [_modifier(pathway, m, base) for m in rating.modifiers]
    out: dict[str, Any] = {"id": rated_action_id(variant.id, rating.action, rule), "extension": ext,
                           "title": action.label}
    if rating.note:
        out["description"] = rating.note
    out["code"] = [{"coding": [{"system": canonical(base, "CodeSystem", pathway, "actions"),
                                "code": rating.action, "display": action.label}]}]
    if rating.sources:
        out["documentation"] = citations(pathway, rating.sources)
    return out


def _modifier(pathway: Pathway, m: Modifier, base: str) -> dict[str, Any]:
    """A rating's modifier as a complex extension: its direction, its condition in FHIRPath (true
    = holds, false = does not hold, empty = undecided) with the condition in words, its reason."""
    parts: list[dict[str, Any]] = [
        {"url": "direction", "valueCode": m.direction},
        {"url": "when", "valueExpression": {"description": describe(m.when), "language": FHIRPATH,
                                            "expression": fhirpath.condition(m.when, base, pathway)}},
        {"url": "reason", "valueString": m.reason}]
    parts += [{"url": "source", "valueString": key} for key in m.sources]
    return {"url": extension_url(base, "rating-modifier"), "extension": parts}


def _step(pathway: Pathway, node: Node, step: Downstream, base: str) -> dict[str, Any]:
    out: dict[str, Any] = {"id": step_id(node.id, step.id),
                           "extension": [{"url": extension_url(base, "step-kind"), "valueCode": step.kind}],
                           "title": step.label}
    if step.text:
        out["description"] = step.text
    if step.sources:
        out["documentation"] = citations(pathway, step.sources)
    related = [{"actionId": fhir_id(node.id), "relationship": "after-end"}]
    if step.target:
        related.append({"actionId": fhir_id(step.target), "relationship": "before-start"})
    out["relatedAction"] = related
    for key, value in (("if-offered", step.if_offered), ("if-set-apart", step.if_set_apart)):
        if value:
            out["extension"].append({"url": extension_url(base, f"step-{key}"), "valueString": value})
    return out


def checks_plandefinition(pathway: Pathway, base: str) -> dict[str, Any] | None:
    """The patient-level checks as an ``eca-rule`` PlanDefinition, or None when there are none.

    Each check is an action whose ``applicability`` condition is the check's requirement in
    FHIRPath: true = satisfied, false = failed, empty = not established.
    """
    if not pathway.checks:
        return None
    out = _header(pathway, base, "checks", "eca-rule", f"{pathway.meta.title}: patient-level checks",
                  "What must hold before an action is offered to a patient. An applicability condition that is true "
                  "means satisfied; false means failed (the action is set apart, or carries a caution); empty means "
                  "not established (the action carries a caution).")
    out["action"] = [_check(pathway, check, base) for check in pathway.checks]
    return out


def _check(pathway: Pathway, check: Check, base: str) -> dict[str, Any]:
    ext: list[dict[str, Any]] = [{"url": extension_url(base, "check-on-fail"), "valueCode": check.on_fail},
                                 {"url": extension_url(base, "evidence-confidence"), "valueCode": check.confidence}]
    ext += [{"url": extension_url(base, "check-action"), "valueString": a} for a in check.actions]
    ext += [{"url": extension_url(base, "check-variant"), "valueString": v} for v in check.variants]
    if check.caution:
        ext.append({"url": extension_url(base, "check-caution"), "valueString": check.caution})
    out: dict[str, Any] = {"id": fhir_id(check.id), "extension": ext, "title": check.id.replace("_", " "),
                           "description": check.reason}
    if check.sources:
        out["documentation"] = citations(pathway, check.sources)
    out["condition"] = [{"kind": "applicability", "expression": {
        "description": describe(check.requires), "language": FHIRPATH,
        "expression": fhirpath.condition(check.requires, base, pathway)}}]
    return out
