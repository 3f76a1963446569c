"""The whole case space of a pathway, enumerated by regions, for agreement tests.

Every path of the symbolic walk (:func:`vcfgraph.analysis.walk.explore`) ends in disjoint boxes:
products of value sets, one per fact a path reads. Inside one box every case takes the same
path and meets the same answers. A variant's boxes are split further by the three-valued result
of every patient-level check that applies there, so inside a box every check is in one state
too. Each box therefore stands for one region of identical behaviour, and together they cover
every case. :func:`region_points` draws from each box its minimal case (every fact the box does
not constrain is null) and random cases inside it (constrained facts from the box's own values,
with int classes widened back to the integers they stand for; the others anything at all).
"""

from __future__ import annotations

import random
from typing import Any, Iterator

from vcfgraph.analysis.regions import Box, minimal_point, split_condition
from vcfgraph.analysis.walk import explore
from vcfgraph.model import Fact, Pathway

__all__ = ["regions", "region_points", "any_value"]

Facts = dict[str, Any]


def regions(pathway: Pathway, contributions: bool = False) -> Iterator[tuple[str, str, Box]]:
    """(outcome, node, box) for every region of the case space, in walk order. ``contributions``:
    split a variant's boxes by its rules and its ratings' modifiers too (each three-valued)."""
    ex = explore(pathway)
    for leaf in ex.leaves:
        if leaf.outcome != "variant":
            for box in leaf.boxes:
                yield leaf.outcome, leaf.node, box
            continue
        node = pathway.node(leaf.node)
        checks = [c for c in pathway.checks if any(c.applies(node.id, r.action) for _rule, r in node.all_ratings())]
        boxes: list[Box] = list(leaf.boxes)
        conds = [c.requires for c in checks]
        if contributions:
            conds += [r.when for r in node.rules] + [m.when for _r, g in node.all_ratings() for m in g.modifiers]
        for cond in conds:
            parts = split_condition(boxes, cond, ex.domains)
            boxes = [b for key in (True, False, None) for b in parts.get(key, [])]
        for box in boxes:
            yield leaf.outcome, leaf.node, box


def _widen(fact: Fact, rep: Any, rng: random.Random) -> Any:
    """A value of the class ``rep`` stands for: an int class is an interval of integers."""
    if rep is None or fact.type != "int":
        return rep
    for low, high in fact.intervals():
        if low == rep:
            return rng.randint(low, high)
    return rep


def any_value(fact: Fact, rng: random.Random) -> Any:
    """Any value of the fact's domain, or null a quarter of the time."""
    if rng.random() < 0.25:
        return None
    if fact.type == "int":
        assert fact.min is not None and fact.max is not None
        return rng.randint(fact.min, fact.max)
    return rng.choice(list(fact.domain()))


def region_points(pathway: Pathway, draws: int = 2, seed: int = 20260601, contributions: bool = False) -> list[Facts]:
    """Per region: its minimal case, then ``draws`` random cases inside it (``contributions``: see
    :func:`regions`)."""
    rng = random.Random(seed)
    domains = {f.name: tuple(f.domain()) + (None,) for f in pathway.facts}
    points: list[Facts] = []
    for _outcome, _node, box in regions(pathway, contributions):
        points.append({f.name: None for f in pathway.facts} | minimal_point(box, domains))
        for _ in range(draws):
            point = {}
            for fact in pathway.facts:
                if fact.name in box:
                    values = sorted(box[fact.name], key=lambda v: (v is None, str(v)))
                    point[fact.name] = _widen(fact, rng.choice(values), rng)
                else:
                    point[fact.name] = any_value(fact, rng)
            points.append(point)
    return points
