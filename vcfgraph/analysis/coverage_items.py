"""Rules and rating modifiers as coverage items: which a route covers, and a case that would.

A variant's rule is covered by a case that fires it (``variant/rule``); a rating's modifier by a
case that reaches the rating with the modifier holding (``variant->action modifier N``, or
``variant/rule->action modifier N`` on a rule's rating, as the check findings name it). Counting
and reporting are :mod:`vcfgraph.analysis.coverage`'s.
"""

from __future__ import annotations

from typing import Mapping

from vcfgraph import conditions as cm
from vcfgraph.analysis.checks import condition_regions
from vcfgraph.analysis.regions import minimal_case_facts
from vcfgraph.analysis.walk import Exploration
from vcfgraph.conditions import Value
from vcfgraph.model import Pathway
from vcfgraph.route import Route

__all__ = ["Where", "modifier_items", "fired_rules", "holding_modifiers", "modifier_witness"]

#: a modifier's key -> (variant, rule id or "", action, modifier number)
Where = tuple[str, str, str, int]


def modifier_items(pathway: Pathway) -> dict[str, Where]:
    """Every rating modifier, keyed as the check findings name it, in file order."""
    out: dict[str, Where] = {}
    for rid, node, rating in pathway.rating_edges():
        rule = rid[len(node.id) + 1:].partition("->")[0] if rid.startswith(f"{node.id}/") else ""
        for i, _m in enumerate(rating.modifiers, 1):
            out[f"{rid} modifier {i}"] = (node.id, rule, rating.action, i)
    return out


def fired_rules(route: Route) -> list[str]:
    """``variant/rule`` for every rule the route's variant fires."""
    return [f"{route.terminal}/{rule}" for rule in route.fired()] if route.outcome == "variant" else []


def holding_modifiers(pathway: Pathway, route: Route, facts: Mapping[str, Value], modifiers: Mapping[str, Where]) -> list[str]:
    """The modifiers that hold for the route's case on the ratings its variant gives."""
    if route.outcome != "variant" or not modifiers:
        return []
    fired = set(route.fired())
    out = []
    for key, (variant, rule, action, i) in modifiers.items():
        if variant != route.terminal or (rule and rule not in fired):
            continue
        node = pathway.node(variant)
        rating = next(r for g, r in node.all_ratings() if (g.id if g else "") == rule and r.action == action)
        if cm.evaluate(rating.modifiers[i - 1].when, facts) is True:
            out.append(key)
    return out


def modifier_witness(ex: Exploration, where: Where) -> tuple[dict[str, Value], tuple[str, ...]] | None:
    """A minimal case that reaches the modifier's rating with the modifier holding, or None."""
    variant, rule, action, i = where
    node = ex.pathway.node(variant)
    rating = next(r for g, r in node.all_ratings() if (g.id if g else "") == rule and r.action == action)
    leaves = [leaf for leaf in ex.leaves if leaf.outcome == "variant" and leaf.node == variant
              and (not rule or rule in leaf.rules)]
    regions, owners = condition_regions(leaves, rating.modifiers[i - 1].when, ex)
    found = minimal_case_facts(regions.get(True, []), ex.domains)
    return (found[0], owners[True][found[1]]) if found is not None else None
