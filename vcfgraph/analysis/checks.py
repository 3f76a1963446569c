"""Patient-level checks over the whole case space: where each check can be satisfied, not
established or failed.

A check (:class:`~vcfgraph.model.Check`) matters for the cases that end at a variant in its
scope rating one of its actions. Splitting those leaves' regions by the check's ``requires``
gives, per state, the cases in that state, so ``vcfgraph check`` can report a check that can
never fail (it guards nothing) or never hold (it always sets apart or cautions), and
``vcfgraph coverage`` knows which (check, state) pairs a suite can and does exercise.

A rating's modifier is split the same way over the leaves that reach its variant (for a rule's
rating, those where the rule fires): one that can never hold, or holds for every case there, is a
finding (VCF404, VCF405). A variant's rule is split over every case that reaches the variant: one
that can never hold (VCF407) or holds for every such case (VCF408) is a finding too; two rules
that fire together and rate the same action are the walk's (VCF406, reported by the checker).
"""

from __future__ import annotations

from dataclasses import dataclass

from vcfgraph import conditions as cm
from vcfgraph.analysis.findings import Finding, finding, relocate
from vcfgraph.analysis.regions import Box, minimal_case_facts, split_condition
from vcfgraph.analysis.walk import Exploration, Leaf, leaf_ratings
from vcfgraph.conditions import Condition, Value
from vcfgraph.model import CHECK_STATES, Check

__all__ = ["CheckRegions", "check_regions", "check_findings", "modifier_findings", "rule_findings", "state_of",
           "condition_regions"]

_STATE = {True: "satisfied", None: "not_established", False: "failed"}


def state_of(result: bool | None) -> str:
    """The check state a three-valued ``requires`` result stands for."""
    return _STATE[result]


@dataclass(frozen=True)
class CheckRegions:
    """The cases a check concerns, by state.

    Attributes:
        check: the check.
        regions: state -> the boxes of cases in that state (only states that occur).
        paths: state -> the answers a minimal case in that state takes.
        examples: state -> that minimal case (known facts only).
    """

    check: Check
    regions: dict[str, list[Box]]
    paths: dict[str, tuple[str, ...]]
    examples: dict[str, dict[str, Value]]

    @property
    def applies(self) -> bool:
        """True when some case reaches a variant where the check concerns a rated action."""
        return bool(self.regions)

    def possible(self) -> tuple[str, ...]:
        """The states some case can be in, in :data:`CHECK_STATES` order."""
        return tuple(s for s in CHECK_STATES if self.regions.get(s))


def check_regions(ex: Exploration, check: Check) -> CheckRegions:
    """Split every variant leaf the check concerns by the check's condition.

    Args:
        ex: the symbolic walk.
        check: one of the pathway's checks.

    Returns:
        The regions per state, with a minimal example case and its path for each.
    """
    pathway = ex.pathway
    regions: dict[str, list[Box]] = {}
    owners: dict[str, list[tuple[str, ...]]] = {}
    for leaf in ex.leaves:
        if leaf.outcome != "variant":
            continue
        if not any(check.applies(leaf.node, r.action) for _, r in leaf_ratings(pathway, leaf)):
            continue
        for result, boxes in split_condition(leaf.boxes, check.requires, ex.domains).items():
            state = state_of(result)
            regions.setdefault(state, []).extend(boxes)
            owners.setdefault(state, []).extend([leaf.path] * len(boxes))
    examples, paths = {}, {}
    for state, region in regions.items():
        found = minimal_case_facts(region, ex.domains)
        if found is not None:
            examples[state], paths[state] = found[0], owners[state][found[1]]
    return CheckRegions(check, regions, paths, examples)


def check_findings(ex: Exploration, file: str) -> list[Finding]:
    """VCF401 (a check that applies to no reachable rating), VCF402 (can never fail), VCF403
    (can never hold), one per check."""
    out = []
    for check in ex.pathway.checks:
        loc = relocate(check.loc, file)
        cr = check_regions(ex, check)
        words = cm.describe(check.requires)
        if not cr.applies:
            scope = f" at {', '.join(check.variants)}" if check.variants else ""
            out.append(finding("VCF401", check.id, loc, file,
                               f"check '{check.id}' concerns {', '.join(check.actions)}{scope}, but no case reaches a "
                               "variant that rates them there; it never applies"))
            continue
        if not cr.regions.get("failed"):
            out.append(finding("VCF402", check.id, loc, file,
                               f"check '{check.id}' ({words}) can never fail where it applies: the routes that reach "
                               "its actions already rule the failing values out"))
        if not cr.regions.get("satisfied"):
            out.append(finding("VCF403", check.id, loc, file,
                               f"check '{check.id}' ({words}) can never be satisfied where it applies, so its actions "
                               "are always set apart or cautioned", cr.examples.get("failed") or cr.examples.get("not_established"),
                               cr.paths.get("failed") or cr.paths.get("not_established") or ()))
    return out


def condition_regions(leaves: list[Leaf], cond: Condition, ex: Exploration
                      ) -> tuple[dict[bool | None, list[Box]], dict[bool | None, list[tuple[str, ...]]]]:
    """The boxes of ``leaves`` by the three-valued result of ``cond``, with each box's path."""
    regions: dict[bool | None, list[Box]] = {}
    owners: dict[bool | None, list[tuple[str, ...]]] = {}
    for leaf in leaves:
        for result, boxes in split_condition(leaf.boxes, cond, ex.domains).items():
            regions.setdefault(result, []).extend(boxes)
            owners.setdefault(result, []).extend([leaf.path] * len(boxes))
    return regions, owners


def _one_sided(leaves: list[Leaf], cond: Condition, ex: Exploration
               ) -> tuple[bool, dict[str, Value] | None, tuple[str, ...]] | None:
    """None when ``cond`` holds for some cases of ``leaves`` and not for others; else (True when
    it holds for all, a minimal case of the other side or of the region, its path)."""
    regions, owners = condition_regions(leaves, cond, ex)
    if regions.get(True) and (regions.get(False) or regions.get(None)):
        return None
    shown: bool | None = True if regions.get(True) else (False if regions.get(False) else None)
    found = minimal_case_facts(regions.get(shown, []), ex.domains)
    example, path = (found[0], owners[shown][found[1]]) if found is not None else (None, ())
    return bool(regions.get(True)), example, path


def _by_variant(ex: Exploration, outcomes: tuple[str, ...]) -> dict[str, list[Leaf]]:
    """Each variant's leaves of these outcomes, in the walk's order (one pass, not one per variant)."""
    out: dict[str, list[Leaf]] = {}
    for leaf in ex.leaves:
        if leaf.outcome in outcomes and ex.pathway.node(leaf.node).kind == "variant":
            out.setdefault(leaf.node, []).append(leaf)
    return out


def modifier_findings(ex: Exploration, file: str) -> list[Finding]:
    """VCF404 (a modifier that never holds where its variant is reached) and VCF405 (one that
    holds for every case reaching it); the subject is ``variant->action modifier N`` (for a
    rule's rating ``variant/rule->action modifier N``). Variants no case reaches are left to the
    structural findings."""
    out = []
    by_variant = _by_variant(ex, ("variant",))
    for node in ex.pathway.of_kind("variant"):
        for rule, rating in node.all_ratings():
            leaves = [leaf for leaf in by_variant.get(node.id, []) if rule is None or rule.id in leaf.rules]
            if not leaves:
                continue
            where = f"{node.id}/{rule.id}" if rule else node.id
            for i, m in enumerate(rating.modifiers, 1):
                sided = _one_sided(leaves, m.when, ex)
                if sided is None:
                    continue
                always, example, path = sided
                code, words = ("VCF405" if always else "VCF404"), cm.describe(m.when)
                said = ("holds for every case that reaches the variant, so it modifies nothing; say it in the rating "
                        "itself" if always else "can never hold for a case that reaches the variant")
                of = f" (rule '{rule.id}')" if rule else ""
                out.append(finding(code, f"{where}->{rating.action} modifier {i}", relocate(m.loc, file), file,
                                   f"{m.direction} modifier {i} of {rating.action} at {node.id}{of} ({words}) {said}",
                                   example, path))
    return out


def rule_findings(ex: Exploration, file: str) -> list[Finding]:
    """VCF407 (a variant's rule that never holds for a case reaching the variant) and VCF408 (one
    that holds for every such case); the subject is ``variant/rule``, located at the rule."""
    out = []
    by_variant = _by_variant(ex, ("variant", "need_info", "overlap"))
    for node in ex.pathway.of_kind("variant"):
        leaves = by_variant.get(node.id, [])
        if not leaves or not node.rules:
            continue
        for rule in node.rules:
            sided = _one_sided(leaves, rule.when, ex)
            if sided is None:
                continue
            always, example, path = sided
            words = cm.describe(rule.when)
            said = ("holds for every case that reaches the variant, so it tells no case apart: make its ratings the "
                    "variant's own" if always else "can never hold for a case that reaches the variant, so its "
                    "ratings are never given")
            out.append(finding("VCF408" if always else "VCF407", f"{node.id}/{rule.id}", relocate(rule.loc, file), file,
                               f"rule '{rule.id}' of {node.id} ({words}) {said}", example, path))
    return out
