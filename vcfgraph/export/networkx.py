"""A pathway as a networkx graph, for analysis in a notebook or another tool.

:func:`to_networkx` builds a :class:`networkx.MultiDiGraph`: one node per pathway node (questions,
variants, hand-offs and actions) and one edge per answer and per rating, keyed by the answer's
id, ``variant->action``, or ``variant/rule->action`` for a rating a variant's rule adds when it
holds (rules fire together: each rule's ratings are edges of their own, carrying the rule). Conditions are kept as their words, never as code. The checker's
own graphs are built in :mod:`vcfgraph.analysis.structure`; this module only exports.
"""

from __future__ import annotations

from typing import Any

from vcfgraph.conditions import describe
from vcfgraph.model import Pathway, rating_edge_id

__all__ = ["to_networkx"]


def to_networkx(pathway: Pathway) -> Any:
    """The pathway as a ``networkx.MultiDiGraph``.

    Node attributes: ``kind``, ``label``. Answer edges (key: the answer's id): ``kind="answer"``,
    ``label``, ``condition`` (its words, or ``otherwise``), ``confidence``. Rating edges (key:
    ``variant->action`` or ``variant/rule->action``): ``kind="rating"``, ``category``, ``score``,
    ``radiation``, ``confidence``, ``rule`` (the rule's id, ``""`` for the variant's own
    rating) and, for a rule's rating, ``rule_label`` and ``rule_condition`` (its words).
    Graph attributes: ``id``, ``title``, ``version``, ``entry``.

    Examples:
        >>> from vcfgraph import load_pathway
        >>> g = to_networkx(load_pathway())
        >>> g.graph["entry"], g.nodes[g.graph["entry"]]["kind"]
        ('q_high_energy_trauma', 'question')
    """
    import networkx as nx

    g = nx.MultiDiGraph(id=pathway.meta.id, title=pathway.meta.title, version=pathway.meta.version,
                        entry=pathway.entry)
    for node in pathway.nodes:
        g.add_node(node.id, kind=node.kind, label=node.label)
    for edge in pathway.edges:
        words = "otherwise" if edge.condition is None else describe(edge.condition)
        g.add_edge(edge.source, edge.target, key=edge.id, kind="answer", label=edge.label, condition=words,
                   confidence=edge.confidence)
    for variant in pathway.nodes:
        for rule, rating in variant.all_ratings():
            extra = {"rule_label": rule.label, "rule_condition": describe(rule.when)} if rule else {}
            g.add_edge(variant.id, rating.action, key=rating_edge_id(variant.id, rating.action, rule.id if rule else None),
                       kind="rating", category=rating.category, score=rating.score, radiation=rating.radiation,
                       confidence=rating.confidence, rule=rule.id if rule else "", **extra)
    return g
