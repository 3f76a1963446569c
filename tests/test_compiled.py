"""The compiled evaluator agrees with engine.trace on every case.

1. The bundled pathway's whole case space, enumerated by regions (tests/casespace.py): every
   box of the symbolic walk, split at variants by every patient-level check, gives its minimal
   case and random cases inside it, so every region of identical behaviour is tried.
2. Random small pathways and random cases (hypothesis), overlapping answers, cycles and answers
   that lead to an action included.
"""

from __future__ import annotations

from typing import Any, Mapping

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vcfgraph.batch.compile import Evaluator, compile_pathway
from vcfgraph.batch.results import RowResult, result_from_route
from vcfgraph.conditions import AllOf, AnyOf, Condition, Not, Test
from vcfgraph.engine import trace
from vcfgraph.errors import RouteError
from vcfgraph.model import Case, Check, Edge, Fact, Meta, Node, Pathway, Rating

from tests.casespace import region_points

Facts = dict[str, Any]


def traced(pathway: Pathway, facts: Mapping[str, Any]) -> RowResult | str:
    """What trace says of a case: its result, or its route error message."""
    try:
        return result_from_route(trace(pathway, Case("c", dict(facts))))
    except RouteError as exc:
        return str(exc)


def compiled(evaluator: Evaluator, rows: list[Facts]) -> list[RowResult | str]:
    results, errors = evaluator.evaluate_facts(rows)
    return [errors.get(i, r) for i, r in enumerate(results)]


# ------------------------------------------------------------------ the bundled case space


@pytest.mark.slow
def test_case_space_of_the_bundled_pathway(bundled: Pathway) -> None:
    points = region_points(bundled, draws=4)
    assert len(points) > 5000  # every region of the walk, split by the checks, five cases each
    got = compiled(Evaluator(compile_pathway(bundled)), points)
    expected = [traced(bundled, p) for p in points]
    mismatches = [(p, g, e) for p, g, e in zip(points, got, expected) if g != e]
    assert not mismatches, f"{len(mismatches)} of {len(points)} points differ; first: {mismatches[0]}"
    outcomes = {e.outcome if isinstance(e, RowResult) else "route_error" for e in expected}
    assert outcomes == {"variant", "handoff", "need_info"}
    terminals = {e.terminal for e in expected if isinstance(e, RowResult) and e.terminal}
    assert terminals == {n.id for n in bundled.nodes if n.terminal}
    assert any(isinstance(e, RowResult) and e.contraindicated for e in expected)


def test_tiny_pathway_rows(tiny: Pathway) -> None:
    rows = [
        {"pain": False},
        {"pain": False, "block": "bleeding"},
        {"pain": True, "levels": 1},
        {"pain": True, "levels": 2, "block": "bleeding"},
        {"pain": True},
        {},
    ]
    got = compiled(Evaluator(compile_pathway(tiny)), rows)
    assert got == [
        RowResult("variant", "V_quiet", (), ("a_rest",), (), ("a_cement",), ()),
        RowResult("variant", "V_quiet", (), ("a_rest",), (), ("a_cement",), ()),  # UNA: stays in its list
        RowResult("variant", "V_sore", (), ("a_cement",), ("a_mri",), (), ()),
        RowResult("handoff", "H_refer"),
        RowResult("need_info", None, ("levels",)),
        RowResult("need_info", None, ("pain",)),
    ]


# ------------------------------------------------------------------ random pathways

FACTS = (
    Fact("b1", "bool"),
    Fact("b2", "bool"),
    Fact("e", "enum", values=("x", "y", "z")),
    Fact("i", "int", min=0, max=10, cuts=(3, 7)),
)
FACT = {f.name: f for f in FACTS}
ACTIONS = ("a0", "a1", "a2")


def _test_strategy() -> st.SearchStrategy[Test]:
    bool_values = st.sampled_from([True, False, None, 1])
    enum_values = st.sampled_from(["x", "y", "z", None, "w", True])
    int_values = st.sampled_from([0, 2, 3, 4, 7, 8, 10, 11, -1, None, True])
    values = {"b1": bool_values, "b2": bool_values, "e": enum_values, "i": int_values}
    numbers = st.sampled_from([-1, 0, 3, 4, 7, 10, 12])

    @st.composite
    def one(draw: Any) -> Test:
        fact = draw(st.sampled_from([f.name for f in FACTS]))
        op = draw(st.sampled_from(["eq", "ne", "in", "is_known", "lt", "le", "gt", "ge", "between"]))
        if op in ("eq", "ne"):
            return Test(fact, op, draw(values[fact]))
        if op == "in":
            return Test(fact, op, tuple(draw(st.lists(values[fact], min_size=1, max_size=3))))
        if op == "is_known":
            return Test(fact, op, draw(st.booleans()))
        if op == "between":
            low, high = sorted((draw(numbers), draw(numbers)))
            return Test(fact, op, (low, high))
        return Test(fact, op, draw(numbers))

    return one()


def _conditions() -> st.SearchStrategy[Condition]:
    return st.recursive(
        _test_strategy(),
        lambda inner: st.one_of(
            st.builds(lambda items: AllOf(tuple(items)), st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda items: AnyOf(tuple(items)), st.lists(inner, min_size=1, max_size=3)),
            st.builds(Not, inner),
        ),
        max_leaves=5,
    )


@st.composite
def pathways(draw: Any) -> Pathway:
    """A random small pathway: questions in a row, answers to later nodes, two variants, a
    hand-off, sometimes an answer to an action or back to an earlier question (a cycle)."""
    n_questions = draw(st.integers(1, 4))
    questions = [f"q{i}" for i in range(n_questions)]
    terminals = ["V0", "V1", "H0"]
    nodes = [Node(q, "question", q) for q in questions]
    edges = []
    for i, q in enumerate(questions):
        later = questions[i + 1:] + terminals
        if draw(st.integers(0, 9)) == 0:
            later = later + ["a0"] + questions[: i + 1]
        for k in range(draw(st.integers(1, 3))):
            edges.append(Edge(f"{q}->{k}", q, draw(st.sampled_from(later)), f"answer {k}", draw(_conditions())))
        if draw(st.booleans()):
            edges.append(Edge(f"{q}->otherwise", q, draw(st.sampled_from(later)), "otherwise", None))
    categories = st.sampled_from(["UA", "MBA", "UNA"])
    for v in ("V0", "V1"):
        rated = draw(st.lists(st.sampled_from(ACTIONS), unique=True, max_size=3))
        ratings = tuple(Rating(a, draw(categories), None, "", "confirmed", ("S1",)) for a in rated)
        nodes.append(Node(v, "variant", v, ratings=ratings))
    nodes.append(Node("H0", "handoff", "H0"))
    nodes += [Node(a, "action", a) for a in ACTIONS]
    return Pathway(Meta("random", "Random", questions[0]), FACTS, tuple(nodes), tuple(edges), draw(checks()))


@st.composite
def checks(draw: Any) -> tuple[Check, ...]:
    """Random patient-level checks: on one or two actions, at every variant or at one, failing
    by setting apart or by a caution, with or without a caution when not established."""
    out = []
    for k in range(draw(st.integers(0, 3))):
        actions = tuple(draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2, unique=True)))
        variants = draw(st.sampled_from([(), ("V0",), ("V1",)]))
        out.append(Check(f"ck{k}", actions, draw(_conditions()), f"reason {k}", draw(st.sampled_from(["", f"caution {k}"])),
                         draw(st.sampled_from(["set_apart", "caution"])), variants))
    return tuple(out)


def _cases() -> st.SearchStrategy[Facts]:
    return st.fixed_dictionaries({
        "b1": st.sampled_from([True, False, None]),
        "b2": st.sampled_from([True, False, None]),
        "e": st.sampled_from(["x", "y", "z", None]),
        "i": st.one_of(st.none(), st.integers(0, 10)),
    })


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pathways(), st.lists(_cases(), min_size=1, max_size=25))
def test_random_pathways_agree_with_trace(pathway: Pathway, cases: list[Facts]) -> None:
    got = compiled(Evaluator(compile_pathway(pathway)), cases)
    assert got == [traced(pathway, c) for c in cases]


def test_overlapping_answers_name_both_edges(tiny: Pathway) -> None:
    edges = tuple(
        Edge(e.id, e.source, e.target, e.label, Test("pain", "in", (True, False)) if e.id == "q_pain->V_quiet" else e.condition)
        for e in tiny.edges
    )
    broken = Pathway(tiny.meta, tiny.facts, tiny.nodes, edges, tiny.checks)
    got = compiled(Evaluator(compile_pathway(broken)), [{"pain": True, "levels": 1}, {"pain": False}])
    assert got[0] == traced(broken, {"pain": True, "levels": 1})
    assert isinstance(got[0], str) and "'q_pain->q_levels'" in got[0] and "'q_pain->V_quiet'" in got[0]
    assert got[1] == RowResult("variant", "V_quiet", (), ("a_rest",), (), ("a_cement",), ())


def test_evaluator_caches_across_blocks(bundled: Pathway) -> None:
    evaluator = Evaluator(compile_pathway(bundled))
    rows = [{"neurologic_deficit": False, "decision_stage": "next_imaging"}] * 3
    first = compiled(evaluator, rows)
    size = len(evaluator.registry)
    assert compiled(evaluator, rows) == first == [traced(bundled, rows[0])] * 3
    assert len(evaluator.registry) == size
