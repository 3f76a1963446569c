"""``verify(pathway)``: every finding about a pathway at once, over the whole case space.

Combines the structural checks (:mod:`~vcfgraph.analysis.structure`), the symbolic walk
(:mod:`~vcfgraph.analysis.walk`: gaps, overlaps, dead answers, infeasible paths, nodes no case
reaches, where need_info stops a walk, rules that fire together and rate the same action), the patient-level checks
(:mod:`~vcfgraph.analysis.checks`) and the safety properties
(:mod:`~vcfgraph.analysis.properties`). Every path gets a witness case. Formatting the report
is :mod:`~vcfgraph.analysis.check_report`'s job; writing files is the command line's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from vcfgraph import conditions as cm
from vcfgraph.analysis.acknowledge import acknowledge
from vcfgraph.analysis.checks import check_findings, modifier_findings, rule_findings
from vcfgraph.analysis.findings import Finding, finding, relocate, sort_findings
from vcfgraph.analysis.properties import PropertyResult, check_property
from vcfgraph.analysis.regions import minimal_case_facts
from vcfgraph.analysis.structure import AnswerGraph, Graph, count_paths, cycle_components, structural_findings
from vcfgraph.analysis.walk import Exploration, Infeasible, Leaf, explore, question_facts
from vcfgraph.analysis.witness import describe_example, path_words, witness
from vcfgraph.conditions import Value
from vcfgraph.io.collector import paused
from vcfgraph.model import Pathway

__all__ = ["PathResult", "OutcomeResult", "CheckReport", "verify", "path_results"]

@dataclass(frozen=True)
class PathResult:
    """One path of the walk with its witness case (known facts only)."""

    index: int
    edges: tuple[str, ...]
    outcome: str
    node: str
    witness: Mapping[str, Value]
    regions: int
    #: at a variant with rules: the rules that fire along this path (an overlap: the two that clash)
    rules: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "outcome": self.outcome, "node": self.node, "edges": list(self.edges),
                "witness": dict(self.witness), "boxes": self.regions, **({"rules": list(self.rules)} if self.rules else {})}


@dataclass(frozen=True)
class OutcomeResult:
    """A variant or hand-off: how many paths reach it and which facts it needs known."""

    node: str
    kind: str
    paths: int
    needs: tuple[str, ...]
    reachable_without: tuple[str, ...]
    #: at a variant with rules: how many different sets of its rules fire for the cases there
    rule_sets: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "kind": self.kind, "paths": self.paths, "needs": list(self.needs),
                "reachable_without": list(self.reachable_without), **({"rule_sets": self.rule_sets} if self.rule_sets else {})}


@dataclass
class CheckReport:
    """What :func:`verify` found."""

    file: str
    findings: list[Finding]
    properties: list[PropertyResult]
    paths: list[PathResult]
    infeasible: list[Infeasible]
    outcomes: list[OutcomeResult]
    stats: dict[str, Any] = field(default_factory=dict)
    exploration: Exploration | None = field(default=None, repr=False)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def acknowledged(self) -> int:
        """How many findings the pathway file acknowledges (they are still in :attr:`findings`)."""
        return sum(1 for f in self.findings if f.acknowledged)

    @property
    def exit_code(self) -> int:
        """1 when any finding is an error, else 0."""
        return 1 if self.count("error") else 0


def verify(pathway: Pathway, file: str | None = None) -> CheckReport:
    """Check a pathway: structure, every question over the whole case space, every property.

    Args:
        pathway: a loaded pathway.
        file: the file name to show in locations (default: ``pathway.path``).

    Returns:
        The report: sorted findings, property results, paths with witnesses, outcomes, counts.
    """
    with paused():  # the walk's records hold no cycles worth a collector pass (vcfgraph.io.collector)
        return _verify(pathway, file)


def _verify(pathway: Pathway, file: str | None) -> CheckReport:
    name = file if file is not None else pathway.path
    ex = explore(pathway)
    g = AnswerGraph(pathway)
    findings = structural_findings(pathway, name, g)
    findings = _with_cycle_examples(findings, ex, g)
    findings += _question_findings(ex, name)
    findings += _answer_findings(ex, name)
    findings += check_findings(ex, name)
    findings += modifier_findings(ex, name)
    findings += rule_findings(ex, name)
    props = [check_property(ex, p) for p in pathway.properties]
    findings += _property_findings(props, name)
    paths = path_results(ex)
    outcomes = _outcomes(ex)
    stats = {
        "nodes": len(pathway.nodes), "edges": len(pathway.edges), "facts": len(pathway.facts),
        "answer_paths": count_paths(pathway, g),
        "paths": {k: sum(1 for p in paths if p.outcome == k) for k in ("variant", "handoff", "need_info", "gap", "overlap", "cycle")},
        "infeasible": len(ex.infeasible),
        "boxes": sum(p.regions for p in paths),
    }
    findings = acknowledge(sort_findings(findings), pathway, name)
    return CheckReport(name, findings, props, paths, ex.infeasible, outcomes, stats, ex)


def path_results(ex: Exploration) -> list[PathResult]:
    """Every leaf of the walk as a numbered path with its witness, in a stable order."""
    return [PathResult(i + 1, leaf.path, leaf.outcome, leaf.node, witness(leaf.boxes, ex.domains) or {}, len(leaf.boxes),
                       leaf.rules)
            for i, leaf in enumerate(_ordered(ex.pathway, ex.leaves))]


def _ordered(pathway: Pathway, leaves: list[Leaf]) -> list[Leaf]:
    """Leaves in a stable order: by the file order of the answers along their paths; a path
    that stops at a question comes before the paths that go on from it; at a variant with
    rules, by how many rules fire and which (file order)."""
    order = {e.id: i for i, e in enumerate(pathway.edges)}
    rules = {(n.id, r.id): i for n in pathway.nodes for i, r in enumerate(n.rules)}
    return sorted(leaves, key=lambda leaf: (tuple(order[e] for e in leaf.path), leaf.outcome, leaf.edges, len(leaf.rules),
                                            tuple(rules[leaf.node, r] for r in leaf.rules)))


def _example_of(leaves: list[Leaf], ex: Exploration) -> tuple[dict[str, Value], Leaf]:
    """The minimal case over several leaves, and the leaf it comes from."""
    boxes = [b for leaf in leaves for b in leaf.boxes]
    owners = [leaf for leaf in leaves for _ in leaf.boxes]
    found = minimal_case_facts(boxes, ex.domains)
    assert found is not None
    return found[0], owners[found[1]]


def _group(leaves: list[Leaf], outcome: str) -> dict[tuple[str, tuple[str, ...]], list[Leaf]]:
    out: dict[tuple[str, tuple[str, ...]], list[Leaf]] = {}
    for leaf in leaves:
        if leaf.outcome == outcome:
            out.setdefault((leaf.node, leaf.edges), []).append(leaf)
    return out


def _question_findings(ex: Exploration, file: str) -> list[Finding]:
    """Gaps (VCF101), overlaps (VCF102) and need_info stops (VCF301), one per question; rules that
    rate the same action (VCF406) and need_info stops at a variant's rules (VCF301)."""
    pathway, out = ex.pathway, []
    for (node_id, _), leaves in _group(ex.leaves, "gap").items():
        facts, leaf = _example_of(leaves, ex)
        node = pathway.node(node_id)
        seen = describe_example(facts, question_facts(pathway, node_id))
        out.append(finding("VCF101", node_id, relocate(node.loc, file), file,
                           f"no answer of '{node_id}' holds when {seen} and it has no 'otherwise' answer; "
                           "add an answer for these values or an 'otherwise'", facts, leaf.path))
    for (node_id, edges), leaves in _group(ex.leaves, "overlap").items():
        facts, leaf = _example_of(leaves, ex)
        node = pathway.node(node_id)
        if node.kind == "variant":
            out += _rules_overlap(ex, file, leaves)
            continue
        seen = describe_example(facts, question_facts(pathway, node_id))
        both = " and ".join(f"'{e}' ({_condition_words(pathway, e)})" for e in edges)
        out.append(finding("VCF102", node_id, relocate(node.loc, file), file,
                           f"answers {both} both hold when {seen}; make the conditions exclusive", facts, leaf.path))
    for (node_id, _), leaves in _group(ex.leaves, "need_info").items():
        facts, leaf = _example_of(leaves, ex)
        node = pathway.node(node_id)
        stops = sorted(ex.stopping_facts.get(node_id, ()))
        why = " (its rules cannot be settled)" if node.kind == "variant" else ""
        out.append(finding("VCF301", node_id, relocate(node.loc, file), file,
                           f"the walk stops at '{node_id}' with need_info{why} when {' or '.join(stops)} "
                           f"{'is' if len(stops) == 1 else 'are'} not known ({len(leaves)} path(s))", facts, leaf.path))
    return out


def _rules_overlap(ex: Exploration, file: str, leaves: list[Leaf]) -> list[Finding]:
    """VCF406, one per pair of rules of a variant that fire together and rate the same action,
    located at the second rule, with the smallest case for which both hold."""
    pathway, out = ex.pathway, []
    by_pair: dict[tuple[str, ...], list[Leaf]] = {}
    for leaf in leaves:
        by_pair.setdefault(leaf.rules, []).append(leaf)
    for pair, group in by_pair.items():
        facts, leaf = _example_of(group, ex)
        node = pathway.node(leaf.node)
        rules = [r for r in node.rules if r.id in pair]
        first, last = {x.action for x in rules[0].ratings}, rules[-1]
        actions = ", ".join(f"'{x.action}'" for x in last.ratings if x.action in first)
        seen = describe_example(facts, dict.fromkeys(n for r in rules for n in cm.facts_read(r.when)))
        names = " and ".join(f"'{r.id}' ({cm.describe(r.when)})" for r in rules)
        out.append(finding("VCF406", f"{node.id}/{last.id}", relocate(last.loc, file), file,
                           f"rules {names} of '{node.id}' both hold when {seen} and both rate {actions}; make their "
                           "conditions exclusive or rate different actions", facts, leaf.path))
    return out


def _condition_words(pathway: Pathway, edge_id: str) -> str:
    edge = pathway.edge(edge_id)
    return cm.describe(edge.condition) if edge.condition is not None else "otherwise"


def _answer_findings(ex: Exploration, file: str) -> list[Finding]:
    """Dead answers (VCF103), infeasible paths (VCF104), nodes no case reaches (VCF105)."""
    pathway, out = ex.pathway, []
    taken = {e for leaf in ex.leaves for e in leaf.path}
    sources = {e.id: e.source for e in pathway.edges}
    reached = {sources[e] for e in taken} | {leaf.node for leaf in ex.leaves}
    by_edge: dict[str, list[Infeasible]] = {}
    for inf in ex.infeasible:
        by_edge.setdefault(inf.edge, []).append(inf)
    for edge in pathway.edges:
        loc = relocate(edge.loc, file)
        if edge.source not in reached:
            continue
        cond = cm.describe(edge.condition) if edge.condition is not None else "otherwise"
        if edge.id not in taken:
            if edge.id not in ex.locally_possible.get(edge.source, frozenset()):
                why = (f"its condition ({cond}) never holds as the only answer for any values of the facts it reads"
                       if edge.condition is not None else "some answer always holds or is undecided")
            else:
                via = path_words(pathway, by_edge[edge.id][0].prefix)
                why = f"its condition ({cond}) contradicts the answers on every path to '{edge.source}' (e.g. {via})"
            out.append(finding("VCF103", edge.id, loc, file, f"no case takes answer '{edge.id}': {why}"))
        elif edge.id in by_edge:
            infs = by_edge[edge.id]
            via = path_words(pathway, infs[0].prefix)
            out.append(finding("VCF104", edge.id, loc, file,
                               f"answer '{edge.id}' ({cond}) cannot be taken after {via}: it contradicts the answers "
                               f"before it ({len(infs)} infeasible path prefix(es))", path=infs[0].prefix + (edge.id,)))
    structurally = {e.target for e in pathway.edges if e.source in reached} | {pathway.entry}
    for node in pathway.nodes:
        if node.kind != "action" and node.id in structurally and node.id not in reached:
            out.append(finding("VCF105", node.id, relocate(node.loc, file), file,
                               f"answers lead to '{node.id}' but no case takes any of them"))
    return out


def _with_cycle_examples(findings: list[Finding], ex: Exploration, g: Graph) -> list[Finding]:
    """Give each cycle finding a case that runs into the cycle, when one does."""
    loops = ex.leaves_of("cycle")
    if not loops:
        return findings
    members = {comp[0]: set(comp) for comp in cycle_components(ex.pathway, g)}
    out = []
    for f in findings:
        if f.code == "VCF003":
            inside = [leaf for leaf in loops if leaf.node in members.get(f.subject, ())]
            if inside:
                facts, leaf = _example_of(inside, ex)
                f = replace(f, example=facts, path=leaf.path)
        out.append(f)
    return out


def _property_findings(results: list[PropertyResult], file: str) -> list[Finding]:
    out = []
    for r in results:
        p = r.property
        loc = relocate(p.loc, file)
        if r.status == "violated":
            shown = describe_example(r.counterexample or {})
            out.append(finding("VCF201", p.id, loc, file,
                               f"property '{p.id}' ({p.expect} {', '.join(p.targets)}) fails: a case with {shown} "
                               f"ends with {r.outcome} and {r.reason} ({r.violating_paths} violating path(s))",
                               r.counterexample, r.path))
        elif r.status == "vacuous":
            out.append(finding("VCF202", p.id, loc, file,
                               f"no case meets the 'given' condition of property '{p.id}' ({cm.describe(p.given)})"))
    return out


def _outcomes(ex: Exploration) -> list[OutcomeResult]:
    pathway = ex.pathway
    names = list(ex.domains)
    by_node: dict[str, list[Leaf]] = {}
    for leaf in ex.leaves:
        if leaf.outcome in ("variant", "handoff"):
            by_node.setdefault(leaf.node, []).append(leaf)
    out = []
    for node in pathway.nodes:
        leaves = by_node.get(node.id, [])
        if not node.terminal or not leaves:
            continue
        boxes = [b for leaf in leaves for b in leaf.boxes]
        needs = [n for n in names if all(n in b and None not in b[n] for b in boxes)]
        without = [n for n in names if n not in needs]
        paths = len(dict.fromkeys(leaf.path for leaf in leaves))  # a variant's rule combinations are one path
        sets = len({leaf.rules for leaf in leaves}) if node.rules else 0
        out.append(OutcomeResult(node.id, node.kind, paths, tuple(needs), tuple(sorted(without)), sets))
    return out
