"""Exports that let the pathway leave vcfgraph: FHIR R4 resources, Mermaid and node-link JSON.

- :mod:`~vcfgraph.export.questionnaire`: the facts as a Questionnaire (one item per fact);
- :mod:`~vcfgraph.export.plandefinition`: the logic as a CPG-style PlanDefinition, and the
  patient-level checks as a second one;
- :mod:`~vcfgraph.export.bundle`: all of them in one collection Bundle;
- :mod:`~vcfgraph.export.response`: a case as a QuestionnaireResponse (read back by
  :mod:`vcfgraph.io.fhir`);
- :mod:`~vcfgraph.export.fhirpath` and :mod:`~vcfgraph.export.reach`: condition data as FHIRPath;
- :mod:`~vcfgraph.export.mermaid` and :mod:`~vcfgraph.export.nodelink`: a flowchart and
  networkx node-link JSON.

Every function takes the plain model and returns JSON-ready dicts or text; nothing here reads
or writes files (:mod:`vcfgraph.cli.export` does), and nothing imports ``fhir.resources`` or
``fhirpathpy``: they are the tests' independent checkers. See docs/fhir.md for the mapping.
"""
