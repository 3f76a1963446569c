"""count_paths and cycle_components walk the answer graph in plain Python; they must agree with
networkx (topological order, strongly connected components) on every fixture pathway, mutants
with a cycle included, and on a generated pathway of a thousand nodes."""

from __future__ import annotations

import sys
from pathlib import Path

import networkx as nx
import pytest

from vcfgraph.analysis.structure import AnswerGraph, answer_graph, count_paths, cycle_components
from vcfgraph.io.load import load_pathway
from vcfgraph.model import Pathway

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
FILES = sorted([DATA / "tiny.yaml", DATA / "checks" / "checks.yaml", ROOT / "graphs" / "vcf-management.yaml",
                ROOT / "graphs" / "examples" / "ottawa-ankle.yaml", ROOT / "graphs" / "examples" / "curb-65.yaml",
                *(DATA / "mutants").glob("*.yaml")])


def _paths_by_networkx(pathway: Pathway) -> int | None:
    g = answer_graph(pathway)
    sub = g.subgraph(nx.descendants(g, pathway.entry) | {pathway.entry})
    if not nx.is_directed_acyclic_graph(sub):
        return None
    counts: dict[str, int] = {}
    for node_id in reversed(list(nx.topological_sort(sub))):
        counts[node_id] = 1 if pathway.node(node_id).terminal else sum(counts[e.target] for e in pathway.out_edges(node_id))
    return counts[pathway.entry]


def _cycles_by_networkx(pathway: Pathway) -> list[list[str]]:
    g = answer_graph(pathway)
    order = {n.id: i for i, n in enumerate(pathway.nodes)}
    comps = [sorted(c, key=order.__getitem__) for c in nx.strongly_connected_components(g)
             if len(c) > 1 or any(g.has_edge(n, n) for n in c)]
    return sorted(comps, key=lambda c: order[c[0]])


def _generated(nodes: int) -> Pathway:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from gen_pathway import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return generate(nodes)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_paths_and_cycles_agree_with_networkx(path: Path) -> None:
    pathway = load_pathway(path)
    assert count_paths(pathway) == _paths_by_networkx(pathway)
    assert cycle_components(pathway) == _cycles_by_networkx(pathway)


def test_a_cycle_makes_the_count_none_and_is_found() -> None:
    pathway = load_pathway(DATA / "mutants" / "cycle.yaml")
    assert count_paths(pathway) is None
    assert cycle_components(pathway)


def test_a_generated_pathway_agrees_with_networkx() -> None:
    pathway = _generated(1000)
    assert count_paths(pathway) == _paths_by_networkx(pathway) > 1000
    assert cycle_components(pathway) == [] == _cycles_by_networkx(pathway)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
@pytest.mark.slow
def test_the_answers_possible_at_a_question_are_those_the_full_split_finds(path: Path) -> None:
    """explore's ``locally_possible`` classifies combinations without building regions and stops
    once every answer is seen; the full split of the question's case space must agree."""
    from vcfgraph.analysis.regions import domains_of, split
    from vcfgraph.analysis.walk import Exploration, _Question, explore

    pathway = load_pathway(path)
    ex = explore(pathway)
    domains = domains_of(pathway.facts)
    for node_id, possible in ex.locally_possible.items():
        q = _Question(pathway, pathway.node(node_id), Exploration(pathway, domains))
        keys = split({}, q.names, q.classify, domains)
        assert possible == frozenset(k[1] for k in keys if k[0] == "edge"), node_id


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_the_plain_adjacency_is_the_networkx_graph(path: Path) -> None:
    pathway = load_pathway(path)
    plain, g = AnswerGraph(pathway), answer_graph(pathway)
    assert list(plain) == list(g)
    assert {n: list(s) for n, s in plain.succ.items()} == {n: list(s) for n, s in g.succ.items()}
    assert {n: list(p) for n, p in plain.pred.items()} == {n: list(p) for n, p in g.pred.items()}
