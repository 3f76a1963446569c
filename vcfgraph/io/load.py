"""The entry points of reading: a pathway file into a :class:`~vcfgraph.model.Pathway`, a case
file into :class:`~vcfgraph.model.Case` objects.

Files are read by :mod:`vcfgraph.io.source` into located trees: YAML 1.2 (JSON is YAML 1.2), so
``yes``/``no``/``on``/``off`` stay text and every key keeps its line and column. Nothing is
ever constructed from a tag: unknown tags are errors. The pathway is built and checked by
:mod:`vcfgraph.io.pathway`, case files by :mod:`vcfgraph.io.cases`; this module only names the
bundled pathway and hands a file to the right reader.
"""

from __future__ import annotations

from pathlib import Path

from vcfgraph.io import bundled
from vcfgraph.io.cases import case_from_data, load_cases
from vcfgraph.io.pathway import build_pathway
from vcfgraph.io.source import read_tree
from vcfgraph.model import Pathway

__all__ = ["DEFAULT_GRAPH", "read_tree", "load_pathway", "load_cases", "case_from_data"]

#: the bundled VCF pathway
DEFAULT_GRAPH = bundled.pathway_file()


def load_pathway(path: str | Path | None = None, *, cache: bool = True) -> Pathway:
    """Read and check a pathway file (default: the bundled VCF pathway).

    The file's bytes are read once. Their located tree may come from the tree cache
    (:mod:`vcfgraph.io.cache`: signed JSON under a key made of those bytes), but the pathway
    is always checked and built from the tree anew, so a cache entry can never pass a broken
    file nor change an answer.

    Raises:
        PathwayError: every problem in the file, each with file:line:col.
        UsageError: the file cannot be read.
    """
    path = Path(path) if path is not None else DEFAULT_GRAPH
    return build_pathway(read_tree(path, cache=cache), str(path))
