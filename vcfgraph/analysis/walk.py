"""The symbolic walk: every path from the entry, with the exact set of cases that follows it.

This mirrors :func:`vcfgraph.engine.trace` over regions instead of single cases. At each question
the region that arrives is split by the answers, evaluated on the few facts the question reads:

- exactly one answer holds: the points go on along that answer;
- two or more hold: an **overlap** (the engine raises a RouteError);
- none holds and some answer is undecided: **need_info** (a legitimate stop);
- none holds, none undecided: the ``otherwise`` answer, or a **gap** (a RouteError).

At a variant with rules (``rules:``, all that hold fire together) the arriving region is split
the same way by the rules' results, evaluated on the facts the rules read: one ``variant`` leaf
per set of rules that fire; **need_info** where any rule is undecided (the engine asks for the
facts that settle them); an **overlap** where two rules that fire together rate the same action
(a RouteError in the engine).

A path coming back to a question it passed is a **cycle** (a RouteError in the engine). Each
path ends in a :class:`Leaf`; an answer that no point of an arriving region takes is recorded as
an :class:`Infeasible` prefix. Findings, witnesses and reports are built elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product

from vcfgraph import conditions as cm
from vcfgraph.analysis.regions import Box, Domains, domains_of, split
from vcfgraph.conditions import Value
from vcfgraph.model import Edge, Node, Pathway, Rating

__all__ = ["Leaf", "Infeasible", "Exploration", "explore", "question_facts", "leaf_ratings", "rated_by"]

@dataclass(frozen=True)
class Leaf:
    """Where one path ends, and the cases that end there along it.

    Attributes:
        path: the answer edges taken, in order.
        outcome: variant / handoff (the terminal), need_info, gap or overlap (at ``node``, a
            question), or cycle (``node`` is the question met a second time); need_info and
            overlap also stop at a variant whose rules are undecided or clash.
        node: the terminal or the question where the walk stopped.
        boxes: the disjoint boxes of cases that follow this path and end so.
        edges: for an overlap at a question, the answers that hold together.
        rules: at a variant with rules, the rules that fire (file order); for an overlap at a
            variant, the two rules that rate the same action.
    """

    path: tuple[str, ...]
    outcome: str
    node: str
    boxes: tuple[Box, ...]
    edges: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Infeasible:
    """An answer that no case arriving along ``prefix`` takes: every path through it is empty."""

    prefix: tuple[str, ...]
    node: str
    edge: str


@dataclass
class Exploration:
    """Everything the symbolic walk found."""

    pathway: Pathway
    domains: Domains
    leaves: list[Leaf] = field(default_factory=list)
    infeasible: list[Infeasible] = field(default_factory=list)
    #: question -> the answers some point of the whole domain takes (ignoring the way there)
    locally_possible: dict[str, frozenset[str]] = field(default_factory=dict)
    #: question (or variant with rules) -> the facts whose being unknown can stop the walk there
    stopping_facts: dict[str, set[str]] = field(default_factory=dict)

    def leaves_of(self, outcome: str) -> list[Leaf]:
        return [leaf for leaf in self.leaves if leaf.outcome == outcome]


def question_facts(pathway: Pathway, node_id: str) -> tuple[str, ...]:
    """The facts a question's answers read, in reading order."""
    names: dict[str, None] = {}
    for edge in pathway.out_edges(node_id):
        if edge.condition is not None:
            names.update(dict.fromkeys(cm.facts_read(edge.condition)))
    return tuple(names)


class _Classifier:
    """What a question's answers and a variant's rules share as classifiers of the facts they
    read (``names``): the memo of decisions, the facts that stop need_info points, and the split
    of an arriving region by decision. Subclasses give :meth:`classify`."""

    names: tuple[str, ...]
    missing: dict[tuple[Value, ...], tuple[str, ...]]
    stopping: set[str]

    def classify(self, combo: tuple[Value, ...]) -> tuple[str, ...]:
        raise NotImplementedError

    def on_path(self, combo: tuple[Value, ...]) -> tuple[str, ...]:
        """:meth:`classify` for points that really arrive: records the facts that stop them."""
        key = self.classify(combo)
        if key == ("need_info",):
            self.stopping.update(self.missing[combo])
        return key

    def split(self, boxes: tuple[Box, ...], domains: Domains) -> dict[tuple[str, ...], list[Box]]:
        """The arriving region, grouped by the engine's decision (see :meth:`classify`)."""
        groups: dict[tuple[str, ...], list[Box]] = {}
        for box in boxes:
            for key, parts in split(box, self.names, self.on_path, domains).items():
                groups.setdefault(key, []).extend(parts)
        return groups


class _Question(_Classifier):
    """One question's classifier, memoised per combination of the facts it reads."""

    def __init__(self, pathway: Pathway, node: Node, ex: Exploration) -> None:
        self.node = node
        self.edges: tuple[Edge, ...] = pathway.out_edges(node.id)
        self.names = question_facts(pathway, node.id)
        self.otherwise = next((e for e in self.edges if e.condition is None), None)
        self.memo: dict[tuple[Value, ...], tuple[str, ...]] = {}
        self.missing: dict[tuple[Value, ...], tuple[str, ...]] = {}
        self.stopping: set[str] = set()

    def classify(self, combo: tuple[Value, ...]) -> tuple[str, ...]:
        """The engine's decision for these values: ("edge", id), ("overlap", ids...),
        ("need_info",) or ("gap",)."""
        key = self.memo.get(combo)
        if key is not None:
            return key
        facts = dict(zip(self.names, combo))
        results = [(e, cm.evaluate(e.condition, facts)) for e in self.edges if e.condition is not None]
        holding = tuple(e.id for e, r in results if r is True)
        if len(holding) > 1:
            key = ("overlap",) + holding
        elif holding:
            key = ("edge", holding[0])
        elif any(r is None for _, r in results):
            key = ("need_info",)
            missing: dict[str, None] = {}
            for e, r in results:
                if r is None:
                    missing.update(dict.fromkeys(cm.missing_facts(e.condition, facts)))  # type: ignore[arg-type]
            self.missing[combo] = tuple(missing)
        elif self.otherwise is not None:
            key = ("edge", self.otherwise.id)
        else:
            key = ("gap",)
        self.memo[combo] = key
        return key


def leaf_ratings(pathway: Pathway, leaf: Leaf) -> list[tuple[str, Rating]]:
    """(rule id, rating) for every rating a case of a variant leaf gets: the variant's own (rule
    id "") and those of the rules that fire along the leaf, in file order."""
    node = pathway.node(leaf.node)
    return [(rule.id if rule else "", rating) for rule, rating in node.all_ratings()
            if rule is None or rule.id in leaf.rules]


def rated_by(pathway: Pathway, leaf: Leaf) -> dict[str, Rating]:
    """action -> the rating a case of a variant leaf gets for it (see :func:`leaf_ratings`)."""
    return {rating.action: rating for _, rating in leaf_ratings(pathway, leaf)}


class _Rules(_Classifier):
    """One variant's rules as a classifier, memoised per combination of the facts they read."""

    def __init__(self, pathway: Pathway, node: Node) -> None:
        self.node = node
        self.names = pathway.rule_reads(node.id)
        self.memo: dict[tuple[Value, ...], tuple[str, ...]] = {}
        self.missing: dict[tuple[Value, ...], tuple[str, ...]] = {}
        self.stopping: set[str] = set()

    def classify(self, combo: tuple[Value, ...]) -> tuple[str, ...]:
        """The engine's decision: ("rules", fired ids...), ("overlap", rule, rule) or ("need_info",)."""
        key = self.memo.get(combo)
        if key is not None:
            return key
        facts = dict(zip(self.names, combo))
        results = [(rule, cm.evaluate(rule.when, facts)) for rule in self.node.rules]
        if any(r is None for _, r in results):
            key = ("need_info",)
            missing: dict[str, None] = {}
            for rule, r in results:
                if r is None:
                    missing.update(dict.fromkeys(cm.missing_facts(rule.when, facts)))
            self.missing[combo] = tuple(missing)
        else:
            fired = tuple(rule.id for rule, r in results if r)
            seen: dict[str, str] = {rating.action: "" for rating in self.node.ratings}
            key = ("rules",) + fired
            for rule in (r for r, held in results if held):
                clash = next((seen[x.action] for x in rule.ratings if x.action in seen), None)
                if clash is not None:
                    key = ("overlap", clash, rule.id) if clash else ("overlap", rule.id)
                    break
                seen.update((x.action, rule.id) for x in rule.ratings)
        self.memo[combo] = key
        return key

    def leaves(self, boxes: tuple[Box, ...], path: tuple[str, ...], domains: Domains) -> list[Leaf]:
        """The arriving region's leaves: need_info, overlaps, then one variant leaf per set of
        rules that fire (fewer rules first, then by the rules' order in the file)."""
        groups = self.split(boxes, domains)
        order = {rule.id: i for i, rule in enumerate(self.node.rules)}
        rank = {"need_info": 0, "overlap": 1, "rules": 2}
        out = []
        for key in sorted(groups, key=lambda k: (rank[k[0]], len(k) - 1, [order[r] for r in k[1:]])):
            outcome = "variant" if key[0] == "rules" else key[0]
            out.append(Leaf(path, outcome, self.node.id, tuple(groups[key]), rules=key[1:]))
        return out


def explore(pathway: Pathway, domains: Domains | None = None, start: tuple[Box, ...] | None = None) -> Exploration:
    """Walk every path from the entry over the whole case space (or the region ``start``).

    Args:
        pathway: a loaded pathway (cycles are allowed: they end a path as a ``cycle`` leaf).
        domains: the classes of every fact (default: the pathway's own); the diff passes the
            classes of two pathways' facts merged.
        start: the boxes to walk (default: one box, every case). Keys that are not facts are
            carried along unchanged, so a caller can tag boxes and find the tags in the leaves.

    Returns:
        The leaves in depth-first order (answers in file order), the infeasible prefixes and,
        per question, the answers possible at all and the facts that can stop the walk there.
    """
    doms = domains if domains is not None else domains_of(pathway.facts)
    ex = Exploration(pathway, doms)
    questions: dict[str, _Question] = {}
    variants: dict[str, _Rules] = {}
    first: tuple[Box, ...] = start if start is not None else ({},)
    stack: list[tuple[str, tuple[Box, ...], tuple[str, ...], frozenset[str]]] = [(pathway.entry, first, (), frozenset())]
    while stack:
        node_id, boxes, path, seen = stack.pop()
        node = pathway.node(node_id)
        if node.kind == "variant" and node.rules:
            rules = variants.get(node_id)
            if rules is None:
                rules = variants[node_id] = _Rules(pathway, node)
                ex.stopping_facts[node_id] = rules.stopping
            ex.leaves.extend(rules.leaves(boxes, path, doms))
            continue
        if node.kind != "question":
            ex.leaves.append(Leaf(path, node.kind, node_id, boxes))
            continue
        if node_id in seen:
            ex.leaves.append(Leaf(path, "cycle", node_id, boxes))
            continue
        q = questions.get(node_id)
        if q is None:
            q = questions[node_id] = _Question(pathway, node, ex)
            ex.locally_possible[node_id] = _locally_possible(q, doms)
            ex.stopping_facts[node_id] = q.stopping
        groups = q.split(boxes, doms)
        pushed = []
        for edge in q.edges:
            parts = groups.get(("edge", edge.id))
            if parts:
                pushed.append((edge.target, tuple(parts), path + (edge.id,), seen | {node_id}))
            else:
                ex.infeasible.append(Infeasible(path, node_id, edge.id))
        stops = []
        for key, parts in groups.items():
            if key[0] == "overlap":
                stops.append(Leaf(path, "overlap", node_id, tuple(parts), tuple(key[1:])))
            elif key[0] in ("need_info", "gap"):
                stops.append(Leaf(path, key[0], node_id, tuple(parts)))
        ex.leaves.extend(sorted(stops, key=lambda leaf: (leaf.outcome, leaf.edges)))
        stack.extend(reversed(pushed))
    return ex


def _locally_possible(q: _Question, domains: Domains) -> frozenset[str]:
    """The answers that hold as the only one for some values of the facts the question reads.

    Only the classes matter here, not the regions: the combinations are classified one by one
    (no boxes are built), and the search stops once every answer has been seen to hold."""
    every = {e.id for e in q.edges}
    found: set[str] = set()
    for combo in product(*(domains[n] for n in q.names)):
        key = q.classify(combo)
        if key[0] == "edge" and key[1] not in found:
            found.add(key[1])
            if found == every:
                break
    return frozenset(found)
