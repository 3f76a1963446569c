"""Regions of the case space as unions of boxes, and how a condition splits them.

A case gives every fact a value of its domain or null (not known). Values that no condition can
tell apart are one class (:meth:`~vcfgraph.model.Fact.domain`), so the case space is finite:
the product of each fact's classes plus null. A **box** is a product of per-fact value sets;
a fact a box does not mention may take any value. A **region** is a list of disjoint boxes.

Splitting a box by a classifier (a function of the facts a question reads) enumerates only the
product of those few facts, restricted to the box, and regroups the points of each class into
boxes again; the product of all facts is never enumerated.

This module knows nothing of questions or routes: :mod:`vcfgraph.analysis.walk` uses it.
"""

from __future__ import annotations

from itertools import product
from typing import Callable, Hashable, Iterable, Mapping, Sequence, TypeVar

from vcfgraph.conditions import AllOf, Condition, Value, evaluate, facts_read
from vcfgraph.model import Fact

__all__ = [
    "Box",
    "Domains",
    "domains_of",
    "merge_facts",
    "split",
    "split_condition",
    "true_region",
    "intersect",
    "minimal_point",
    "minimal_case_facts",
    "known_count",
]

#: fact name -> the set of values it may take; facts not named are unconstrained
Box = Mapping[str, frozenset]
#: fact name -> every class representative of the fact, null (None) last
Domains = Mapping[str, tuple[Value, ...]]


def domains_of(facts: Iterable[Fact]) -> dict[str, tuple[Value, ...]]:
    """The classes of every fact: one representative per value class, then None.

    Args:
        facts: the facts of a pathway (or the merged facts of two).

    Returns:
        fact name -> representatives, in domain order, with None (not known) last.
    """
    return {f.name: tuple(f.domain()) + (None,) for f in facts}


def merge_facts(old: Sequence[Fact], new: Sequence[Fact]) -> list[Fact]:
    """Facts over which two pathways can be compared: every fact of either, with int cut
    points united so that each class behaves alike in both, and enum values and int ranges
    that both accept.

    Args:
        old: the facts of one pathway.
        new: the facts of the other.

    Returns:
        One fact per name, names in the order they first appear (old first).
    """
    from dataclasses import replace

    by_name = {f.name: f for f in old}
    out: list[Fact] = []
    for f in new:
        g = by_name.pop(f.name, None)
        if g is None or g.type != f.type:
            out.append(f)
        elif f.type == "enum":
            out.append(replace(f, values=tuple(v for v in f.values if v in g.values) or f.values))
        elif f.type == "int":
            low, high = max(f.min or 0, g.min or 0), min(f.max or 0, g.max or 0)
            cuts = tuple(sorted(set(f.cuts) | set(g.cuts)))
            out.append(replace(f, min=low, max=high, cuts=cuts) if low <= high else replace(f, cuts=cuts))
        else:
            out.append(f)
    return [f for f in old if f.name in by_name] + out


def _values(box: Box, name: str, domains: Domains) -> tuple[Value, ...]:
    allowed = box.get(name)
    full = domains[name]
    return full if allowed is None else tuple(v for v in full if v in allowed)


def _to_boxes(points: list[tuple[Value, ...]], width: int) -> list[tuple[frozenset, ...]]:
    """Cover a set of points exactly by disjoint product boxes (factoring on the first axis)."""
    if width == 1:
        return [(frozenset(p[0] for p in points),)]
    rests: dict[Value, set[tuple[Value, ...]]] = {}
    order: list[Value] = []
    for p in points:
        if p[0] not in rests:
            rests[p[0]] = set()
            order.append(p[0])
        rests[p[0]].add(p[1:])
    groups: dict[frozenset, list[Value]] = {}
    for value in order:
        groups.setdefault(frozenset(rests[value]), []).append(value)
    out: list[tuple[frozenset, ...]] = []
    for rest, heads in groups.items():
        ordered = sorted(rest, key=_sort_key)
        for sub in _to_boxes(ordered, width - 1):
            out.append((frozenset(heads),) + sub)
    return out


def _sort_key(point: tuple[Value, ...]) -> tuple:
    return tuple((v is None, type(v).__name__, v if v is not None else 0) for v in point)


def _with(box: Box, names: Sequence[str], sets: Sequence[frozenset], domains: Domains) -> dict[str, frozenset]:
    out = dict(box)
    for name, values in zip(names, sets):
        if len(values) == len(domains[name]):
            out.pop(name, None)
        else:
            out[name] = values
    return out


K = TypeVar("K", bound=Hashable)


def split(
    box: Box, names: Sequence[str], classify: Callable[[tuple[Value, ...]], K], domains: Domains
) -> dict[K, list[dict[str, frozenset]]]:
    """Split ``box`` by a classifier of the facts ``names``.

    Args:
        box: the region to split.
        names: the facts the classifier reads.
        classify: maps a tuple of values (one per name) to a class key.
        domains: the classes of every fact.

    Returns:
        class key -> disjoint boxes covering exactly the points of ``box`` in that class, keys in
        the order they were first met.
    """
    if not names:
        return {classify(()): [dict(box)]}
    points: dict[K, list[tuple[Value, ...]]] = {}
    for combo in product(*(_values(box, n, domains) for n in names)):
        points.setdefault(classify(combo), []).append(combo)
    return {key: [_with(box, names, sets, domains) for sets in _to_boxes(pts, len(names))] for key, pts in points.items()}


def split_condition(
    boxes: Iterable[Box], cond: Condition, domains: Domains
) -> dict[bool | None, list[dict[str, frozenset]]]:
    """Split a region by a condition's three-valued result.

    Returns:
        True / False / None (undecided) -> the boxes where the condition comes out so.
    """
    names = facts_read(cond)
    memo: dict[tuple[Value, ...], bool | None] = {}

    def classify(combo: tuple[Value, ...]) -> bool | None:
        if combo not in memo:
            memo[combo] = evaluate(cond, dict(zip(names, combo)))
        return memo[combo]

    out: dict[bool | None, list[dict[str, frozenset]]] = {}
    for box in boxes:
        for key, parts in split(box, names, classify, domains).items():
            out.setdefault(key, []).extend(parts)
    return out


def true_region(boxes: Iterable[Box], cond: Condition, domains: Domains) -> list[dict[str, frozenset]]:
    """The boxes of a region where a condition is True.

    An ``and`` is applied one item at a time, so a long conjunction costs the sum of its items'
    facts, not their product; other conditions are split on all the facts they read.
    """
    if isinstance(cond, AllOf):
        region = [dict(b) for b in boxes]
        for item in cond.items:
            region = true_region(region, item, domains)
            if not region:
                break
        return region
    return split_condition(boxes, cond, domains).get(True, [])


def intersect(a: Box, b: Box) -> dict[str, frozenset] | None:
    """The box of the points in both, or None when they share none."""
    out = dict(a)
    for name, values in b.items():
        both = values if name not in out else out[name] & values
        if not both:
            return None
        out[name] = both
    return out


def known_count(box: Box) -> int:
    """How many facts must be known in the box's minimal point (those that cannot be null)."""
    return sum(1 for values in box.values() if None not in values)


def minimal_point(box: Box, domains: Domains) -> dict[str, Value]:
    """The point of the box with the fewest known facts: null wherever null is allowed, else
    the first class in domain order. Facts the box does not mention are null (left out).

    Returns:
        fact name -> value, only for the facts that must be known.
    """
    known = {name: values for name, values in box.items() if None not in values}
    out: dict[str, Value] = {}
    for name in domains:
        if name in known:
            values = known[name]
            out[name] = next(v for v in domains[name] if v in values)
    return out


def minimal_case_facts(boxes: Iterable[Box], domains: Domains) -> tuple[dict[str, Value], int] | None:
    """The minimal point over a region: fewest known facts, the first box winning ties.

    Returns:
        (facts, index of the box it came from), or None for an empty region.
    """
    best: tuple[int, int] | None = None
    chosen: Box | None = None
    for i, box in enumerate(boxes):
        key = (known_count(box), i)
        if best is None or key < best:
            best, chosen = key, box
    if chosen is None or best is None:
        return None
    return minimal_point(chosen, domains), best[1]
