"""The fact vocabulary as a FHIR R4 Questionnaire: one item per fact, asked only when it matters.

Item ``linkId``s are the fact names and answers carry the fact's own values, so a filled-in
form is a case (:mod:`vcfgraph.io.fhir` reads it back):

- a bool fact is a ``boolean`` item (``valueBoolean``);
- an int fact an ``integer`` item with the ``minValue`` / ``maxValue`` extensions and its unit;
- an enum fact a ``choice`` item whose ``answerOption``s are ``valueCoding``s (code = the value,
  system = the fact's code system), plus a "Not known" option.

"Not known" is an unanswered item, an answer without a value that carries the
``data-absent-reason`` extension, or (enum facts) the "Not known" option. A fact that only some
routes read carries SDC's ``enableWhenExpression``: true when the walk reaches a node that
reads it (a question through its answers; a variant through its rules, the patient-level checks
on its rated actions and its modifiers). The reach of every node is a ``variable`` of the
Questionnaire (``%reachNode``); a fact whose condition is plain enough also gets the R4
``enableWhen`` meaning the same. The help text is a ``display`` child item shown as help.
"""

from __future__ import annotations

import re
from typing import Any

from vcfgraph.conditions import AllOf, Condition, Test, facts_read
from vcfgraph.export import fhirpath
from vcfgraph.export.common import FHIRPATH, STATUS, canonical, computable_name, fhir_id
from vcfgraph.export.reach import reach_expressions, variable_names
from vcfgraph.model import Fact, Pathway

__all__ = ["questionnaire", "NOT_KNOWN", "ABSENT_REASON", "fact_scope"]

SDC = "http://hl7.org/fhir/uv/sdc/StructureDefinition"
ENABLE_WHEN_EXPRESSION = f"{SDC}/sdc-questionnaire-enableWhenExpression"
VARIABLE = "http://hl7.org/fhir/StructureDefinition/variable"
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
UNIT = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
#: the coding of a "Not known" answer
NOT_KNOWN = {"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "asked-unknown",
             "display": "Not known"}
#: fact units -> UCUM
_UCUM = {"years": ("a", "years"), "weeks": ("wk", "weeks"), "percent": ("%", "percent")}
_ITEM_TYPES = {"bool": "boolean", "int": "integer", "enum": "choice"}
_SIMPLE_OPS = {"eq": "=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def fact_scope(pathway: Pathway) -> dict[str, list[str]]:
    """fact -> the nodes that read it (questions through their answers, variants through their
    rules, the patient-level checks on their rated actions and their ratings' modifiers), in
    file order."""
    scope: dict[str, list[str]] = {f.name: [] for f in pathway.facts}
    for node in pathway.nodes:
        names: list[str] = []
        if node.kind == "question":
            for edge in pathway.out_edges(node.id):
                if edge.condition is not None:
                    names += facts_read(edge.condition)
        elif node.kind == "variant":
            names += pathway.rule_reads(node.id)
            rated = [r for _, r in node.all_ratings()]
            for check in pathway.checks:
                if any(check.applies(node.id, r.action) for r in rated):
                    names += facts_read(check.requires)
            names += [n for r in rated for m in r.modifiers for n in facts_read(m.when)]
        for name in dict.fromkeys(names):
            if name in scope:
                scope[name].append(node.id)
    return scope


def questionnaire(pathway: Pathway, base: str) -> dict[str, Any]:
    """The Questionnaire resource (a JSON-ready dict) for ``pathway``.

    Args:
        pathway: a checked pathway.
        base: the canonical base url of the exported resources.
    """
    meta = pathway.meta
    reach = reach_expressions(pathway, base, variables=True)
    names = variable_names(pathway)
    scope = fact_scope(pathway)
    items = [_item(pathway, fact, scope[fact.name], reach, names, base) for fact in pathway.facts]
    named = _named(items, reach, {v: k for k, v in names.items()})
    variables = [
        {"url": VARIABLE, "valueExpression": {"name": names[node], "language": FHIRPATH, "expression": text}}
        for node, text in reach.items() if node in named
    ]
    out: dict[str, Any] = {"resourceType": "Questionnaire", "id": fhir_id(meta.id)}
    if variables:
        out["extension"] = variables
    out["url"] = canonical(base, "Questionnaire", pathway)
    if meta.version:
        out["version"] = meta.version
    out["name"] = computable_name(meta.id) + "Facts"
    out["title"] = f"{meta.title}: the facts of a case"
    out["status"] = STATUS
    out["subjectType"] = ["Patient"]
    if meta.publisher:
        out["publisher"] = f"vcfgraph (after {meta.publisher})"
    out["description"] = (f"The facts the pathway '{meta.title}' reads, one item per fact. Answers use the "
                          "fact's own values; an unanswered item is not known.")
    out["item"] = items
    return out


_VARIABLE_REF = re.compile(r"%(reach[A-Za-z0-9]+)")


def _named(items: list[dict[str, Any]], reach: dict[str, str], nodes: dict[str, str]) -> set[str]:
    """The nodes whose reach variable an item's expression names, directly or through other
    variables."""
    todo = [ext["valueExpression"]["expression"] for item in items for ext in item.get("extension", ())
            if ext["url"] == ENABLE_WHEN_EXPRESSION]
    named: set[str] = set()
    while todo:
        for name in _VARIABLE_REF.findall(todo.pop()):
            node = nodes.get(name, "")
            if node not in named and node in reach:
                named.add(node)
                todo.append(reach[node])
    return named


def _item(pathway: Pathway, fact: Fact, nodes: list[str], reach: dict[str, str], names: dict[str, str],
          base: str) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": fact.name}
    extensions = _value_extensions(fact)
    enable = _enable_expression(pathway, nodes, reach, names)
    simple = _simple_enable_when(pathway, nodes, base) if enable else None
    if enable and not simple:
        extensions.append({"url": ENABLE_WHEN_EXPRESSION, "valueExpression": {"language": FHIRPATH, "expression": enable}})
    if extensions:
        item["extension"] = extensions
    item["text"] = fact.question or f"What is {fact.name.replace('_', ' ')}?"
    item["type"] = _ITEM_TYPES[fact.type]
    if simple:
        item["enableWhen"], item["enableBehavior"] = simple
    item["required"] = False
    item["repeats"] = False
    if fact.type == "enum":
        system = fhirpath.code_system(base, pathway, fact)
        item["answerOption"] = [{"valueCoding": {"system": system, "code": v, "display": v.replace("_", " ")}}
                                for v in fact.values] + [{"valueCoding": dict(NOT_KNOWN)}]
    helps = [text for text in (fact.help, fact.meaning) if text]
    if helps:
        item["item"] = [{
            "extension": [{"url": ITEM_CONTROL, "valueCodeableConcept": {"coding": [
                {"system": "http://hl7.org/fhir/questionnaire-item-control", "code": "help", "display": "Help-Button"}]}}],
            "linkId": f"{fact.name}.help",
            "text": " ".join(helps),
            "type": "display",
        }]
    return item


def _value_extensions(fact: Fact) -> list[dict[str, Any]]:
    if fact.type != "int":
        return []
    out: list[dict[str, Any]] = [{"url": MIN_VALUE, "valueInteger": fact.min}, {"url": MAX_VALUE, "valueInteger": fact.max}]
    if fact.unit:
        code, display = _UCUM.get(fact.unit, (None, fact.unit))
        coding: dict[str, Any] = {"system": "http://unitsofmeasure.org", "code": code, "display": display} if code else {"display": display}
        out.append({"url": UNIT, "valueCoding": coding})
    return out


def _enable_expression(pathway: Pathway, nodes: list[str], reach: dict[str, str], names: dict[str, str]) -> str:
    """'' when the fact is read at the entry (always asked) or read nowhere."""
    if not nodes or pathway.entry in nodes:
        return ""
    parts = [f"%{names[n]}" for n in nodes if n in reach]
    if not parts:
        return "false"
    return parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"


def _simple_enable_when(pathway: Pathway, nodes: list[str], base: str) -> tuple[list[dict[str, Any]], str] | None:
    """R4 ``enableWhen`` for a fact read by one node reached from the entry by one answer whose
    condition is a test (or an ``and`` of tests) of the form ``fact op value`` on facts with no
    "not recorded" policy; else None."""
    if len(nodes) != 1:
        return None
    edges = [e for e in pathway.edges if e.target == nodes[0]]
    if len(edges) != 1 or edges[0].source != pathway.entry or edges[0].condition is None:
        return None
    cond: Condition = edges[0].condition
    tests = cond.items if isinstance(cond, AllOf) else (cond,)
    out = []
    for test in tests:
        if not isinstance(test, Test) or test.op not in _SIMPLE_OPS or test.value is None or test.assume is not None:
            return None  # (a "not recorded" policy needs the expression: R4 enableWhen reads no default)
        fact = pathway.fact(test.fact)
        out.append({"question": fact.name, "operator": _SIMPLE_OPS[test.op], **_answer(pathway, fact, test.value, base)})
    return out, "all"


def _answer(pathway: Pathway, fact: Fact, value: Any, base: str) -> dict[str, Any]:
    if fact.type == "bool":
        return {"answerBoolean": value}
    if fact.type == "int":
        return {"answerInteger": value}
    return {"answerCoding": {"system": fhirpath.code_system(base, pathway, fact), "code": value}}
