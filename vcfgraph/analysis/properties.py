"""Safety properties: proven over the whole case space, or refuted with a minimal counterexample.

A property (:class:`~vcfgraph.model.Property`) says: every case for which ``given`` holds (is
True; an undecided ``given`` does not count) must

- ``reaches``: end at one of the targets (a case that stops with need_info, or that the engine
  rejects, has not reached it);
- ``never_reaches``: not end at any target;
- ``recommends``: end at a variant rating every target usually or may be appropriate, and not
  set apart for the case;
- ``never_recommends``: not be offered any target as usually or may be appropriate;
- ``sets_apart``: have every target the reached variant offers (usually or may be appropriate)
  set apart for the patient (one rated usually not appropriate is not offered either way);
- ``never_discourages``: not end at a variant that rates any target (an action) in the
  usually-not-appropriate role (a rating-category property);
- ``asks_first``: when the case stops with need_info, ask first for one of the targets (facts):
  a first-question property, decided by the engine's own ordering of the missing facts.

At a variant with rules, the ratings are the variant's own and those of the rules that fire for
the case (each leaf of the walk knows which fire); a case whose rules are undecided stops with
need_info at the variant. Patient-level checks apply as in the engine: an action whose ``set_apart`` check fails is not
offered; a check that cannot be settled (a fact unknown) leaves it offered, with a caution.
The check runs over the leaves of the symbolic walk, so it covers every case at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from vcfgraph.analysis.regions import Box, Domains, minimal_case_facts, split, split_condition, true_region
from vcfgraph.analysis.walk import Exploration, Leaf, question_facts, rated_by
from vcfgraph.conditions import Value
from vcfgraph.engine import finish, needed_at
from vcfgraph.model import Case, Pathway, Property
from vcfgraph.scale import OFFERED_SLOTS

__all__ = ["PropertyResult", "check_property", "offered_regions"]


@dataclass(frozen=True)
class PropertyResult:
    """How a property came out.

    Attributes:
        property: the property checked.
        status: ``proven``, ``violated`` or ``vacuous`` (no case meets ``given``).
        counterexample: a minimal violating case (known facts only), for ``violated``.
        path: the answers the counterexample takes.
        outcome: what happens to the counterexample: ``variant X``, ``handoff X``,
            ``need_info at Q``, ``gap at Q`` ...
        reason: why the counterexample violates the property.
        violating_paths: how many paths of the walk have violating cases.
    """

    property: Property
    status: str
    counterexample: Mapping[str, Value] | None = None
    path: tuple[str, ...] = ()
    outcome: str = ""
    reason: str = ""
    violating_paths: int = 0

    def to_dict(self) -> dict[str, Any]:
        p = self.property
        return {
            "id": p.id, "text": p.text, "expect": p.expect, "targets": list(p.targets), "status": self.status,
            "counterexample": dict(self.counterexample) if self.counterexample is not None else None,
            "path": list(self.path), "outcome": self.outcome or None, "reason": self.reason or None,
            "violating_paths": self.violating_paths,
        }


def offered_regions(pathway: Pathway, variant: str, action: str, boxes: Sequence[Box], domains: Domains
                    ) -> tuple[list[Box], list[Box]]:
    """Split a region at a variant by whether ``action`` is set apart by a failed check.

    Returns:
        (boxes where it stays offered, boxes where a ``set_apart`` check fails).
    """
    free: list[Box] = list(boxes)
    blocked: list[Box] = []
    for check in pathway.checks_for(variant, action):
        if check.on_fail != "set_apart" or not free:
            continue
        parts = split_condition(free, check.requires, domains)
        blocked += parts.get(False, [])
        free = [*parts.get(True, []), *parts.get(None, [])]
    return free, blocked


def _violations(ex: Exploration, prop: Property, leaf: Leaf, boxes: Sequence[Box]) -> list[tuple[Box, str]]:
    """The boxes of one leaf (already meeting ``given``) that violate the property, with why."""
    pathway, targets = ex.pathway, prop.targets
    ended = leaf.outcome in ("variant", "handoff")
    if prop.expect == "reaches":
        ok = ended and leaf.node in targets
        return [] if ok else [(b, f"does not reach {' or '.join(targets)}") for b in boxes]
    if prop.expect == "never_reaches":
        return [(b, f"reaches {leaf.node}") for b in boxes] if ended and leaf.node in targets else []
    if prop.expect == "asks_first":
        return _first_questions(ex, prop, leaf, boxes)
    if leaf.outcome != "variant":
        return [(b, "gets no recommendation") for b in boxes] if prop.expect == "recommends" else []
    rated = rated_by(pathway, leaf)
    if prop.expect == "never_discourages":
        slots = [(a, rated.get(a)) for a in targets]
        bad = [f"{leaf.node} rates {a} {r.category}" for a, r in slots if r is not None and r.slot == "UNA"]
        return [(b, "; ".join(bad)) for b in boxes] if bad else []
    out: list[tuple[Box, str]] = []
    for action in targets:
        rating = rated.get(action)
        offered = rating is not None and rating.slot in OFFERED_SLOTS
        free, blocked = offered_regions(pathway, leaf.node, action, boxes, ex.domains)
        if prop.expect == "sets_apart":
            if offered:  # an action rated usually not appropriate is not offered either way
                out += [(b, f"{leaf.node} rates {action} {rating.category} and no check sets it apart") for b in free]  # type: ignore[union-attr]
        elif prop.expect == "never_recommends" and offered:
            out += [(b, f"{leaf.node} rates {action} {rating.category}") for b in free]  # type: ignore[union-attr]
        elif prop.expect == "recommends":
            if not offered:
                why = f"{leaf.node} rates {action} {rating.category}" if rating else f"{leaf.node} does not rate {action}"
                out += [(b, why) for b in boxes]
            else:
                out += [(b, f"{action} is set apart for the case") for b in blocked]
    return out


def _first_questions(ex: Exploration, prop: Property, leaf: Leaf, boxes: Sequence[Box]) -> list[tuple[Box, str]]:
    """The boxes of a need_info leaf whose first missing fact is not one of the targets."""
    if leaf.outcome != "need_info":
        return []
    pathway = ex.pathway
    at_rules = pathway.node(leaf.node).kind == "variant"  # a variant whose rules are undecided
    names = pathway.rule_reads(leaf.node) if at_rules else question_facts(pathway, leaf.node)

    def first(combo: tuple[Value, ...]) -> str:
        facts = dict(zip(names, combo))
        needed = finish(pathway, Case("", facts), leaf.node).missing_facts if at_rules else needed_at(pathway, leaf.node, facts)
        return needed[0] if needed else ""

    out: list[tuple[Box, str]] = []
    for box in boxes:
        for asked, parts in split(box, names, first, ex.domains).items():
            if asked not in prop.targets:
                out += [(b, f"asks first for {asked or 'nothing'} at {leaf.node}") for b in parts]
    return out


def _outcome(leaf: Leaf) -> str:
    if leaf.outcome in ("variant", "handoff"):
        return f"{leaf.outcome} {leaf.node}"
    return f"{leaf.outcome} at {leaf.node}"


def check_property(ex: Exploration, prop: Property) -> PropertyResult:
    """Prove a property over every leaf of the walk, or find a minimal counterexample.

    Args:
        ex: the symbolic walk of the pathway.
        prop: the property.

    Returns:
        The result; a counterexample is the violating case with the fewest known facts.
    """
    met = False
    found: list[tuple[Box, str, Leaf]] = []
    paths = 0
    for leaf in ex.leaves:
        given = true_region(leaf.boxes, prop.given, ex.domains)
        if not given:
            continue
        met = True
        bad = _violations(ex, prop, leaf, given)
        if bad:
            paths += 1
            found += [(b, why, leaf) for b, why in bad]
    if not met:
        return PropertyResult(prop, "vacuous")
    if not found:
        return PropertyResult(prop, "proven")
    best = minimal_case_facts([b for b, _, _ in found], ex.domains)
    assert best is not None
    facts, index = best
    _, why, leaf = found[index]
    return PropertyResult(prop, "violated", facts, leaf.path, _outcome(leaf), why, paths)
