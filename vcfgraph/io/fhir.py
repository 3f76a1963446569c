"""A FHIR QuestionnaireResponse read as a case: item linkIds are fact names, answers their values.

The response answers the pathway's Questionnaire (``vcfgraph export --to questionnaire``): its
``questionnaire`` canonical must end in ``Questionnaire/PATHWAY-ID`` (a ``|version`` may
follow). Each item's ``linkId`` names a fact; its one answer is ``valueBoolean`` (bool facts),
``valueInteger`` (int facts) or ``valueCoding`` whose ``code`` is the enum value (enum facts).
An item that is absent, has no answer, or whose answer has no value (a ``data-absent-reason``
extension) or is the "Not known" coding, is not known. Every problem is reported at once with
file:line:col and the item's linkId, the same way YAML cases name the fact.

:func:`flat_answers` gives the answers of one response without a pathway (the batch reader
checks the values as it checks any row). This module reads no files: :mod:`vcfgraph.io.load` does.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from vcfgraph.conditions import Value, format_value
from vcfgraph.errors import Location, did_you_mean
from vcfgraph.io.located import Reader
from vcfgraph.model import Case, Fact, Pathway

__all__ = [
    "RESOURCE_TYPE",
    "ABSENT_SYSTEM",
    "is_response",
    "questionnaire_id",
    "code_system_name",
    "case_from_response",
    "flat_answers",
]

RESOURCE_TYPE = "QuestionnaireResponse"
#: the code system of "Not known" (``asked-unknown``) and its kin
ABSENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
_VALUE_KEYS = {"bool": "valueBoolean", "int": "valueInteger", "enum": "valueCoding"}
_STATUSES = ("in-progress", "completed", "amended", "entered-in-error", "stopped")
_KEYS = ("resourceType", "id", "meta", "implicitRules", "language", "text", "contained", "extension",
         "modifierExtension", "identifier", "basedOn", "partOf", "questionnaire", "status", "subject",
         "encounter", "authored", "author", "source", "item")
_ITEM_KEYS = ("id", "extension", "modifierExtension", "linkId", "definition", "text", "answer", "item")
_ANSWER_KEYS = ("id", "extension", "modifierExtension", "item")


def is_response(data: Any) -> bool:
    """True when ``data`` is a mapping whose ``resourceType`` is QuestionnaireResponse."""
    return isinstance(data, Mapping) and data.get("resourceType") == RESOURCE_TYPE


def _fhir_id(text: str) -> str:
    return text.replace("_", "-")


def questionnaire_id(pathway: Pathway) -> str:
    """The id of the pathway's Questionnaire (its canonical ends in ``Questionnaire/ID``)."""
    return _fhir_id(pathway.meta.id)


def code_system_name(pathway: Pathway, fact: Fact) -> str:
    """The last part of an enum fact's code system url (``.../CodeSystem/NAME``)."""
    return f"{_fhir_id(pathway.meta.id)}-{_fhir_id(fact.name)}"


def case_from_response(data: Mapping[str, Any], pathway: Pathway, r: Reader, loc: Location, default_id: str) -> Case | None:
    """Check a QuestionnaireResponse and build its case; problems go to ``r``.

    The case id is the response's ``id`` (else ``default_id``); facts the response does not
    answer are not known.
    """
    r.mapping(data, loc, "the QuestionnaireResponse", optional=_KEYS)
    given = data.get("id")
    case_id = given if isinstance(given, str) and given else default_id
    what = f"QuestionnaireResponse '{case_id}'"
    _check_questionnaire(data, pathway, r, loc, what)
    status = data.get("status")
    if status is not None and status not in _STATUSES:
        r.report(r.at(data, "status"), f"'status' of {what} must be one of {', '.join(_STATUSES)}; got {format_value(status)}"
                 f"{did_you_mean(str(status), _STATUSES)}")
    facts: dict[str, Value] = {f.name: None for f in pathway.facts}
    seen: set[str] = set()
    for item, item_loc in _items(data, r, what):
        link = item.get("linkId")
        if not isinstance(link, str) or not link:
            r.report(item_loc, f"an item of {what} has no 'linkId'; it must name a fact")
            continue
        if not pathway.has_fact(link):
            if link.endswith(".help") and pathway.has_fact(link[:-5]) and not item.get("answer"):
                continue  # the help text of an item, echoed back by a form
            names = [f.name for f in pathway.facts]
            r.report(r.at(item, "linkId"), f"unknown item linkId '{link}' in {what}{did_you_mean(link, names)}; "
                     "the linkIds are the fact names of the pathway")
            continue
        if link in seen:
            r.report(r.at(item, "linkId"), f"item '{link}' is answered twice in {what}; keep one")
            continue
        seen.add(link)
        facts[link] = _answer(item, pathway, pathway.fact(link), r, what)
    return Case(id=case_id, facts=facts, loc=loc)


def _check_questionnaire(data: Mapping[str, Any], pathway: Pathway, r: Reader, loc: Location, what: str) -> None:
    wanted = f"Questionnaire/{questionnaire_id(pathway)}"
    value = data.get("questionnaire")
    if value is None:
        r.report(loc, f"{what} has no 'questionnaire' canonical; give the url of the pathway's Questionnaire "
                      f"(ending in {wanted}, from 'vcfgraph export --to questionnaire')")
        return
    url = value.split("|", 1)[0] if isinstance(value, str) else None
    if url is None or not (url == wanted or url.endswith("/" + wanted)):
        r.report(r.at(data, "questionnaire"), f"'questionnaire' of {what} is {format_value(value)}; it must be the "
                 f"pathway's Questionnaire, a url ending in {wanted}")


def _items(data: Mapping[str, Any], r: Reader, what: str) -> list[tuple[Mapping[str, Any], Location]]:
    """Every item with answers, groups opened, in reading order."""
    out: list[tuple[Mapping[str, Any], Location]] = []

    def walk(parent: Mapping[str, Any], key: str) -> None:
        items = r.sequence(parent.get(key), r.at(parent, key), f"'{key}' of {what}")
        for i, item in enumerate(items):
            loc = r.at(items, i)
            m = r.mapping(item, loc, f"an item of {what}", optional=_ITEM_KEYS)
            if m is None:
                continue
            if "item" in m:
                walk(m, "item")
                if "answer" not in m:
                    continue
            out.append((m, loc))

    walk(data, "item")
    return out


def _answer(item: Mapping[str, Any], pathway: Pathway, fact: Fact, r: Reader, what: str) -> Value:
    link = fact.name
    answers = r.sequence(item.get("answer"), r.at(item, "answer"), f"'answer' of item '{link}'")
    if not answers:
        return None
    if len(answers) > 1:
        second = answers[1]
        loc = r.at(second, next(iter(second))) if isinstance(second, Mapping) and second else r.at(answers, 1)
        r.report(loc, f"item '{link}' of {what} has {len(answers)} answers; a fact has one value")
        return None
    key = _VALUE_KEYS[fact.type]
    first = answers[0]
    values = tuple(k for k in first if isinstance(k, str) and k.startswith("value")) if isinstance(first, Mapping) else ()
    answer = r.mapping(first, r.at(answers, 0), f"the answer of item '{link}'", optional=_ANSWER_KEYS + values)
    if answer is None:
        return None
    given = [k for k in answer if isinstance(k, str) and k.startswith("value")]
    if not given:
        return None  # no value: not known (a data-absent-reason extension says why)
    if len(given) > 1 or given[0] not in (key, "valueCoding"):
        r.report(r.at(answer, given[-1], of_key=True), f"item '{link}' of {what} must be answered with {key}; "
                 f"got {', '.join(given)}; allowed: {fact.allowed()}")
        return None
    raw = answer[given[0]]
    if given[0] == "valueCoding":
        return _coding(answer, raw, pathway, fact, r, what)
    return _checked(fact, raw, r.at(answer, key), r, what)


def _coding(answer: Mapping[str, Any], raw: Any, pathway: Pathway, fact: Fact, r: Reader, what: str) -> Value:
    loc = r.at(answer, "valueCoding")
    if not isinstance(raw, Mapping):
        r.report(loc, f"'valueCoding' of item '{fact.name}' in {what} must be a Coding (a mapping with a code)")
        return None
    system = raw.get("system")
    if system == ABSENT_SYSTEM:
        return None  # "Not known"
    if fact.type != "enum":
        key = _VALUE_KEYS[fact.type]
        r.report(loc, f"item '{fact.name}' of {what} must be answered with {key}; got valueCoding; allowed: {fact.allowed()}")
        return None
    name = code_system_name(pathway, fact)
    if system is not None and not (isinstance(system, str) and (system == name or system.endswith("/CodeSystem/" + name))):
        r.report(r.at(raw, "system"), f"the code system of item '{fact.name}' in {what} is {format_value(system)}; "
                 f"it must be the fact's own (ending in CodeSystem/{name}) or {ABSENT_SYSTEM}")
        return None
    return _checked(fact, raw.get("code"), r.at(raw, "code") if "code" in raw else loc, r, what)


def _checked(fact: Fact, value: Any, loc: Location, r: Reader, what: str) -> Value:
    if value is not None and fact.accepts(value):
        return value
    hint = did_you_mean(str(value), fact.values) if fact.type == "enum" else ""
    shown = f"'{value}'" if isinstance(value, str) else format_value(value)
    r.report(loc, f"item '{fact.name}' cannot be {shown}; allowed: {fact.allowed()}{hint} (in {what})")
    return None


def flat_answers(data: Any) -> tuple[dict[str, Any], str | None]:
    """The answers of one response as ``{linkId: value}`` (codes for Codings, None for not
    known), and a problem with its shape (or None); values are not checked against a domain.
    """
    if not is_response(data):
        return {}, "a line must be a QuestionnaireResponse like the others"
    if not isinstance(data.get("questionnaire"), str):
        return {}, "the QuestionnaireResponse has no 'questionnaire' canonical"
    out: dict[str, Any] = {}
    todo: list[Any] = list(data.get("item") or ()) if isinstance(data.get("item"), Sequence) else []
    while todo:
        item = todo.pop(0)
        if not isinstance(item, Mapping) or not isinstance(item.get("linkId"), str):
            return {}, "an item has no 'linkId'"
        if isinstance(item.get("item"), Sequence):
            todo.extend(item["item"])
        answers = item.get("answer")
        if answers is None and "item" in item:
            continue
        if item["linkId"] in out:
            return {}, f"item '{item['linkId']}' is answered twice"
        if not isinstance(answers, Sequence) or len(answers) > 1:
            return {}, f"item '{item['linkId']}' must have one answer"
        out[item["linkId"]] = _flat_value(answers[0]) if answers else None
    return out, None


def _flat_value(answer: Any) -> Any:
    if not isinstance(answer, Mapping):
        return None
    for key in ("valueBoolean", "valueInteger", "valueString"):
        if key in answer:
            return answer[key]
    coding = answer.get("valueCoding")
    if isinstance(coding, Mapping) and coding.get("system") != ABSENT_SYSTEM:
        return coding.get("code")
    return None
