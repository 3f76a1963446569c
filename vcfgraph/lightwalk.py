"""The engine's walk without its explanations, for the many single-fact changes of a what-if.

:func:`walk` ends where :func:`vcfgraph.engine.trace` ends (the outcome, the terminal, the
usually-appropriate list after the patient-level checks, the still-possible outcomes) and
returns None where the engine raises a :class:`~vcfgraph.errors.RouteError`, but it writes no
step, reason or caution. :func:`changed` walks a fact set that differs from an earlier one in a
single fact: the questions before the first that reads that fact answer as before, so it resumes
there. An :class:`Index` (one per pathway, :func:`index`) holds what the walk looks up, and the
answers of every question per the values of the facts it reads (a bounded memo: a question's
conditions read nothing else; a whole number counts by the interval between the constants its
tests there compare it with).

It leaves explanations, reports and ranking to :mod:`vcfgraph.engine` and :mod:`vcfgraph.whatif`;
tests/test_whatif_fast.py holds it to the engine over the case space.
"""

from __future__ import annotations

import weakref
from bisect import bisect_right
from dataclasses import dataclass, replace
from typing import Iterator, Mapping

from vcfgraph.conditions import Condition, Test, Value, evaluate, facts_read, is_number, tests
from vcfgraph.model import Check, Edge, Pathway, Rating
from vcfgraph.scale import OFFERED_SLOTS, SLOT_ORDER

__all__ = ["End", "Index", "index", "walk", "changed"]

#: (how the walk goes on, the targets the still-possible outcomes follow): the walk goes on to a
#: target (a str), waits on answers (a tuple of edges) or cannot go on (None: a route error)
Decision = tuple[str | tuple[Edge, ...] | None, tuple[str, ...]]

#: at most this many decisions are remembered per pathway, over all its questions
BUDGET = 1 << 18


@dataclass(frozen=True)
class End:
    """Where a walk ends: what a what-if compares and a question ranking counts."""

    outcome: str
    terminal: str | None
    ua: tuple[str, ...]
    possible: tuple[str, ...]
    #: the questions passed, in order (in need_info the last one is the undecided question, or the
    #: variant whose rules wait on a fact)
    questions: tuple[str, ...]
    #: in need_info, the answers the walk waits on (the ``otherwise`` answer last)
    waiting: tuple[Edge, ...] = ()

    @property
    def key(self) -> tuple[str, str | None, tuple[str, ...]]:
        """(outcome, terminal, UA list): what a what-if change must move."""
        return self.outcome, self.terminal, self.ua


#: how a question's memo key reads one fact: (name, the points where a whole number can change
#: the answers, or None to keep the value itself, the facts read only while this one is not known)
_Part = tuple[str, "tuple[int, ...] | None", "tuple[tuple[str, tuple[int, ...] | None], ...]"]


@dataclass
class _Question:
    edges: tuple[Edge, ...]
    conditions: tuple[Condition, ...]
    memo: dict[tuple[object, ...], Decision]
    #: the key's parts; when no fact needs more than its value, the names alone (``plain``)
    parts: tuple[_Part, ...]
    plain: tuple[str, ...] | None

    def key(self, facts: Mapping[str, Value]) -> tuple[object, ...]:
        """The values the answers depend on: each fact the tests read (a whole number by its
        interval), and the facts of a "not recorded" policy's condition only while the fact
        it stands for is not known (the engine reads them only then)."""
        if self.plain is not None:
            return tuple(map(facts.get, self.plain))
        out: list[object] = []
        for name, bounds, when in self.parts:
            value = facts.get(name)
            if value is not None:
                out.append(value if bounds is None else bisect_right(bounds, value))
                continue
            out.append(None)
            for other, other_bounds in when:
                v = facts.get(other)
                out.append(v if other_bounds is None or v is None else bisect_right(other_bounds, v))
        return tuple(out)


def _question(pathway: Pathway, edges: tuple[Edge, ...]) -> _Question:
    conds = tuple(e.condition for e in edges if e.condition is not None)
    when: dict[str, dict[str, None]] = {}
    for test in (t for c in conds for t in tests(c)):
        names = when.setdefault(test.fact, {})
        if test.assume is not None and test.op != "is_known" and test.assume_when is not None:
            names.update(dict.fromkeys(facts_read(test.assume_when)))
    parts = tuple((name, _bounds(pathway, name, conds), tuple((o, _bounds(pathway, o, conds)) for o in others))
                  for name, others in when.items())
    plain = tuple(when) if not any(b or w for _, b, w in parts) else None
    return _Question(edges, conds, {}, parts, plain)


def _tests(cond: Condition) -> Iterator[Test]:
    for test in tests(cond):
        yield test
        if test.assume_when is not None:
            yield from _tests(test.assume_when)


def _bounds(pathway: Pathway, name: str, conds: tuple[Condition, ...]) -> tuple[int, ...] | None:
    """Where a whole-number fact's tests in ``conds`` can change their result: every constant c
    and c + 1 (``< c``, ``<= c``, ``== c`` and the ends of a range all fall on one); None when the
    fact is not a whole number or a test compares it with anything else."""
    if not pathway.has_fact(name) or pathway.fact(name).type != "int":
        return None
    points: set[int] = set()
    for test in (t for c in conds for t in _tests(c) if t.fact == name and t.op != "is_known"):
        constants = test.value if test.op in ("in", "between") else (test.value,)
        for c in constants:
            if c is None and test.op in ("eq", "ne", "in"):
                continue  # a test of "not known" only: the key keeps None as it is
            if not is_number(c):
                return None
            points.update((c, c + 1))
    return tuple(sorted(points))


class Index:
    """What the walk looks up in one pathway, built once.

    Args:
        pathway: a checked pathway.
        memo: how many decisions to remember per question (0: none, for facts whose values
            may lie outside their domains, where ``1`` and ``true`` must not share an entry, nor a
            number and a word).
    """

    def __init__(self, pathway: Pathway, memo: int = 4096) -> None:
        self.pathway = pathway
        self.memo = memo
        #: decisions remembered over all questions, and at most how many (memory stays bounded
        #: however large the pathway and however varied the cases)
        self.kept, self.budget = 0, BUDGET
        self.questions: dict[str, _Question] = {}
        for node in pathway.nodes:
            if node.kind == "question":
                self.questions[node.id] = _question(pathway, pathway.out_edges(node.id))
        #: per question, every fact its answers read
        self.reads = {n: frozenset(name for c in q.conditions for name in facts_read(c))
                      for n, q in self.questions.items()}
        self.order = {n.id: i for i, n in enumerate(pathway.nodes)}
        #: per variant, its own usually-appropriate actions with the checks that set them apart,
        #: then per rule (in file order) the rule's
        self.ua: dict[str, tuple[tuple[str, tuple[Check, ...]], ...]] = {}
        self.rule_ua: dict[str, tuple[tuple[Condition, tuple[str, ...], tuple[tuple[str, tuple[Check, ...]], ...]], ...]] = {}
        #: per variant, the facts its patient-level checks and its rules read
        self.check_reads: dict[str, frozenset[str]] = {}
        #: per variant, every action it rates itself (a rule that rates one of them clashes)
        self.own: dict[str, tuple[str, ...]] = {}
        for node in pathway.of_kind("variant"):
            self.own[node.id] = tuple(r.action for r in node.ratings)
            reads: set[str] = set()
            self.ua[node.id] = self._ua(node.id, node.ratings, reads)
            self.rule_ua[node.id] = tuple((rule.when, tuple(r.action for r in rule.ratings),
                                           self._ua(node.id, rule.ratings, reads)) for rule in node.rules)
            reads.update(name for rule in node.rules for name in facts_read(rule.when))
            self.check_reads[node.id] = frozenset(reads)
            if node.rules:  # a walk that waits on the rules ends its questions with the variant
                self.reads[node.id] = frozenset(name for rule in node.rules for name in facts_read(rule.when))
        self._below: dict[str, frozenset[str]] = {}

    def _ua(self, variant: str, ratings: "tuple[Rating, ...]", reads: set[str]) -> tuple[tuple[str, tuple[Check, ...]], ...]:
        """The usually-appropriate actions of ``ratings`` in the engine's order, each with the
        checks that set it apart; adds the facts every check on them reads to ``reads``."""
        ua: list[tuple[str, tuple[Check, ...]]] = []
        for rating in sorted(ratings, key=lambda r: SLOT_ORDER[r.slot]):
            checks = self.pathway.checks_for(variant, rating.action)
            reads.update(name for c in checks for name in facts_read(c.requires))
            if rating.slot == "UA":
                offered = rating.slot in OFFERED_SLOTS
                ua.append((rating.action, tuple(c for c in checks if offered and c.on_fail == "set_apart")))
        return tuple(ua)

    def decide(self, question: _Question, facts: Mapping[str, Value]) -> Decision:
        """The engine's decision at a question (:func:`vcfgraph.engine._decide`) and the answers
        :func:`vcfgraph.engine.possible_outcomes` follows there."""
        if not self.memo:
            return _decide(question, [evaluate(c, facts) for c in question.conditions])
        key = question.key(facts)
        found = question.memo.get(key)
        if found is None:
            found = _decide(question, [evaluate(c, facts) for c in question.conditions])
            if len(question.memo) < self.memo and self.kept < self.budget:
                question.memo[key] = found
                self.kept += 1
        return found

    def below(self, node_id: str) -> frozenset[str]:
        """Every fact a question at or below ``node_id`` reads."""
        found = self._below.get(node_id)
        if found is None:
            seen, todo = {node_id}, [node_id]
            while todo:
                for edge in self.pathway.out_edges(todo.pop()):
                    if edge.target not in seen:
                        seen.add(edge.target)
                        todo.append(edge.target)
            found = self._below[node_id] = frozenset().union(*(self.reads.get(n, frozenset()) for n in seen))
        return found


def _decide(question: _Question, results: list[bool | None]) -> Decision:
    conditioned = [e for e in question.edges if e.condition is not None]
    holding = [e for e, r in zip(conditioned, results) if r is True]
    undecided = tuple(e for e, r in zip(conditioned, results) if r is None)
    otherwise = [e for e in question.edges if e.condition is None]
    follow = holding or list(undecided) + otherwise
    targets = tuple(e.target for e in follow)
    if len(holding) > 1:
        return None, targets  # two answers hold
    if holding:
        return holding[0].target, targets
    if undecided:
        return undecided + tuple(otherwise[:1]), targets
    return (otherwise[0].target if otherwise else None), targets


_INDEXES: dict[tuple[int, bool], tuple[weakref.ref[Pathway], Index]] = {}


def index(pathway: Pathway, memo: bool = True) -> Index:
    """The pathway's index, built on first use and kept while the pathway lives.

    Args:
        pathway: a checked pathway.
        memo: remember decisions per question; pass False unless every value is in its domain.
    """
    key = (id(pathway), memo)
    found = _INDEXES.get(key)
    if found is not None and found[0]() is pathway:
        return found[1]
    made = Index(pathway, 4096 if memo else 0)
    _INDEXES[key] = (weakref.ref(pathway), made)
    weakref.finalize(pathway, _INDEXES.pop, key, None)
    return made


def walk(index: Index, facts: Mapping[str, Value], node_id: str | None = None,
         passed: tuple[str, ...] = ()) -> End | None:
    """Walk ``facts`` from ``node_id`` (default the entry), the questions ``passed`` already
    answered; None where :func:`vcfgraph.engine.trace` raises a route error."""
    pathway = index.pathway
    node_id = pathway.entry if node_id is None else node_id
    questions = list(passed)
    seen = set(passed)
    while True:
        if node_id in seen:
            return None  # the walk came back
        seen.add(node_id)
        question = index.questions.get(node_id)
        if question is None:
            return _finish(index, node_id, facts, tuple(questions))
        questions.append(node_id)
        going, _ = index.decide(question, facts)
        if going is None:
            return None
        if isinstance(going, tuple):
            return End("need_info", None, (), possible(index, going, facts), tuple(questions), going)
        node_id = going


def possible(index: Index, waiting: tuple[Edge, ...], facts: Mapping[str, Value]) -> tuple[str, ...]:
    """The outcomes still possible past the answers ``waiting``, in file order."""
    found: set[str] = set()
    memo: dict[str, frozenset[str]] = {}
    for edge in waiting:
        found |= _outcomes(index, edge.target, facts, memo)
    return tuple(sorted(found, key=index.order.__getitem__))


def _outcomes(index: Index, node_id: str, facts: Mapping[str, Value], memo: dict[str, frozenset[str]]) -> frozenset[str]:
    """:func:`vcfgraph.engine.possible_outcomes`, reading the decisions' memo."""
    if node_id in memo:
        return memo[node_id]
    memo[node_id] = frozenset()  # guards against cycles, as the engine does
    question = index.questions.get(node_id)
    if question is None:
        result = frozenset({node_id})
    else:
        result = frozenset().union(*(_outcomes(index, t, facts, memo) for t in index.decide(question, facts)[1]))
    memo[node_id] = result
    return result


def _finish(index: Index, node_id: str, facts: Mapping[str, Value], questions: tuple[str, ...]) -> End | None:
    kind = index.pathway.node(node_id).kind
    if kind == "handoff":
        return End("handoff", node_id, (), (), questions)
    if kind != "variant":
        return None  # a route cannot end there
    given = index.ua[node_id]
    rules = index.rule_ua[node_id]
    if rules:
        results = [evaluate(when, facts) for when, _, _ in rules]
        if None in results:  # the engine asks for the facts that settle the rules
            return End("need_info", None, (), (node_id,), questions + (node_id,))
        fired = [rule for rule, holds in zip(rules, results) if holds]
        rated = list(index.own[node_id]) + [a for _, actions, _ in fired for a in actions]
        if len(rated) != len(set(rated)):
            return None  # two contributions that hold rate one action: a route error
        given = given + tuple(item for _, _, ua in fired for item in ua)
    ua = tuple(action for action, apart in given if not any(evaluate(c.requires, facts) is False for c in apart))
    return End("variant", node_id, ua, (), questions)


def changed(index: Index, base: End, facts: Mapping[str, Value], name: str) -> End | None:
    """The walk of ``facts``, which differ from those that gave ``base`` in fact ``name`` only.

    A question that does not read ``name`` answers as it did, so only the questions of the route
    that read it are asked again; where one answers otherwise, the walk goes on from there.
    """
    route = base.questions
    if base.outcome == "need_info" and not base.waiting:  # stopped at a variant's rules
        route = route[:-1]
        base = replace(base, outcome="variant", terminal=base.questions[-1], questions=route)
    for i, question in enumerate(route):
        if name not in index.reads[question]:
            continue
        going, _ = index.decide(index.questions[question], facts)
        if i + 1 < len(route):
            before: str | tuple[Edge, ...] | None = route[i + 1]
        else:
            before = base.waiting if base.outcome == "need_info" else base.terminal
        if going == before:
            continue
        if going is None:
            return None
        if isinstance(going, tuple):
            return End("need_info", None, (), possible(index, going, facts), route[:i + 1], going)
        return walk(index, facts, going, route[:i + 1])
    if base.outcome == "variant":
        assert base.terminal is not None
        return _finish(index, base.terminal, facts, route)
    if base.outcome == "need_info":
        return replace(base, possible=possible(index, base.waiting, facts))
    return base
