"""Values for the batch heat maps: traffic through the pathway, and inappropriate care.

Plain data keyed by the diagram's stable ids (node ids, answer edge ids, rating-edge ids
``variant->action``, and ``variant/rule->action`` for a rating a rule adds: its rows are those
whose action that rule rated when it fired); :func:`vcfgraph.render.heatmap.heatmap_page` draws them.
"""

from __future__ import annotations

from vcfgraph.batch.audit import CLASSES, INAPPROPRIATE, rates
from vcfgraph.batch.run import Tally
from vcfgraph.model import Pathway, Rule, rating_edge_id

__all__ = ["traffic_values", "inappropriate_values"]

Values = dict[str, float]


def traffic_values(tally: Tally, pathway: Pathway) -> tuple[Values, Values]:
    """Rows that reached each question, variant and hand-off, and that took each answer; with an
    audit, also the rows whose recorded action was each rated action of their variant.

    Returns:
        (node values, edge values), every node and answer edge included (zero when unused).
    """
    nodes = {n.id: float(tally.nodes.get(n.id, 0)) for n in pathway.nodes if n.kind != "action"}
    edges = {e.id: float(tally.edges.get(e.id, 0)) for e in pathway.edges}
    if tally.taken:
        for variant in pathway.of_kind("variant"):
            for rule, rating in variant.all_ratings():
                edge_id = rating_edge_id(variant.id, rating.action, rule.id if rule else None)
                edges[edge_id] = float(sum(_taken(tally, variant.id, rule, rating.action, c) for c in CLASSES))
    return nodes, edges


def _taken(tally: Tally, variant: str, rule: Rule | None, action: str, cls: str) -> int:
    """Rows at ``variant`` that took ``action`` in class ``cls``; for a rule's rating, the rows
    for which that rule fired and so rated it."""
    if rule is not None:
        return tally.taken_rules.get((variant, rule.id, action, cls), 0)
    return tally.taken.get((variant, action, cls), 0)


def inappropriate_values(tally: Tally, pathway: Pathway) -> tuple[Values, Values]:
    """Per variant, the percentage of rows (with a recorded, known action) whose care was usually
    not appropriate or contraindicated; per rating edge, the percentage of the variant's rows that
    took that action inappropriately.

    Returns:
        (node values, edge values); variants without audited rows are left out (drawn faded).
    """
    nodes: Values = {}
    edges: Values = {}
    for variant in pathway.of_kind("variant"):
        counts = {c: tally.audit.get((variant.id, c), 0) for c in CLASSES}
        share = rates(counts)["inappropriate"]
        if share is None:
            continue
        nodes[variant.id] = round(100.0 * share, 1)
        recorded = sum(counts[c] for c in CLASSES[:5])
        for rule, rating in variant.all_ratings():
            edge_id = rating_edge_id(variant.id, rating.action, rule.id if rule else None)
            bad = sum(_taken(tally, variant.id, rule, rating.action, c) for c in INAPPROPRIATE)
            edges[edge_id] = round(100.0 * bad / recorded, 1)
    return nodes, edges
