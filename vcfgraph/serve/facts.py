"""Where a hook request's facts come from, checked against the pathway's domains.

Two places, in this order:

1. ``context.extension["org.vcfgraph.facts"]``: a plain mapping of fact names to values, as in
   a JSON case file (documented in docs/serve.md);
2. the prefetched QuestionnaireResponse (``prefetch.questionnaireResponse``): item linkIds are
   fact names, answers the facts' own values.

With neither, every fact is unknown, and the response asks for them.
"""

from __future__ import annotations

from typing import Any, Mapping

from vcfgraph.errors import CaseError
from vcfgraph.load import check_facts
from vcfgraph.model import Pathway

__all__ = ["FACTS_EXTENSION", "PREFETCH_KEY", "request_facts", "facts_from_questionnaire_response"]

FACTS_EXTENSION = "org.vcfgraph.facts"
PREFETCH_KEY = "questionnaireResponse"


def request_facts(pathway: Pathway, context: Mapping[str, Any], prefetch: Mapping[str, Any] | None) -> dict[str, Any]:
    """The checked facts of one hook request (every fact present, unknown ones None).

    Raises:
        CaseError: a fact or answer is not in the pathway's vocabulary or domain.
    """
    extension = context.get("extension")
    if isinstance(extension, Mapping) and FACTS_EXTENSION in extension:
        given = extension[FACTS_EXTENSION]
        if not isinstance(given, Mapping):
            raise CaseError(f"context.extension['{FACTS_EXTENSION}'] must be an object of fact names to values")
        return check_facts(given, pathway, "request")
    resource = (prefetch or {}).get(PREFETCH_KEY)
    if resource is not None:
        return facts_from_questionnaire_response(pathway, resource)
    return check_facts({}, pathway, "request")


def facts_from_questionnaire_response(pathway: Pathway, resource: Any) -> dict[str, Any]:
    """Facts from a QuestionnaireResponse (plain JSON data)."""
    try:
        from vcfgraph.fhir_case import facts_from_response  # the FHIR reader, when it is installed
    except ImportError:
        return check_facts(_qr_answers(pathway, resource), pathway, "questionnaireResponse")
    return facts_from_response(pathway, resource)


def _qr_answers(pathway: Pathway, resource: Any) -> dict[str, Any]:
    if not isinstance(resource, Mapping) or resource.get("resourceType") != "QuestionnaireResponse":
        raise CaseError("prefetch.questionnaireResponse must be a QuestionnaireResponse resource")
    out: dict[str, Any] = {}
    stack = [("item", resource.get("item") or [])]
    while stack:
        where, items = stack.pop()
        if not isinstance(items, list):
            raise CaseError(f"questionnaireResponse.{where} must be a list")
        for i, item in enumerate(items):
            at = f"{where}[{i}]"
            if not isinstance(item, Mapping) or not isinstance(item.get("linkId"), str):
                raise CaseError(f"questionnaireResponse.{at} needs a linkId")
            link = item["linkId"]
            if item.get("item"):
                stack.append((f"{at}.item", item["item"]))
            answers = item.get("answer") or []
            if not answers and not item.get("item"):
                if not pathway.has_fact(link):
                    raise CaseError(f"questionnaireResponse.{at}: linkId '{link}' is not a fact of this pathway", fact=link)
                out[link] = None
                continue
            if not answers:
                continue
            if not isinstance(answers, list) or len(answers) != 1 or not isinstance(answers[0], Mapping):
                raise CaseError(f"questionnaireResponse.{at}: linkId '{link}' needs exactly one answer", fact=link)
            out[link] = _answer_value(answers[0], link, at)
    return out


def _answer_value(answer: Mapping[str, Any], link: str, at: str) -> Any:
    for key in ("valueBoolean", "valueInteger"):
        if key in answer:
            return answer[key]
    if "valueCoding" in answer and isinstance(answer["valueCoding"], Mapping):
        code = answer["valueCoding"].get("code")
        return None if code in ("unknown", "asked-unknown") else code
    if "valueString" in answer:
        return answer["valueString"]
    raise CaseError(f"questionnaireResponse.{at}: the answer to '{link}' has no value this pathway reads", fact=link)
