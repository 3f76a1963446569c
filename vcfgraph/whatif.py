"""Counterfactuals and the best next question, computed from the facts' finite domains.

:func:`what_if` lists every single-fact change to a known value that would change a case's
outcome, terminal or usually-appropriate list ("not known" is never proposed: forgetting a fact
is not a change a clinician can act on). A change of a ``fixed`` fact (the past or the person:
age, earlier surgery) that is already recorded is marked hypothetical: "if this were different". :func:`questions_ranked` ranks, in ``need_info``, the unknown facts by
the expected number of still-possible outcomes an answer would rule out (the mean over the
fact's domain), ties broken by the fact's ``source`` order, then file order; a red flag that no
"not recorded" policy reads and whose answer can rule an outcome out comes before all of them.

Each single-fact change is walked by :mod:`vcfgraph.lightwalk` (the engine's walk without its
explanations, resumed at the first question that reads the changed fact), and the results are
kept per fact set, so that ``trace --json`` costs about what a trace costs; tests/test_whatif_fast.py
holds them to a plain walk of :func:`vcfgraph.engine.trace` per change. The browser twin
(``render/static/twin.js``) computes the same lists and tests/test_twin.py holds the two to each other.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import Mapping

from vcfgraph.conditions import Value, evaluate, is_number
from vcfgraph.lightwalk import End, Index, changed, index, walk
from vcfgraph.model import Fact, Pathway

__all__ = ["Change", "Question", "what_if", "questions_ranked", "value_class", "value_words", "json_fields"]


@dataclass(frozen=True)
class Change:
    """One fact set to one value, and what the walk then gives."""

    fact: str
    value: Value
    outcome: str
    terminal: str | None
    ua: tuple[str, ...]
    #: the fact describes the past or the person and is recorded: "if this were different",
    #: not something a work-up can still establish
    hypothetical: bool = False


@dataclass(frozen=True)
class Question:
    """An unknown fact and the expected number of still-possible outcomes its answer rules out."""

    fact: str
    expected: float


def value_class(fact: Fact, value: Value) -> Value:
    """The representative of ``value``'s class: an int stands for the start of its interval (a
    value that is not a whole number, in an unchecked case, stands for itself)."""
    if value is None or fact.type != "int" or not is_number(value):
        return value
    assert isinstance(value, int)
    return next((low for low, high in fact.intervals() if low <= value <= high), value)


def value_words(fact: Fact, value: Value) -> str:
    """A what-if value in words: an int stands for its interval ("under 18", "18 to 49",
    "50 or over", with the fact's unit); other values as a pathway file writes them."""
    from vcfgraph.conditions import format_value

    if value is None or fact.type != "int":
        return format_value(value) if value is not None else "not known"
    unit = f" {fact.unit}" if fact.unit else ""
    assert isinstance(value, int)  # an int fact's value
    low, high = next(((lo, hi) for lo, hi in fact.intervals() if lo <= value <= hi), (value, value))
    if low == high:
        return f"{low}{unit}"
    if low == fact.min:
        return f"under {high + 1}{unit}"
    if high == fact.max:
        return f"{low} or over{unit}" if not unit else f"{low}{unit} or over"
    return f"{low} to {high}{unit}"


def _same(a: Value, b: Value) -> bool:
    return type(a) is type(b) and a == b


Results = tuple[tuple["Change", ...], tuple["Question", ...]]


class _Cache:
    """The last results per fact set, for one pathway (a service asked the same case again)."""

    SIZE = 4096

    def __init__(self) -> None:
        self.results: OrderedDict[tuple[object, ...], Results] = OrderedDict()
        self.lock = Lock()

    def get(self, key: tuple[object, ...]) -> Results | None:
        with self.lock:
            found = self.results.get(key)
            if found is not None:
                self.results.move_to_end(key)
            return found

    def keep(self, key: tuple[object, ...], result: Results) -> None:
        with self.lock:
            self.results[key] = result
            while len(self.results) > self.SIZE:
                self.results.popitem(last=False)


_CACHES: weakref.WeakKeyDictionary[Index, _Cache] = weakref.WeakKeyDictionary()


def _results(pathway: Pathway, facts: Mapping[str, Value]) -> Results:
    """The what-if changes and the ranked questions, from the cache when these facts were seen."""
    clean = all(v is None or (pathway.has_fact(n) and pathway.fact(n).accepts(v)) for n, v in facts.items())
    idx = index(pathway, memo=clean)
    if not clean:
        return _compute(idx, facts)
    cache = _CACHES.get(idx)
    if cache is None:
        cache = _CACHES.setdefault(idx, _Cache())
    key = tuple(sorted((n, v) for n, v in facts.items() if v is not None))
    found = cache.get(key)
    if found is None:
        found = _compute(idx, facts)
        cache.keep(key, found)
    return found


def _compute(idx: Index, facts: Mapping[str, Value]) -> Results:
    base = walk(idx, facts)
    return (_what_if(idx, base, facts), _ranked(idx, base, facts)) if base is not None else ((), ())


def what_if(pathway: Pathway, facts: Mapping[str, Value]) -> list[Change]:
    """Every single-fact change that changes the outcome, the terminal or the UA list.

    Args:
        pathway: a checked pathway.
        facts: the case's facts (absent or None: not known).

    Returns:
        Changes in fact order, each fact's values in domain order (never "not known"); a
        change the pathway cannot decide (a route error) is left out, and so is everything
        when the case itself cannot be decided.
    """
    return list(_results(pathway, facts)[0])


def _what_if(idx: Index, base: End, facts: Mapping[str, Value]) -> tuple[Change, ...]:
    relevant = _facts_that_matter(idx, base)
    out = []
    for fact in idx.pathway.facts:
        if fact.name not in relevant:
            continue  # no question on the route and no check at its end reads it: nothing can move
        current = value_class(fact, facts.get(fact.name))
        for value in fact.domain():
            if _same(value, current):
                continue
            end = changed(idx, base, {**facts, fact.name: value}, fact.name)
            if end is not None and end.key != base.key:
                out.append(Change(fact.name, value, end.outcome, end.terminal, end.ua, fact.fixed and current is not None))
    return tuple(out)


def _facts_that_matter(idx: Index, base: End) -> frozenset[str]:
    """The facts whose change can change the route's outcome, terminal or UA list: those read by
    a question on the route (the walk up to the first differing question is the same), and those
    read by the patient-level checks on the actions the reached variant rates (a failed check
    sets an action apart, which moves it out of the UA list)."""
    names = frozenset().union(*(idx.reads[q] for q in base.questions))
    if base.outcome == "variant" and base.terminal:
        names |= idx.check_reads.get(base.terminal, frozenset())
    return names


def _rules_at(end: End) -> str | None:
    """The variant whose rules the walk waits on, when it waits on a variant's rules."""
    return end.questions[-1] if end.outcome == "need_info" and not end.waiting and end.questions else None


def _left(end: End | None) -> tuple[str, ...] | None:
    if end is None:
        return None
    return end.possible if end.outcome == "need_info" else (end.terminal or "",)


def questions_ranked(pathway: Pathway, facts: Mapping[str, Value]) -> list[Question]:
    """The unknown facts, best question first, for a case in ``need_info``.

    Args:
        pathway: a checked pathway.
        facts: the case's facts.

    Returns:
        Facts whose answer rules out at least one still-possible outcome on average (where the
        walk waits on a variant's rules, each of those rules an answer settles counts as one
        more, so the findings the rules read are asked, not only what would leave the variant): red flags
        that no "not recorded" policy reads first, then by expected number ruled out (highest
        first), then ``source`` order, then file order; empty
        when the case is not in need_info. A fact with a value the pathway cannot decide is left out.
    """
    return list(_results(pathway, facts)[1])


def _ranked(idx: Index, base: End, facts: Mapping[str, Value]) -> tuple[Question, ...]:
    if base.outcome != "need_info":
        return ()
    # a fact read by no question on the route nor below the answers it waits on leaves the
    # still-possible outcomes as they are: it rules nothing out
    relevant = _facts_that_matter(idx, base).union(*(idx.below(e.target) for e in base.waiting))
    at = _rules_at(base)  # a variant whose rules wait: each answer may settle some of them
    open_rules = [when for when, _, _ in idx.rule_ua[at] if evaluate(when, facts) is None] if at else []
    scored = []
    for position, fact in enumerate(idx.pathway.facts):
        if facts.get(fact.name) is not None or fact.name not in relevant:
            continue
        domain = fact.domain()
        total, known = 0, True
        for value in domain:
            after = {**facts, fact.name: value}
            end = changed(idx, base, after, fact.name)
            left = _left(end)
            if end is None or left is None:
                known = False
                break
            total += sum(1 for o in base.possible if o not in left)
            if open_rules and (_rules_at(end) == at or (end.outcome == "variant" and end.terminal == at)):
                total += sum(1 for when in open_rules if evaluate(when, after) is not None)
        if known and total > 0:
            first = 0 if fact.asked_first(facts) else 1
            scored.append((first, -(total / len(domain)), fact.source_rank, position, Question(fact.name, total / len(domain))))
    return tuple(q for *_, q in sorted(scored, key=lambda s: s[:4]))


def json_fields(pathway: Pathway, facts: Mapping[str, Value]) -> dict[str, list[dict[str, object]]]:
    """``what_if`` and ``questions_ranked`` as they appear in ``vcfgraph trace --json``."""
    changes, questions = _results(pathway, facts)
    return {
        "what_if": [{"fact": c.fact, "value": c.value, "outcome": c.outcome, "terminal": c.terminal, "ua": list(c.ua),
                     "hypothetical": c.hypothetical}
                    for c in changes],
        "questions_ranked": [{"fact": q.fact, "expected": q.expected} for q in questions],
    }
