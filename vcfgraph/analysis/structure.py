"""Structural checks: what the graph's shape alone shows, over a plain adjacency.

Unreachable nodes, dead ends, cycles among questions, variants without ratings, facts never
read (by an answer, a rule or a check), named conditions never used, actions never rated and hand-offs no answer leads to. Conditions are not evaluated here;
:mod:`vcfgraph.analysis.checker` adds the findings that need the case space.

The walks run over :class:`AnswerGraph`, two dicts of dicts built in one pass over the edges:
a networkx graph of a 50,000-node pathway costs more to build than every walk here takes.
networkx is used only once a cycle is known to exist (its components and one cycle through
each, imported then), and :func:`answer_graph` still gives the networkx graph to anyone who wants one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Union

from vcfgraph import conditions as cm
from vcfgraph.analysis.findings import Finding, finding, relocate
from vcfgraph.model import Pathway

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["AnswerGraph", "answer_graph", "structural_findings", "count_paths", "cycle_components"]


class AnswerGraph:
    """Questions, variants and hand-offs joined by the answer edges (parallel answers merged):
    ``succ[a]`` and ``pred[a]`` hold a node's successors and predecessors as dict keys, in the
    order of the edges, as a networkx ``DiGraph`` built from the same edges would."""

    __slots__ = ("succ", "pred")

    def __init__(self, pathway: Pathway) -> None:
        succ: dict[str, dict[str, None]] = {n.id: {} for n in pathway.nodes if n.kind != "action"}
        pred: dict[str, dict[str, None]] = {n: {} for n in succ}
        for e in pathway.edges:
            source, target = e.source, e.target
            if source not in succ:
                succ[source], pred[source] = {}, {}
            if target not in succ:
                succ[target], pred[target] = {}, {}
            succ[source][target] = None
            pred[target][source] = None
        self.succ = succ
        self.pred = pred

    def __iter__(self) -> Iterator[str]:
        return iter(self.succ)


#: what the walks here accept: the plain adjacency, or a networkx graph of the same edges
Graph = Union[AnswerGraph, "nx.DiGraph"]


def answer_graph(pathway: Pathway) -> nx.DiGraph:
    """Questions, variants and hand-offs, joined by the answer edges (parallel answers merged)."""
    import networkx as nx  # imported when used: a check without a cycle never needs it

    g = nx.DiGraph()
    g.add_nodes_from(n.id for n in pathway.nodes if n.kind != "action")
    g.add_edges_from((e.source, e.target) for e in pathway.edges)
    return g


def _networkx(g: Graph, pathway: Pathway) -> nx.DiGraph:
    """``g`` as a networkx graph (built anew from the pathway, in its edge order, when it is plain)."""
    return answer_graph(pathway) if isinstance(g, AnswerGraph) else g


def count_paths(pathway: Pathway, g: Graph | None = None) -> int | None:
    """How many answer paths lead from the entry to a variant or hand-off (parallel answers
    counted apart), or None when the reachable graph has a cycle."""
    g = AnswerGraph(pathway) if g is None else g
    order = _finish_order(g, [pathway.entry])
    if order is None:
        return None
    counts: dict[str, int] = {}
    for node_id in order:  # every node after all it leads to
        node = pathway.node(node_id)
        counts[node_id] = 1 if node.terminal else sum(counts[e.target] for e in pathway.out_edges(node_id))
    return counts[pathway.entry]


def _finish_order(g: Graph, starts: list[str]) -> list[str] | None:
    """The nodes reachable from ``starts``, each after every node it leads to (a depth-first
    walk's finishing order), or None when they hold a cycle. Plain Python over the adjacency:
    networkx's subgraph views cost more than the walk on large pathways."""
    succ = g.succ
    state: dict[str, bool] = {}  # False: on the walk's stack, True: finished
    order: list[str] = []
    for start in starts:
        if start in state:
            continue
        state[start] = False
        stack = [(start, iter(succ[start]))]
        while stack:
            node, rest = stack[-1]
            for nxt in rest:
                seen = state.get(nxt)
                if seen is None:
                    state[nxt] = False
                    stack.append((nxt, iter(succ[nxt])))
                    break
                if seen is False:
                    return None  # back to a node on the stack: a cycle
            else:
                stack.pop()
                state[node] = True
                order.append(node)
    return order


def structural_findings(pathway: Pathway, file: str, g: Graph | None = None) -> list[Finding]:
    """Every structural finding (codes VCF001 to VCF007).

    Args:
        pathway: a loaded pathway.
        file: the file name shown in locations.
        g: the pathway's :class:`AnswerGraph` (or :func:`answer_graph`), when the caller has built it already.

    Returns:
        The findings, unsorted.
    """
    g = AnswerGraph(pathway) if g is None else g
    out: list[Finding] = []
    reach = _reachable(g, pathway.entry)
    targets = {e.target for e in pathway.edges}
    reentered = {d.target for n in pathway.nodes for d in n.downstream if d.target}
    for node in pathway.nodes:
        if node.kind in ("question", "variant") and node.id not in reach:
            out.append(finding("VCF001", node.id, relocate(node.loc, file), file, f"{node.kind} '{node.id}' cannot be reached from the entry "
                               f"'{pathway.entry}'; add an answer leading to it or remove it"))
        if node.kind == "handoff" and node.id not in targets:
            out.append(finding("VCF007", node.id, relocate(node.loc, file), file, f"no answer leads to hand-off '{node.id}'"
                               + (" (it is only a downstream re-entry target)" if node.id in reentered else "")))
        if node.kind == "variant" and not any(True for _ in node.all_ratings()):
            out.append(finding("VCF004", node.id, relocate(node.loc, file), file, f"variant '{node.id}' rates no action; add its ratings"))
    out += _dead_ends(pathway, g, file)
    out += _cycles(pathway, g, file)
    out += _unused_facts(pathway, file)
    out += _unused_definitions(pathway, file)
    rated = {r.action for _, _, r in pathway.rating_edges()}
    for node in pathway.of_kind("action"):
        if node.id not in rated:
            out.append(finding("VCF006", node.id, relocate(node.loc, file), file,
                               f"no variant rates action '{node.id}'; rate it or remove it"))
    return out


def _dead_ends(pathway: Pathway, g: Graph, file: str) -> list[Finding]:
    can_finish = {n.id for n in pathway.nodes if n.terminal}
    frontier = list(can_finish)
    pred = g.pred
    while frontier:
        for before in pred[frontier.pop()]:
            if before not in can_finish:
                can_finish.add(before)
                frontier.append(before)
    out = []
    for node in pathway.of_kind("question"):
        if node.id not in can_finish:
            out.append(finding("VCF002", node.id, relocate(node.loc, file), file,
                               f"no variant or hand-off can be reached from question '{node.id}'; every answer path "
                               "from it goes round in circles"))
    return out


def cycle_components(pathway: Pathway, g: Graph | None = None) -> list[list[str]]:
    """The groups of questions that lead back to themselves, each in file order, sorted by
    their first member's place in the file."""
    g = AnswerGraph(pathway) if g is None else g
    if _finish_order(g, list(g)) is not None:
        return []  # no cycle at all: the usual case, without the components
    import networkx as nx

    full = _networkx(g, pathway)  # a cycle: the rare case, where networkx's components are worth building it
    order = {n.id: i for i, n in enumerate(pathway.nodes)}
    comps = [sorted(c, key=order.__getitem__) for c in nx.strongly_connected_components(full)
             if len(c) > 1 or any(full.has_edge(n, n) for n in c)]
    return sorted(comps, key=lambda c: order[c[0]])


def _cycles(pathway: Pathway, g: Graph, file: str) -> list[Finding]:
    out: list[Finding] = []
    members_of = cycle_components(pathway, g)
    if not members_of:
        return out
    full = _networkx(g, pathway)
    for members in members_of:
        first = pathway.node(members[0])
        loop = " -> ".join(_cycle_order(full, set(members), members[0]))
        out.append(finding("VCF003", first.id, relocate(first.loc, file), file,
                           f"questions form a cycle ({loop}); a walk entering it is stopped with an error"))
    return out


def _cycle_order(g: nx.DiGraph, comp: set[str], start: str) -> list[str]:
    """One cycle through ``start`` inside the component, as node ids ending where it began."""
    import networkx as nx

    cycle = nx.find_cycle(g.subgraph(comp), source=start)
    return [cycle[0][0]] + [v for _, v in cycle]


def _reachable(g: Graph, entry: str) -> set[str]:
    """The entry and every node it leads to (``nx.descendants`` with the entry, over plain dicts)."""
    succ = g.succ
    seen = {entry}
    todo = [entry]
    while todo:
        for nxt in succ[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _unused_facts(pathway: Pathway, file: str) -> list[Finding]:
    unread = {f.name for f in pathway.facts}
    for edge in pathway.edges:
        if not unread:
            break  # every fact is read: the usual case, known long before the last answer
        if edge.condition is not None:
            unread.difference_update(cm.facts_read(edge.condition))
    for check in pathway.checks if unread else ():
        unread.difference_update(cm.facts_read(check.requires))
    for node in pathway.nodes if unread else ():
        unread.difference_update(pathway.rule_reads(node.id) if node.rules else ())
    for _, _, rating in pathway.rating_edges() if unread else ():
        unread.difference_update(n for m in rating.modifiers for n in cm.facts_read(m.when))
    out = []
    for fact in pathway.facts:
        if fact.name in unread:
            out.append(finding("VCF005", fact.name, relocate(fact.loc, file), file,
                               f"fact '{fact.name}' is declared but no answer or patient-level check reads it"))
    return out


def _unused_definitions(pathway: Pathway, file: str) -> list[Finding]:
    """VCF008: a definition that no answer, rule, check, property, rating modifier or conditional
    "not recorded" policy uses, not even through another definition that is used."""
    if not pathway.definitions:
        return []
    conds = [e.condition for e in pathway.edges if e.condition is not None]
    conds += [c.requires for c in pathway.checks] + [p.given for p in pathway.properties]
    conds += [f.unknown_when for f in pathway.facts if f.unknown_when is not None]
    conds += [m.when for _, _, rating in pathway.rating_edges() for m in rating.modifiers]
    conds += [rule.when for node in pathway.nodes for rule in node.rules]
    used = {n.name for cond in conds for n in cm.named(cond)}
    return [finding("VCF008", d.name, relocate(d.loc, file), file,
                    f"definition '{d.name}' is never used; use it as {{use: {d.name}}} or remove it")
            for d in pathway.definitions if d.name not in used]
