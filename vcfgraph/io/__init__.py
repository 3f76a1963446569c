"""The reading layer: files to located trees, bounded and cached.

- :mod:`vcfgraph.read.tree`: the located tree (``Map``, ``Seq``) and its JSON form;
- :mod:`vcfgraph.read.yaml12`: YAML 1.2 text to a tree (libyaml when present), with limits;
- :mod:`vcfgraph.read.source`: a file's bytes, read once, decoded, then parsed or found cached;
- :mod:`vcfgraph.read.cache`: the signed, bounded tree cache.

Readers of pathways and cases (:mod:`vcfgraph.load`, :mod:`vcfgraph.schema`) call down into
this package; nothing here imports them.
"""

from vcfgraph.read.source import MAX_BYTES, read_tree

__all__ = ["MAX_BYTES", "read_tree"]
