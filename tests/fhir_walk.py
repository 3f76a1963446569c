"""Walk an exported PlanDefinition over a QuestionnaireResponse with fhirpathpy, an independent
FHIRPath engine: the agreement tests read the export only through FHIR and FHIRPath.

The walk knows nothing of vcfgraph's model: it starts at the first action, evaluates the
``applicability`` condition of every answer (sub-action) with fhirpathpy, follows the one that
is true through its ``relatedAction``, and stops at an action with no answers (a variant or a
hand-off, told apart by the ``node-kind`` extension), or with need_info when no answer is true
and one is empty, or with a route error when two are true, none can be, the walk comes back to
an action, or an answer leads to no top-level action. At a variant whose rules fire together
(sub-actions with an ``applicability`` condition) it stops with need_info while a rule's
condition is empty, and with a route error when two contributions that are taken rate one action.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

from fhirpathpy import compile as fp_compile
from fhirpathpy.models import models

MODEL = models["r4"]


@lru_cache(maxsize=None)
def compiled(expression: str) -> Callable[..., Any]:
    return fp_compile(expression, MODEL)


def three_valued(expression: str, resource: dict[str, Any], variables: dict[str, Any] | None = None) -> bool | None:
    """true / false / None (the empty collection) of a boolean FHIRPath expression."""
    result = compiled(expression)(resource, {"resource": resource, **(variables or {})})
    if result == []:
        return None
    assert len(result) == 1 and isinstance(result[0], bool), (expression, result)
    return result[0]


def _kind(action: dict[str, Any]) -> str:
    return next(e["valueCode"] for e in action.get("extension", ()) if e["url"].endswith("/node-kind"))


def walk(plan: dict[str, Any], qr: dict[str, Any]) -> tuple[str, str | None]:
    """(outcome, terminal action id) of walking ``plan`` with ``qr``; outcome is variant, handoff,
    need_info or route_error."""
    actions = {a["id"]: a for a in plan["action"]}
    current = plan["action"][0]
    seen: set[str] = set()
    while True:
        if current["id"] in seen:
            return "route_error", None
        seen.add(current["id"])
        if _kind(current) == "variant":
            return _variant(current, qr)
        if _kind(current) != "question":
            return _kind(current), current["id"]
        answers = current.get("action", ())
        results = [three_valued(a["condition"][0]["expression"]["expression"], qr) for a in answers]
        true = [a for a, r in zip(answers, results) if r is True]
        if len(true) > 1:
            return "route_error", None
        if not true:
            return ("need_info", None) if None in results else ("route_error", None)
        target = true[0]["relatedAction"][0]["actionId"]
        if target not in actions:  # an answer that leads to an action node: no walk ends there
            return "route_error", None
        current = actions[target]


def _codes(action: dict[str, Any]) -> list[str]:
    return [c["code"] for sub in action.get("action", ()) for c in sub.get("code", [{}])[0].get("coding", ())]


def fired_rules(variant: dict[str, Any], qr: dict[str, Any]) -> list[str]:
    """The rule groups of a variant action whose applicability is true (their ``rule-id``)."""
    out = []
    for sub in variant.get("action", ()):
        if "condition" in sub and three_valued(sub["condition"][0]["expression"]["expression"], qr) is True:
            out.append(next(e["valueString"] for e in sub["extension"] if e["url"].endswith("/rule-id")))
    return out


def _variant(action: dict[str, Any], qr: dict[str, Any]) -> tuple[str, str | None]:
    rules = [sub for sub in action.get("action", ()) if "condition" in sub]
    results = [three_valued(r["condition"][0]["expression"]["expression"], qr) for r in rules]
    if None in results:
        return "need_info", None
    taken = _codes(action) + [c for r, ok in zip(rules, results) if ok for c in _codes(r)]
    if len(taken) != len(set(taken)):
        return "route_error", None
    return "variant", action["id"]


def check_states(checks_plan: dict[str, Any], qr: dict[str, Any], ids: set[str] | None = None) -> dict[str, str]:
    """check action id -> satisfied / failed / not_established (of the checks in ``ids``, or all)."""
    words = {True: "satisfied", False: "failed", None: "not_established"}
    return {a["id"]: words[three_valued(a["condition"][0]["expression"]["expression"], qr)]
            for a in checks_plan["action"] if ids is None or a["id"] in ids}


def enabled_items(questionnaire: dict[str, Any], qr: dict[str, Any]) -> set[str]:
    """The linkIds the Questionnaire enables for ``qr``: SDC variables in order, then each item's
    ``enableWhenExpression``, or its R4 ``enableWhen`` (behaviour ``all``), or always."""
    env: dict[str, Any] = {}
    for ext in questionnaire.get("extension", ()):
        if ext["url"].endswith("/variable"):
            expr = ext["valueExpression"]
            env[expr["name"]] = compiled(expr["expression"])(qr, {"resource": qr, **env})
    answers = {i["linkId"]: i["answer"][0] for i in qr.get("item", ()) if i.get("answer")}
    out = set()
    for item in questionnaire["item"]:
        expression = next((e["valueExpression"]["expression"] for e in item.get("extension", ())
                           if e["url"].endswith("enableWhenExpression")), None)
        if expression is not None:
            on = three_valued(expression, qr, env) is True
        elif "enableWhen" in item:
            on = all(_enable_when(w, answers) for w in item["enableWhen"])
        else:
            on = True
        if on:
            out.add(item["linkId"])
    return out


def _enable_when(when: dict[str, Any], answers: dict[str, Any]) -> bool:
    answer = answers.get(when["question"])
    key = next(k for k in when if k.startswith("answer"))
    value_key = "value" + key[len("answer"):]
    if answer is None or value_key not in answer:
        return when["operator"] == "!="
    got, want = answer[value_key], when[key]
    if value_key == "valueCoding":
        got, want = got.get("code"), want.get("code")
    return {"=": got == want, "!=": got != want, ">": got > want, "<": got < want,
            ">=": got >= want, "<=": got <= want}[when["operator"]]
