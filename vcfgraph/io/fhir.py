"""A FHIR QuestionnaireResponse read as a case: item linkIds are fact names, answers their values.

The response answers the pathway's Questionnaire (``vcfgraph export --to questionnaire``): its
``questionnaire`` canonical must end in ``Questionnaire/PATHWAY-ID`` (a ``|version`` may
follow). Each item's ``linkId`` names a fact; its one answer is ``valueBoolean`` (bool facts),
``valueInteger`` (int facts) or ``valueCoding`` whose ``code`` is the enum value (enum facts).
An item that is absent, has no answer, or whose answer has no value (a ``data-absent-reason``
extension) or is the "Not known" coding, is not known. Items nested under an answer
(``item.answer.item``, FHIR's questions that follow from that answer) are read like any other
item: no answer is ever dropped. Every problem is reported at once with file:line:col and the
item's linkId, the same way YAML cases name the fact.

:func:`read_response` is the one reader every caller uses (``trace``, ``site`` and the other
case-file commands through :mod:`vcfgraph.io.cases`, ``batch`` per JSON line, the service per
request). It returns a verdict for the caller to map: :class:`Accepted` (the case),
:class:`Refused` (every located problem) or :class:`NotOurs` (a response to another
Questionnaire, which a caller may skip). This module reads no files: :mod:`vcfgraph.io.load` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from vcfgraph.conditions import Value, format_value
from vcfgraph.errors import Location, Problem, did_you_mean
from vcfgraph.io.located import Reader
from vcfgraph.model import Case, Fact, Pathway

__all__ = [
    "RESOURCE_TYPE",
    "ABSENT_SYSTEM",
    "is_response",
    "questionnaire_id",
    "code_system_name",
    "case_from_response",
    "Accepted",
    "Refused",
    "NotOurs",
    "Verdict",
    "read_response",
    "DuplicateKey",
    "unique_keys",
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


def case_from_response(data: Mapping[str, Any], pathway: Pathway, r: Reader, loc: Location,
                       default_id: str | None) -> Case | None:
    """Check a QuestionnaireResponse and build its case; problems go to ``r``.

    The case id is the response's ``id`` (else ``default_id``); facts the response does not
    answer are not known.
    """
    r.mapping(data, loc, "the QuestionnaireResponse", optional=_KEYS)
    case_id = data.get("id") if isinstance(data.get("id"), str) and data.get("id") else default_id
    what = f"QuestionnaireResponse '{case_id}'" if case_id else "the QuestionnaireResponse"
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
            r.report(r.at(item, "linkId"), f"unknown item linkId '{link}' in {what}{r.hint(link, names)}; "
                     "the linkIds are the fact names of the pathway")
            continue
        if link in seen:
            r.report(r.at(item, "linkId"), f"item '{link}' is answered twice in {what}; keep one")
            continue
        seen.add(link)
        facts[link] = _answer(item, pathway, pathway.fact(link), r, what)
    return Case(id=case_id or "", facts=facts, loc=loc)


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

    todo: list[tuple[Mapping[str, Any], str]] = [(data, "item")]
    while todo:  # a list, not recursion: nesting depth costs no stack
        parent, key = todo.pop()
        items = r.sequence(parent.get(key), r.at(parent, key), f"'{key}' of {what}")
        found: list[tuple[Mapping[str, Any], str]] = []
        for i, item in enumerate(items):
            loc = r.at(items, i)
            m = r.mapping(item, loc, f"an item of {what}", optional=_ITEM_KEYS)
            if m is None:
                continue
            if "item" in m:
                found.append((m, "item"))
            answers = m.get("answer")
            if isinstance(answers, list):  # questions nested under an answer are questions too
                found += [(a, "item") for a in answers if isinstance(a, Mapping) and "item" in a]
            if "item" in m and "answer" not in m:
                continue
            out.append((m, loc))
        todo += reversed(found)
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
    if raw.get("code") is None:
        r.report(loc, f"the Coding of item '{fact.name}' in {what} has no 'code'; give one of {fact.allowed()}, "
                 f"or the {ABSENT_SYSTEM} coding for not known")
        return None
    return _checked(fact, raw.get("code"), r.at(raw, "code"), r, what)


def _checked(fact: Fact, value: Any, loc: Location, r: Reader, what: str) -> Value:
    if value is not None and fact.accepts(value):
        return value
    hint = did_you_mean(str(value), fact.values) if fact.type == "enum" else ""
    shown = f"'{value}'" if isinstance(value, str) else format_value(value)
    r.report(loc, f"item '{fact.name}' cannot be {shown}; allowed: {fact.allowed()}{hint} (in {what})")
    return None


@dataclass(frozen=True)
class Accepted:
    """The response is a valid answer to the pathway's Questionnaire: its case."""

    case: Case


@dataclass(frozen=True)
class Refused:
    """The response cannot be read as a case: every problem, located, sorted."""

    problems: tuple[Problem, ...]

    def message(self, limit: int = 20) -> str:
        """The problems one per line: the first ``limit``, then how many more."""
        lines = [str(p) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit} more problems")
        return "\n".join(lines)


@dataclass(frozen=True)
class NotOurs:
    """The response answers another Questionnaire (its ``questionnaire`` canonical): not this
    pathway's case. A caller that reads responses for many forms skips it; one that was handed
    this response as a case refuses it with :attr:`problem`."""

    questionnaire: str
    problem: Problem

    def message(self, limit: int = 20) -> str:
        """The reason, as :meth:`Refused.message` gives it."""
        return str(self.problem)


#: what :func:`read_response` finds
Verdict = Accepted | Refused | NotOurs


def read_response(data: Any, pathway: Pathway, *, source: str, loc: Location | None = None,
                  default_id: str | None = None, reader: Reader | None = None) -> Verdict:
    """Read one QuestionnaireResponse (a located tree or plain JSON data) as a case of ``pathway``.

    Args:
        data: the resource; anything that is not a QuestionnaireResponse is refused.
        pathway: the pathway whose Questionnaire the response must answer.
        source: the name problems are located in (a file name, ``questionnaireResponse``).
        loc: where the resource starts (default: ``source`` line 1).
        default_id: the case id when the response has no ``id`` (None: the case id is None).
        reader: a :class:`Reader` of the caller's located tree (its ``file`` names the problems).

    Returns:
        :class:`Accepted`, :class:`Refused` or :class:`NotOurs`.
    """
    r = reader if reader is not None else Reader(source)
    where = loc if loc is not None else Location(source, 1, 1)
    if not is_response(data):
        kind = format_value(data.get("resourceType")) if isinstance(data, Mapping) else "not an object"
        return Refused((Problem(where, f"not a FHIR QuestionnaireResponse (resourceType {kind})"),))
    other = _other_questionnaire(data, pathway)
    if other is not None:
        wanted = f"Questionnaire/{questionnaire_id(pathway)}"
        return NotOurs(other, Problem(r.at(data, "questionnaire"), f"the QuestionnaireResponse answers the "
                                      f"Questionnaire {format_value(other)}, not this pathway's ({wanted})"))
    start = len(r.problems)
    case = case_from_response(data, pathway, r, where, default_id)
    problems = r.problems[start:]
    if problems or case is None:
        return Refused(tuple(sorted(set(problems))))
    return Accepted(case)


def _other_questionnaire(data: Mapping[str, Any], pathway: Pathway) -> str | None:
    """The canonical of another Questionnaire the response answers, or None (ours, or no
    usable canonical: that is a problem of the response, not another form)."""
    value = data.get("questionnaire")
    if not isinstance(value, str) or not value:
        return None
    url = value.split("|", 1)[0]
    wanted = f"Questionnaire/{questionnaire_id(pathway)}"
    if url == wanted or url.endswith("/" + wanted):
        return None
    return value[:200]


class DuplicateKey(ValueError):
    """A JSON object gives one key twice (raised by :func:`unique_keys`)."""


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for :func:`json.loads` that refuses a key given twice, as the
    located reader of case files does: a response read as plain JSON (a batch line, a request
    body) gets the same verdict as the same text in a file.

    Raises:
        DuplicateKey: naming the key.
    """
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKey(f"key '{key[:100]}' appears twice in one object; keep one")
        out[key] = value
    return out
