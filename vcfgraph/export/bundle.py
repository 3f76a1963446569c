"""The Questionnaire, the PlanDefinition and the patient-level checks in one FHIR collection Bundle."""

from __future__ import annotations

from typing import Any

from vcfgraph.export.common import canonical, fhir_id
from vcfgraph.export.plandefinition import checks_plandefinition, plandefinition
from vcfgraph.export.questionnaire import questionnaire
from vcfgraph.model import Pathway

__all__ = ["bundle"]


def bundle(pathway: Pathway, base: str) -> dict[str, Any]:
    """A ``collection`` Bundle: the Questionnaire, the PlanDefinition and, when the pathway has
    patient-level checks, their PlanDefinition; each entry's ``fullUrl`` is its canonical url.

    No ``timestamp``: two exports of one pathway are byte-identical.
    """
    resources = [questionnaire(pathway, base), plandefinition(pathway, base)]
    checks = checks_plandefinition(pathway, base)
    if checks is not None:
        resources.append(checks)
    return {
        "resourceType": "Bundle",
        "id": fhir_id(pathway.meta.id + "-bundle"),
        "identifier": {"system": canonical(base, "Bundle", pathway).rsplit("/", 1)[0], "value": fhir_id(pathway.meta.id)},
        "type": "collection",
        "entry": [{"fullUrl": r["url"], "resource": r} for r in resources],
    }
