"""The fast what-if (a light walk resumed at the changed fact, memos per question and per fact
set) must print exactly what a plain walk of the engine per change prints.

The reference below is the straightforward version: for every declared fact and every value of
its domain it runs :func:`vcfgraph.engine.trace` on the changed case, with no pruning and no
cache. Both are compared as the JSON text ``trace --json`` writes, over the bundled case library,
every case (both ends of every whole-number interval) of the small pathways, mutants with
overlaps, gaps and cycles included, and a sample of the bundled, Ottawa and CURB-65 case spaces.
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Any, Mapping

import pytest

from tests.casespace import any_value, region_points
from vcfgraph import lightwalk, whatif
from vcfgraph.engine import trace
from vcfgraph.errors import RouteError
from vcfgraph.io import bundled as bundled_data
from vcfgraph.io.load import load_cases, load_pathway
from vcfgraph.model import Case, Fact, Pathway
from vcfgraph.route import Route

DATA = Path(__file__).resolve().parent / "data"
SMALL = sorted([DATA / "tiny.yaml", DATA / "checks" / "checks.yaml", *(DATA / "mutants").glob("*.yaml")])
OTTAWA = Path(__file__).resolve().parent.parent / "graphs" / "examples" / "ottawa-ankle.yaml"
CURB65 = Path(__file__).resolve().parent.parent / "graphs" / "examples" / "curb-65.yaml"


# ------------------------------------------------------------------------------ the reference


def _walk(pathway: Pathway, facts: Mapping[str, Any]) -> Route | None:
    try:
        return trace(pathway, Case("what-if", dict(facts)), validate=False)
    except RouteError:
        return None


def _what_if(pathway: Pathway, facts: Mapping[str, Any]) -> list[dict[str, Any]]:
    base = _walk(pathway, facts)
    if base is None:
        return []
    out = []
    for fact in pathway.facts:
        current = whatif.value_class(fact, facts.get(fact.name))
        for value in fact.domain():
            if type(value) is type(current) and value == current:
                continue
            route = _walk(pathway, {**facts, fact.name: value})
            if route is None:
                continue
            if (route.outcome, route.terminal, route.actions("UA")) != (base.outcome, base.terminal, base.actions("UA")):
                out.append({"fact": fact.name, "value": value, "outcome": route.outcome, "terminal": route.terminal,
                            "ua": list(route.actions("UA")), "hypothetical": fact.fixed and current is not None})
    return out


def _left(route: Route | None) -> tuple[str, ...] | None:
    if route is None:
        return None
    return route.possible if route.outcome == "need_info" else (route.terminal or "",)


def _ranked(pathway: Pathway, facts: Mapping[str, Any]) -> list[dict[str, Any]]:
    base = _walk(pathway, facts)
    if base is None or base.outcome != "need_info":
        return []
    scored = []
    for index, fact in enumerate(pathway.facts):
        if facts.get(fact.name) is not None:
            continue
        domain = fact.domain()
        lefts = [_left(_walk(pathway, {**facts, fact.name: value})) for value in domain]
        known = [left for left in lefts if left is not None]
        if len(known) < len(lefts):
            continue
        total = sum(sum(1 for o in base.possible if o not in left) for left in known)
        # waiting on a variant's rules: each open rule an answer settles counts too
        at = base.steps[-1].node if base.rules else None
        open_rules = {r.rule for r in base.rules if r.state == "undecided"}
        for value in domain if at else ():
            after = _walk(pathway, {**facts, fact.name: value})
            assert after is not None
            if after.rules and (after.terminal or after.steps[-1].node) == at:
                total += sum(1 for r in after.rules if r.rule in open_rules and r.state != "undecided")
        if total > 0:
            first = 0 if fact.asked_first(facts) else 1
            scored.append((first, -(total / len(domain)), fact.source_rank, index,
                           {"fact": fact.name, "expected": total / len(domain)}))
    return [q for *_, q in sorted(scored, key=lambda s: s[:4])]


def reference(pathway: Pathway, facts: Mapping[str, Any]) -> str:
    return json.dumps({"what_if": _what_if(pathway, facts), "questions_ranked": _ranked(pathway, facts)})


def fast(pathway: Pathway, facts: Mapping[str, Any]) -> str:
    return json.dumps(whatif.json_fields(pathway, facts))


def _agree(pathway: Pathway, cases: list[dict[str, Any]]) -> None:
    assert cases
    for facts in cases:
        assert fast(pathway, facts) == reference(pathway, facts), facts


# ------------------------------------------------------------------------------ the comparisons


def _ends(fact: Fact) -> tuple[Any, ...]:
    """Every value class of a fact with both ends of a whole-number interval, and None."""
    if fact.type != "int":
        return (*fact.domain(), None)
    return (*sorted({v for interval in fact.intervals() for v in interval}), None)


@pytest.mark.slow
def test_the_bundled_case_library_agrees(bundled):
    cases = [case.facts for path in sorted(bundled_data.cases_folder().glob("*.yaml"))
             for case in load_cases(bundled, path)]
    assert len(cases) >= 60
    _agree(bundled, cases)


@pytest.mark.parametrize("path", SMALL, ids=lambda p: p.stem)
@pytest.mark.slow
def test_every_case_of_a_small_pathway_agrees(path):
    """Mutants put route errors (two answers, none, a cycle) on the changes and the bases."""
    pathway = load_pathway(path)
    names = [f.name for f in pathway.facts]
    cases = [dict(zip(names, values)) for values in itertools.product(*(_ends(f) for f in pathway.facts))]
    _agree(pathway, cases)


@pytest.mark.slow
def test_a_sample_of_the_bundled_and_ottawa_case_spaces_agrees(bundled):
    _agree(bundled, region_points(bundled, 1)[7::60])
    ottawa = load_pathway(OTTAWA)
    rng = random.Random(27)
    _agree(ottawa, region_points(ottawa, 1)[::5] + [{f.name: any_value(f, rng) for f in ottawa.facts} for _ in range(300)])


@pytest.mark.slow
def test_a_sample_of_the_curb65_case_space_agrees():
    """Points conditions with no "not recorded" policy: the what-if rows of a need_info stop."""
    curb = load_pathway(CURB65)
    rng = random.Random(65)
    _agree(curb, region_points(curb, 1)[::3] + [{f.name: any_value(f, rng) for f in curb.facts} for _ in range(200)])


@pytest.mark.slow
def test_values_outside_their_domains_agree_without_the_memo(bundled):
    """An unchecked case (``1`` for a yes/no fact, an age out of range) is walked without the
    per-question memo, where ``1`` and ``true`` would share an entry."""
    rng = random.Random(5)
    base = [{f.name: any_value(f, rng) for f in bundled.facts} for _ in range(20)]
    odd = [facts | {"neurologic_deficit": 1, "age": 400} for facts in base] + [facts | {"symptomatic": 0} for facts in base]
    odd += [facts | {"age": "old", "number_of_fractures": True, "imaging_done": 3} for facts in base[:5]]
    _agree(bundled, odd)
    clean = [{k: v for k, v in facts.items() if k not in ("neurologic_deficit", "symptomatic")} for facts in base]
    _agree(bundled, clean)  # the memo that the odd cases left alone still answers right


def test_a_repeated_fact_set_is_answered_from_the_cache_and_stays_unchanged(bundled):
    facts = {"decision_stage": "next_imaging", "symptomatic": True, "age": 70}
    first = whatif.json_fields(bundled, facts)
    first["what_if"].clear()
    first["questions_ranked"].append({"fact": "spoilt"})
    assert fast(bundled, facts) == reference(bundled, facts)
    assert whatif.json_fields(bundled, dict(reversed(list(facts.items())))) == whatif.json_fields(bundled, facts)


def test_the_question_memo_stays_bounded_and_right(bundled):
    index = lightwalk.Index(bundled, memo=8)
    rng = random.Random(11)
    for _ in range(150):
        facts = {f.name: any_value(f, rng) for f in bundled.facts}
        end = lightwalk.walk(index, facts)
        route = _walk(bundled, facts)
        assert (end is None) == (route is None)
        if end is not None and route is not None:
            assert end.key == (route.outcome, route.terminal, route.actions("UA"))
            assert end.possible == route.possible
            assert end.questions == tuple(s.node for s in route.steps)
    assert all(len(q.memo) <= 8 for q in index.questions.values())
    assert sum(len(q.memo) for q in index.questions.values()) == index.kept > 8


def test_the_memo_of_all_questions_has_one_budget(bundled):
    index = lightwalk.Index(bundled)
    index.budget = 20
    rng = random.Random(12)
    for _ in range(100):
        facts = {f.name: any_value(f, rng) for f in bundled.facts}
        end, route = lightwalk.walk(index, facts), _walk(bundled, facts)
        assert (end and end.key) == (route and (route.outcome, route.terminal, route.actions("UA")))
    assert sum(len(q.memo) for q in index.questions.values()) == index.kept == 20


def test_a_whole_number_counts_by_its_interval_in_the_memo(bundled):
    """Two ages on one side of every cut the age question reads share one memo entry; an age
    across a cut does not."""
    index = lightwalk.Index(bundled)
    question = index.questions["q_age"]
    assert question.key({"age": 30}) == question.key({"age": 31}) != question.key({"age": 17})
    assert question.key({"age": None}) == (None,)
