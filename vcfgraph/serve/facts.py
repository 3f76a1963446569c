"""Where a hook request's facts come from, checked against the pathway's domains.

Two places, in this order:

1. ``context.extension["org.vcfgraph.facts"]``: a plain mapping of fact names to values, as in
   a JSON case file (documented in docs/serve.md);
2. the prefetched QuestionnaireResponse (``prefetch.questionnaireResponse``): item linkIds are
   fact names, answers the facts' own values, as ``vcfgraph export --to questionnaire`` defines
   them (read by :func:`vcfgraph.io.fhir.read_response`, the one reader of ``trace`` and
   ``batch`` too); a response to another Questionnaire is skipped.

With neither, every fact is unknown, and the response asks for them.

Then, beneath both, the prefetched ``patient`` (a FHIR Patient): ``age`` from ``birthDate`` at
the day of the request (a partial date gives an age only when every day it may stand for gives
the same one) and ``sex`` from ``gender`` (``unknown`` gives nothing). A fact the request gives
wins over one derived from the Patient; when they differ, :func:`request_facts` names the conflict.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, assert_never

from vcfgraph.errors import CaseError, Location
from vcfgraph.io.fhir import Accepted, NotOurs, Refused, read_response
from vcfgraph.model import Case, Pathway
from vcfgraph.validate import check_facts

__all__ = ["FACTS_EXTENSION", "PREFETCH_KEY", "PATIENT_KEY", "RequestFacts", "request_facts", "patient_facts",
           "facts_from_questionnaire_response"]

FACTS_EXTENSION = "org.vcfgraph.facts"
PREFETCH_KEY = "questionnaireResponse"
PATIENT_KEY = "patient"
_GENDER = {"male": "male", "female": "female", "other": "other"}
_BIRTH = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class RequestFacts:
    """The facts of one request, where each came from, and what disagreed."""

    facts: dict[str, Any]
    #: fact -> "request" (context extension or QuestionnaireResponse) or "Patient"
    origin: dict[str, str] = field(default_factory=dict)
    #: (fact, value given by the request, value derived from the Patient)
    conflicts: tuple[tuple[str, Any, Any], ...] = ()
    #: what was skipped, for the service log (never a patient value)
    notes: tuple[str, ...] = ()


def request_facts_from(pathway: Pathway, context: Mapping[str, Any], prefetch: Mapping[str, Any] | None,
                       today: dt.date) -> RequestFacts:
    """:func:`request_facts`, with the prefetched Patient beneath and the origin of each fact.

    Raises:
        CaseError: a fact or answer is not in the pathway's vocabulary or domain.
    """
    given = request_facts(pathway, context, prefetch)
    derived, notes = patient_facts(pathway, (prefetch or {}).get(PATIENT_KEY), today)
    facts = dict(given)
    origin = {k: "request" for k, v in given.items() if v is not None}
    conflicts = []
    for name, value in derived.items():
        if facts.get(name) is None:
            facts[name] = value
            origin[name] = "Patient"
        elif facts[name] != value:
            conflicts.append((name, facts[name], value))
    return RequestFacts(facts, origin, tuple(conflicts), tuple(notes))


def patient_facts(pathway: Pathway, patient: Any, today: dt.date) -> tuple[dict[str, Any], list[str]]:
    """``age`` and ``sex`` from a FHIR Patient, where the pathway has those facts and the values
    fit their domains; with notes on what could not be used."""
    if patient is None:
        return {}, []
    if isinstance(patient, Mapping) and patient.get("resourceType") == "Bundle":
        found = [e.get("resource") for e in patient.get("entry") or [] if isinstance(e, Mapping)]
        patient = next((r for r in found if isinstance(r, Mapping) and r.get("resourceType") == "Patient"), None)
        if patient is None:
            return {}, ["prefetch.patient holds no Patient: skipped"]
    if not isinstance(patient, Mapping) or patient.get("resourceType") != "Patient":
        return {}, ["prefetch.patient is not a FHIR Patient: skipped"]
    known = {f.name: f for f in pathway.facts}
    out: dict[str, Any] = {}
    notes: list[str] = []
    age_fact = known.get("age")
    if age_fact is not None and age_fact.type == "int" and "birthDate" in patient:
        age = age_on(patient["birthDate"], today)
        if age is None:
            notes.append("Patient.birthDate gives no single age: skipped")
        elif (age_fact.min is not None and age < age_fact.min) or (age_fact.max is not None and age > age_fact.max):
            notes.append("Patient.birthDate gives an age outside the fact's domain: skipped")
        else:
            out["age"] = age
    sex_fact = known.get("sex")
    gender = patient.get("gender")
    if sex_fact is not None and isinstance(gender, str) and _GENDER.get(gender) in sex_fact.values:
        out["sex"] = _GENDER[gender]
    return out, notes


def age_on(birth: Any, today: dt.date) -> int | None:
    """Whole years from a FHIR ``date`` (YYYY, YYYY-MM or YYYY-MM-DD) to ``today``; None when
    the date is not one, lies ahead, or its precision leaves the age open."""
    m = _BIRTH.match(birth) if isinstance(birth, str) else None
    if m is None:
        return None
    year = int(m.group(1))
    try:
        if m.group(3):
            first = last = dt.date(year, int(m.group(2)), int(m.group(3)))
        elif m.group(2):
            month = int(m.group(2))
            first, last = dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
        else:
            first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    except ValueError:
        return None
    if first > today:
        return None
    oldest, youngest = _years(first, today), _years(last, today)
    return oldest if oldest == youngest else None


def _years(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def request_facts(pathway: Pathway, context: Mapping[str, Any], prefetch: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The checked facts of one hook request (every fact present, unknown ones None).

    Raises:
        CaseError: a fact or answer is not in the pathway's vocabulary or domain.
    """
    extension = context.get("extension")
    if isinstance(extension, Mapping) and FACTS_EXTENSION in extension:
        given = extension[FACTS_EXTENSION]
        if not isinstance(given, Mapping):
            raise CaseError(f"context.extension['{FACTS_EXTENSION}'] must be an object of fact names to values")
        return check_facts(pathway, given, "request")
    resource = (prefetch or {}).get(PREFETCH_KEY)
    if resource is not None:
        return facts_from_questionnaire_response(pathway, resource)
    return check_facts(pathway, {}, "request")


def facts_from_questionnaire_response(pathway: Pathway, resource: Any) -> Mapping[str, Any]:
    """Facts from a QuestionnaireResponse (plain JSON data), read as a case file reads one
    (:mod:`vcfgraph.io.fhir`: linkIds are fact names, every problem named by its linkId); a
    response to another Questionnaire is skipped: every fact is then unknown."""
    case = case_from_questionnaire_response(pathway, resource)
    return dict(case.facts) if case is not None else check_facts(pathway, {}, "request")


def case_from_questionnaire_response(pathway: Pathway, resource: Any, default_id: str = "questionnaire-response") -> Case | None:
    """A QuestionnaireResponse as a case, through :func:`vcfgraph.io.fhir.read_response`, the
    reader of ``trace`` and ``batch``.

    Returns:
        The case, or None when the response answers another Questionnaire (not this pathway's:
        the caller skips it, or refuses it when it was sent as the case).

    Raises:
        CaseError: it is not a QuestionnaireResponse, or an answer is not a value of its fact
            (every problem, each naming the item's linkId).
    """
    verdict = read_response(resource, pathway, source="questionnaireResponse", loc=Location("questionnaireResponse"),
                            default_id=default_id)
    match verdict:
        case Accepted(case):
            return case
        case NotOurs():
            return None
        case Refused(problems):
            fact = _linked_fact(pathway, problems[0].message) if problems else None
            raise CaseError(verdict.message(), fact=fact)
        case _:
            assert_never(verdict)


def _linked_fact(pathway: Pathway, message: str) -> str | None:
    """The fact (item linkId) a problem message names, when it names one."""
    for fact in pathway.facts:
        if f"'{fact.name}'" in message:
            return fact.name
    return None
