"""The reading layer: files to located trees, bounded and cached.

- :mod:`vcfgraph.io.tree`: the located tree (``Map``, ``Seq``) and its JSON form;
- :mod:`vcfgraph.io.yaml12`: YAML 1.2 text to a tree (libyaml when present), with limits;
- :mod:`vcfgraph.io.source`: a file's bytes, read once, decoded, then parsed or found cached;
- :mod:`vcfgraph.io.cache`: the signed, bounded tree cache.

Readers of pathways and cases (:mod:`vcfgraph.io.load`, :mod:`vcfgraph.io.pathway`) call down into
this package; nothing here imports them.
"""

from vcfgraph.io.source import MAX_BYTES, read_tree

__all__ = ["MAX_BYTES", "read_tree"]
