"""The pathway as node-link JSON, written by ``networkx.readwrite.json_graph``.

``json_graph.node_link_graph(data, edges="edges")`` rebuilds the same MultiDiGraph
(:func:`vcfgraph.export.networkx.to_networkx`): nodes, edges, keys and attributes.
"""

from __future__ import annotations

import json
from typing import Any

from vcfgraph.export.networkx import to_networkx
from vcfgraph.model import Pathway

__all__ = ["node_link", "node_link_text", "EDGES_KEY"]

#: the name of the edge list in the JSON (networkx's own default from 3.6 on)
EDGES_KEY = "edges"


def node_link(pathway: Pathway) -> dict[str, Any]:
    """The node-link data of the pathway's graph."""
    from networkx.readwrite import json_graph

    return json_graph.node_link_data(to_networkx(pathway), edges=EDGES_KEY)


def node_link_text(pathway: Pathway) -> str:
    """The node-link data as JSON text: keys sorted, two-space indent, a final newline."""
    return json.dumps(node_link(pathway), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
