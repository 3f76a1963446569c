"""The symbolic walk is exact: every case lies in exactly one leaf, and the engine agrees with it.

Small pathways (tiny and its mutants) are checked against every case of their finite case space;
the bundled pathway against many random cases (hypothesis), int facts drawn from whole ranges.
"""

from __future__ import annotations

import functools
from itertools import product
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vcfgraph.analysis.regions import _to_boxes, domains_of, intersect, minimal_point, split, split_condition
from vcfgraph.analysis.walk import Leaf, explore
from vcfgraph.conditions import Test
from vcfgraph.engine import trace
from vcfgraph.errors import RouteError
from vcfgraph.io.load import load_pathway
from vcfgraph.model import Case, Fact, Pathway

DATA = Path(__file__).resolve().parent / "data"
MUTANTS = sorted((DATA / "mutants").glob("*.yaml"))


def _in_box(box, facts) -> bool:
    return all(facts.get(name) in values for name, values in box.items())


def _class_of(fact: Fact, value):
    """The class representative of a concrete value."""
    if value is None or fact.type != "int":
        return value
    return next(low for low, high in fact.intervals() if low <= value <= high)


def _engine_says(pathway: Pathway, facts) -> tuple[str, str, tuple[str, ...]]:
    """(outcome, node, edges) from the engine; a RouteError gives gap/overlap/cycle at its node."""
    try:
        route = trace(pathway, Case("probe", facts))
    except RouteError as exc:
        text = str(exc)
        kind = "overlap" if "both hold" in text else "gap" if "no answer" in text else "cycle"
        return kind, exc.node, ()
    node = route.terminal or route.steps[-1].node
    return route.outcome, node, route.edges()


def _leaf_of(leaves: list[Leaf], facts) -> Leaf:
    found = [leaf for leaf in leaves for box in leaf.boxes if _in_box(box, facts)]
    assert len(found) == 1, f"{facts} lies in {len(found)} leaves"
    return found[0]


def _agrees(pathway: Pathway, leaves: list[Leaf], facts, classes) -> None:
    leaf = _leaf_of(leaves, classes)
    outcome, node, edges = _engine_says(pathway, facts)
    assert (leaf.outcome, leaf.node) == (outcome, node), facts
    if outcome in ("variant", "handoff", "need_info"):
        assert leaf.path == edges


@pytest.mark.parametrize("path", [DATA / "tiny.yaml", *MUTANTS], ids=lambda p: p.stem)
def test_every_case_of_a_small_pathway_follows_its_leaf(path: Path) -> None:
    pathway = load_pathway(path)
    ex = explore(pathway)
    doms = domains_of(pathway.facts)
    names = list(doms)
    count = 0
    for combo in product(*doms.values()):
        facts = dict(zip(names, combo))
        _agrees(pathway, ex.leaves, facts, facts)
        count += 1
    assert count == len(list(product(*doms.values())))
    assert sum(1 for _ in ex.leaves) >= 1


def _case_strategy(pathway: Pathway):
    def one(f: Fact):
        if f.type == "bool":
            return st.sampled_from([None, False, True])
        if f.type == "enum":
            return st.sampled_from([None, *f.values])
        return st.one_of(st.none(), st.integers(f.min, f.max))

    return st.fixed_dictionaries({f.name: one(f) for f in pathway.facts})


_BUNDLED = load_pathway()


@functools.cache
def _bundled_leaves() -> list[Leaf]:
    """The bundled pathway's leaves, explored once, on first use (not at collection)."""
    return list(explore(_BUNDLED).leaves)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(_case_strategy(_BUNDLED))
@pytest.mark.slow
def test_random_cases_of_the_bundled_pathway_follow_their_leaf(facts) -> None:
    classes = {name: _class_of(_BUNDLED.fact(name), v) for name, v in facts.items()}
    _agrees(_BUNDLED, _bundled_leaves(), facts, classes)


@pytest.mark.slow
def test_bundled_leaves_cover_exactly_the_paths_the_engine_can_take() -> None:
    outcomes = sorted({(leaf.outcome, leaf.node) for leaf in _bundled_leaves()})
    assert ("need_info", "q_red_flags") in outcomes
    assert not [o for o in outcomes if o[0] in ("gap", "overlap", "cycle")]
    terminals = {n.id for n in _BUNDLED.nodes if n.terminal}
    assert {node for kind, node in outcomes if kind in ("variant", "handoff")} == terminals


# --------------------------------------------------------------------------- regions


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.sets(st.tuples(st.integers(0, 3), st.integers(0, 2), st.sampled_from([None, True, False])), min_size=1))
def test_boxes_cover_a_point_set_exactly_and_disjointly(points) -> None:
    ordered = sorted(points, key=lambda p: (p[0], p[1], str(p[2])))
    boxes = _to_boxes(ordered, 3)
    covered = [p for box in boxes for p in product(*box)]
    assert sorted(covered, key=str) == sorted(points, key=str)
    assert len(covered) == len(set(covered))


def test_split_groups_points_by_class_and_keeps_other_facts() -> None:
    doms = {"a": (False, True, None), "b": (1, 2, 3, None), "c": ("x", "y", None)}
    box = {"c": frozenset({"x"})}
    parts = split(box, ("a", "b"), lambda combo: combo[0] is True and combo[1] in (2, 3), doms)
    true_points = {(a, b) for bx in parts[True] for a in bx.get("a", doms["a"]) for b in bx.get("b", doms["b"])}
    assert true_points == {(True, 2), (True, 3)}
    assert all(bx["c"] == frozenset({"x"}) for bs in parts.values() for bx in bs)
    assert sum(len(list(product(*(bx.get(n, doms[n]) for n in "ab")))) for bs in parts.values() for bx in bs) == 12


def test_split_condition_is_three_valued() -> None:
    doms = {"pain": (False, True, None)}
    parts = split_condition([{}], Test("pain", "eq", True), doms)
    assert parts == {False: [{"pain": frozenset({False})}], True: [{"pain": frozenset({True})}],
                     None: [{"pain": frozenset({None})}]}


def test_minimal_point_leaves_unknown_what_may_be_unknown() -> None:
    doms = {"a": (False, True, None), "b": (1, 2, None), "c": ("x", "y", None)}
    assert minimal_point({"a": frozenset({True}), "b": frozenset({2, None})}, doms) == {"a": True}
    assert minimal_point({"c": frozenset({"y", "x"})}, doms) == {"c": "x"}


def test_intersect() -> None:
    a = {"x": frozenset({1, 2})}
    assert intersect(a, {"x": frozenset({2, 3}), "y": frozenset({True})}) == {"x": frozenset({2}), "y": frozenset({True})}
    assert intersect(a, {"x": frozenset({3})}) is None
