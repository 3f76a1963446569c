"""Every file format <-> the model: the only package that reads pathway and case files.

From bytes to located trees (bounded and cached):

- :mod:`vcfgraph.io.tree`: the located tree (``Map``, ``Seq``) and its JSON form;
- :mod:`vcfgraph.io.yaml12`: YAML 1.2 text to a tree (libyaml when present), with limits;
- :mod:`vcfgraph.io.source`: a file's bytes, read once, decoded, then parsed or found cached;
- :mod:`vcfgraph.io.cache`: the signed, bounded tree cache;
- :mod:`vcfgraph.io.hints`: what a YAML mistake most likely was;
- :mod:`vcfgraph.io.collector`: the garbage collector paused while large acyclic data is built.

From located trees to the model, every problem at file:line:col:

- :mod:`vcfgraph.io.located`: the located reader the builders below report through;
- :mod:`vcfgraph.io.spec`: the pathway file's sections and keys (the JSON Schema and ``fmt`` follow it);
- :mod:`vcfgraph.io.pathway` with :mod:`~vcfgraph.io.nodes`, :mod:`~vcfgraph.io.scale`,
  :mod:`~vcfgraph.io.definitions` and :mod:`~vcfgraph.io.conditions` (the condition parser):
  a pathway file to a checked :class:`~vcfgraph.model.Pathway`;
- :mod:`vcfgraph.io.cases` and :mod:`vcfgraph.io.fhir`: case files and FHIR QuestionnaireResponses
  to :class:`~vcfgraph.model.Case` objects;
- :mod:`vcfgraph.io.load`: the entry points (``load_pathway``, ``load_cases``);
- :mod:`vcfgraph.io.bundled`: the pathway and case library that ship with the package;
- :mod:`vcfgraph.io.fmt`: the formatter (text to text); :mod:`vcfgraph.io.jsonschema`: the JSON
  Schemas of the input files.

The tree modules never import the readers built on them; nothing here draws, serves or prints.
"""

from vcfgraph.io.source import MAX_BYTES, read_tree

__all__ = ["MAX_BYTES", "read_tree"]
