"""A case as a FHIR R4 QuestionnaireResponse to the pathway's Questionnaire (``ask --fhir``).

The inverse of :func:`vcfgraph.io.fhir.case_from_response`: one item per known fact, in the
pathway's fact order; a fact in ``asked_unknown`` gets an answer without a value carrying the
``data-absent-reason`` extension (``asked-unknown``); any other unknown fact is left out.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from vcfgraph.conditions import Value
from vcfgraph.export import fhirpath
from vcfgraph.export.common import canonical, fhir_id
from vcfgraph.export.questionnaire import ABSENT_REASON
from vcfgraph.model import Pathway

__all__ = ["response"]


def response(pathway: Pathway, case_id: str, facts: Mapping[str, Value], base: str,
             asked_unknown: Iterable[str] = (), status: str = "completed") -> dict[str, Any]:
    """The QuestionnaireResponse (a JSON-ready dict) answering with ``facts``.

    Args:
        pathway: the pathway whose Questionnaire is answered.
        case_id: the response's id (made a FHIR id).
        facts: fact name -> value (None: not known).
        base: the canonical base url of the Questionnaire.
        asked_unknown: facts that were asked and answered "not known".
        status: the response's status (``in-progress`` when the walk still needs facts).
    """
    marked = set(asked_unknown)
    items = []
    for fact in pathway.facts:
        value = facts.get(fact.name)
        if value is None:
            if fact.name in marked:
                items.append({"linkId": fact.name, "answer": [{"extension": [
                    {"url": ABSENT_REASON, "valueCode": "asked-unknown"}]}]})
            continue
        if fact.type == "bool":
            answer: dict[str, Any] = {"valueBoolean": value}
        elif fact.type == "int":
            answer = {"valueInteger": value}
        else:
            answer = {"valueCoding": {"system": fhirpath.code_system(base, pathway, fact), "code": value}}
        items.append({"linkId": fact.name, "answer": [answer]})
    out: dict[str, Any] = {"resourceType": "QuestionnaireResponse", "id": fhir_id(case_id),
                           "questionnaire": canonical(base, "Questionnaire", pathway), "status": status}
    if items:
        out["item"] = items
    return out
