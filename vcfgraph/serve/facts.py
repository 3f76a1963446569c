"""Where a hook request's facts come from, checked against the pathway's domains.

Two places, in this order:

1. ``context.extension["org.vcfgraph.facts"]``: a plain mapping of fact names to values, as in
   a JSON case file (documented in docs/serve.md);
2. the prefetched QuestionnaireResponse (``prefetch.questionnaireResponse``): item linkIds are
   fact names, answers the facts' own values, as ``vcfgraph export --to questionnaire`` defines
   them (read by :func:`vcfgraph.io.fhir.read_response`, the one reader of ``trace`` and
   ``batch`` too); a response to another Questionnaire is skipped.

With neither, every fact is unknown, and the response asks for them.
"""

from __future__ import annotations

from typing import Any, Mapping, assert_never

from vcfgraph.errors import CaseError, Location
from vcfgraph.io.fhir import Accepted, NotOurs, Refused, read_response
from vcfgraph.model import Case, Pathway
from vcfgraph.validate import check_facts

__all__ = ["FACTS_EXTENSION", "PREFETCH_KEY", "request_facts", "facts_from_questionnaire_response"]

FACTS_EXTENSION = "org.vcfgraph.facts"
PREFETCH_KEY = "questionnaireResponse"


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
