"""Exports that let the pathway leave vcfgraph: FHIR R4 resources, Mermaid, node-link JSON and SQL.

- :mod:`~vcfgraph.export.questionnaire`: the facts as a Questionnaire (one item per fact);
- :mod:`~vcfgraph.export.plandefinition`: the logic as a CPG-style PlanDefinition, and the
  patient-level checks as a second one;
- :mod:`~vcfgraph.export.bundle`: all of them in one collection Bundle;
- :mod:`~vcfgraph.export.response`: a case as a QuestionnaireResponse (read back by
  :mod:`vcfgraph.io.fhir`);
- :mod:`~vcfgraph.export.fhirpath` and :mod:`~vcfgraph.export.reach`: condition data as FHIRPath;
- :mod:`~vcfgraph.export.mermaid` and :mod:`~vcfgraph.export.nodelink`: a flowchart and
  networkx node-link JSON.
- :mod:`~vcfgraph.export.sql`: the pathway as one SQL query over a table of cases (DuckDB,
  PostgreSQL), with :mod:`~vcfgraph.export.sqltext` (quoting, conditions, cells) and
  :mod:`~vcfgraph.export.sqlneed` (the facts a need_info row asks for, as a lookup table).

Every function takes the plain model and returns JSON-ready dicts or text; nothing here reads
or writes files (:mod:`vcfgraph.cli.export` does), and nothing imports ``fhir.resources`` or
``fhirpathpy``: they are the tests' independent checkers. See docs/fhir.md for the mapping.
"""
