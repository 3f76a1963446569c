"""The route state of every diagram element: which nodes, edges and rating rows a route passes.

:func:`route_states` reads a :class:`~vcfgraph.route.Route` (no condition is evaluated) and
gives each element a state keyed by its stable id (:mod:`vcfgraph.render.ids`): ``base`` for
the pathway alone, else ``on`` / ``end`` / ``stop`` / ``off``. The DOT renderers
(:mod:`~vcfgraph.render.dot`, :mod:`~vcfgraph.render.route_view`) colour by these states and the
SVG overlay (:mod:`~vcfgraph.render.svg`) turns them into classes; how each state looks is the
style tables' (:mod:`~vcfgraph.render.style`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vcfgraph.model import Pathway, rating_edge_id
from vcfgraph.route import Route
from vcfgraph.render import ids
from vcfgraph.render.style import RULE_STATES

__all__ = ["RouteStates", "route_states", "BASE_STATES"]


@dataclass(frozen=True)
class RouteStates:
    """Route state of every element: ``base`` for the pathway alone, else on / end / stop / off.

    Nodes are keyed by node id, edges and rating rows by their DOM id (:func:`ids.edge_id`,
    :func:`ids.row_id`, :func:`ids.reenter_id`).

    ``rules`` maps a variant's rule (its row id, :func:`ids.rule_id`) to ``on`` (it holds),
    ``off`` (it does not) or ``stop`` (undecided: the route waits on a fact), and ``rule_words``
    the same rows to the words that say so; ``rows`` marks the rating rows a route shows ``on``
    and those of a rule that does not hold ``off``.

    ``categories`` maps a rated action to its category for the reached variant,
    ``contraindicated`` lists actions that are set apart for the patient, and ``cautions``
    the actions that keep their rating but carry a caution.
    """

    nodes: dict[str, str] = field(default_factory=dict)
    edges: dict[str, str] = field(default_factory=dict)
    rows: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    contraindicated: tuple[str, ...] = ()
    default: str = "base"
    cautions: tuple[str, ...] = ()
    rules: dict[str, str] = field(default_factory=dict)
    rule_words: dict[str, str] = field(default_factory=dict)

    def node(self, node_id: str) -> str:
        return self.nodes.get(node_id, self.default)

    def edge(self, edge_id: str) -> str:
        return self.edges.get(edge_id, self.default)


def route_states(pathway: Pathway, route: Route) -> RouteStates:
    """Which elements a route passes, read from the Route (no condition is evaluated).

    Args:
        pathway: the pathway the route was traced on.
        route: the route.

    Returns:
        States: questions answered ``on``, the terminal ``end``, the question a ``need_info``
        route stopped at ``stop``, the reached variant's rating rows and rated actions ``on``,
        its re-entry edges ``on``, its rules by their state (a variant whose rules wait is
        ``stop``); everything else ``off``.
    """
    nodes: dict[str, str] = {}
    for step in route.steps:
        nodes[step.node] = "on" if step.edge else "stop"
    if route.terminal:
        nodes[route.terminal] = "end"
    categories = {r.action: r.slot for r in route.ratings}
    contra = tuple(c.action for c in route.contraindicated)
    for action in list(categories) + list(contra):
        nodes[action] = "on"
    edges = {ids.edge_id(edge_id): "on" for edge_id in route.edges()}
    for d in route.downstream:
        if d.kind == "reenter" and d.target:
            edges[ids.reenter_id(d.id)] = "on"
    rows = {ids.row_id(row): "on" for row in route.rating_edges()}
    rules, words = {}, {}
    if route.rules:  # the variant reached, or the one whose rules wait on a fact
        variant = route.terminal or route.steps[-1].node
        for result in route.rules:
            dom = ids.rule_id(variant, result.rule)
            rules[dom], words[dom] = RULE_STATES[result.state]
            rule = pathway.node(variant).rule(result.rule)
            if result.state == "does_not_hold" and rule is not None:
                rows.update({ids.row_id(rating_edge_id(variant, r.action, rule.id)): "off" for r in rule.ratings})
    cautions = tuple(dict.fromkeys(c.action for c in route.cautions))
    return RouteStates(nodes, edges, rows, categories, contra, default="off", cautions=cautions, rules=rules,
                       rule_words=words)


#: the states of the pathway drawn alone: every element ``base``
BASE_STATES = RouteStates()
