"""Patient-level checks over the whole case space: where each check can be satisfied, not
established or failed.

A check (:class:`~vcfgraph.model.Check`) matters for the cases that end at a variant in its
scope rating one of its actions. Splitting those leaves' regions by the check's ``requires``
gives, per state, the cases in that state, so ``vcfgraph check`` can report a check that can
never fail (it guards nothing) or never hold (it always sets apart or cautions), and
``vcfgraph coverage`` knows which (check, state) pairs a suite can and does exercise.

A rating's modifier is split the same way over the leaves that reach its variant: one that can
never hold, or holds for every case there, is a finding (VCF404, VCF405).
"""

from __future__ import annotations

from dataclasses import dataclass

from vcfgraph import conditions as cm
from vcfgraph.analysis.findings import Finding, finding, relocate
from vcfgraph.analysis.regions import Box, minimal_case_facts, split_condition
from vcfgraph.analysis.walk import Exploration, Leaf
from vcfgraph.conditions import Value
from vcfgraph.model import CHECK_STATES, Check

__all__ = ["CheckRegions", "check_regions", "check_findings", "modifier_findings", "state_of"]

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
        node = pathway.node(leaf.node)
        if not any(check.applies(node.id, r.action) for r in node.ratings):
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


def modifier_findings(ex: Exploration, file: str) -> list[Finding]:
    """VCF404 (a modifier that never holds where its variant is reached) and VCF405 (one that
    holds for every case reaching it); the subject is ``variant->action modifier N``.
    Variants no case reaches are left to the structural findings."""
    out = []
    by_variant: dict[str, list[Leaf]] = {}  # each variant's leaves, in the walk's order (one pass, not one per variant)
    for leaf in ex.leaves:
        if leaf.outcome == "variant":
            by_variant.setdefault(leaf.node, []).append(leaf)
    for node in ex.pathway.of_kind("variant"):
        leaves = by_variant.get(node.id, [])
        if not leaves:
            continue
        for rating in node.ratings:
            for i, m in enumerate(rating.modifiers, 1):
                regions: dict[bool | None, list[Box]] = {}
                owners: dict[bool | None, list[tuple[str, ...]]] = {}
                for leaf in leaves:
                    for result, boxes in split_condition(leaf.boxes, m.when, ex.domains).items():
                        regions.setdefault(result, []).extend(boxes)
                        owners.setdefault(result, []).extend([leaf.path] * len(boxes))
                subject, words = f"{node.id}->{rating.action} modifier {i}", cm.describe(m.when)
                if regions.get(True) and (regions.get(False) or regions.get(None)):
                    continue
                code, shown = ("VCF405", True) if regions.get(True) else ("VCF404", False if regions.get(False) else None)
                found = minimal_case_facts(regions.get(shown, []), ex.domains)
                example, path = (found[0], owners[shown][found[1]]) if found is not None else (None, ())
                said = ("holds for every case that reaches the variant, so it modifies nothing; say it in the rating "
                        "itself" if code == "VCF405" else "can never hold for a case that reaches the variant")
                out.append(finding(code, subject, relocate(m.loc, file), file,
                                   f"{m.direction} modifier {i} of {rating.action} at {node.id} ({words}) {said}",
                                   example, path))
    return out
