"""The pathway as a networkx graph: every node with its attributes, every answer, rating and re-entry as an edge.

A :class:`networkx.MultiDiGraph` (two answers of one question may lead to the same node): edge
keys are the answer ids (``question->target``), the rating ids (``variant->action``) and, for a
downstream step that re-enters the graph, ``variant->step``. Attributes are plain JSON values
(text, numbers, booleans, lists, None), so ``networkx.readwrite.json_graph`` writes and reads
them back unchanged. Nothing here draws or evaluates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vcfgraph.conditions import describe
from vcfgraph.model import Node, Pathway

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["to_networkx", "node_attributes"]


def node_attributes(node: Node) -> dict[str, Any]:
    """The attributes of one node: its kind and label, and what its kind has."""
    out: dict[str, Any] = {"kind": node.kind, "label": node.label}
    if node.text:
        out["text"] = node.text
    if node.sources:
        out["sources"] = list(node.sources)
    if node.kind == "variant":
        out["number"] = node.number
        out["stage"] = node.stage
    elif node.kind == "action":
        out["modality"] = node.modality
        out["radiation"] = node.radiation
    elif node.kind == "handoff":
        out["urgency"] = node.urgency
        out["topic"] = node.topic
    return out


def to_networkx(pathway: Pathway) -> "nx.MultiDiGraph":
    """Build the graph of ``pathway``.

    Returns:
        A MultiDiGraph whose graph attributes are the pathway id, title and entry; nodes in file
        order; edges of kind ``answer`` (label, condition in words, ``otherwise``), ``rating``
        (category, score, radiation, confidence, sources) and ``reenter`` (label).

    Examples:
        >>> g = to_networkx(pathway)                     # doctest: +SKIP
        >>> g.nodes["q_age"]["kind"]                     # doctest: +SKIP
        'question'
    """
    import networkx as nx

    graph = nx.MultiDiGraph(id=pathway.meta.id, title=pathway.meta.title, entry=pathway.entry)
    for node in pathway.nodes:
        graph.add_node(node.id, **node_attributes(node))
    for edge in pathway.edges:
        graph.add_edge(edge.source, edge.target, key=edge.id, kind="answer", label=edge.label,
                       condition=describe(edge.condition) if edge.condition is not None else None,
                       otherwise=edge.condition is None)
    for key, variant, rating in pathway.rating_edges():
        graph.add_edge(variant.id, rating.action, key=key, kind="rating", category=rating.category,
                       score=rating.score, radiation=rating.radiation, confidence=rating.confidence,
                       sources=list(rating.sources))
    for node in pathway.nodes:
        for step in node.downstream:
            if step.target:
                graph.add_edge(node.id, step.target, key=f"{node.id}->{step.id}", kind="reenter", label=step.label)
    return graph
