"""Where a hook request's facts come from, checked against the pathway's domains.

Two places, in this order:

1. ``context.extension["org.vcfgraph.facts"]``: a plain mapping of fact names to values, as in
   a JSON case file (documented in docs/serve.md);
2. the prefetched QuestionnaireResponse (``prefetch.questionnaireResponse``): item linkIds are
   fact names, answers the facts' own values, as ``vcfgraph export --to questionnaire`` defines
   them (read by :mod:`vcfgraph.io.fhir`, the same reader as QuestionnaireResponse case files).

With neither, every fact is unknown, and the response asks for them.
"""

from __future__ import annotations

from typing import Any, Mapping

from vcfgraph.errors import CaseError, Location
from vcfgraph.io.fhir import case_from_response, is_response
from vcfgraph.io.located import Reader
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
    (:mod:`vcfgraph.io.fhir`: linkIds are fact names, every problem named by its linkId)."""
    return case_from_questionnaire_response(pathway, resource).facts


def case_from_questionnaire_response(pathway: Pathway, resource: Any, default_id: str = "questionnaire-response") -> Case:
    """A QuestionnaireResponse as a case.

    Raises:
        CaseError: it is not a QuestionnaireResponse of this pathway's Questionnaire, or an
            answer is not a value of its fact (every problem, each naming the item's linkId).
    """
    if not is_response(resource):
        raise CaseError("the questionnaireResponse is not a FHIR QuestionnaireResponse resource")
    r = Reader("questionnaireResponse")
    case = case_from_response(resource, pathway, r, Location("questionnaireResponse"), default_id)
    if r.problems or case is None:
        problems = sorted(set(r.problems))
        fact = _linked_fact(pathway, problems[0].message) if problems else None
        raise CaseError("\n".join(str(p) for p in problems[:20]), fact=fact)
    return case


def _linked_fact(pathway: Pathway, message: str) -> str | None:
    """The fact (item linkId) a problem message names, when it names one."""
    for fact in pathway.facts:
        if f"'{fact.name}'" in message:
            return fact.name
    return None
