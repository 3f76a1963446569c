"""Counterfactuals and the best next question, computed from the facts' finite domains.

:func:`what_if` lists every single-fact change to a known value that would change a case's
outcome, terminal or usually-appropriate list ("not known" is never proposed: forgetting a fact
is not a change a clinician can act on). A change of a ``fixed`` fact (the past or the person:
age, earlier surgery) that is already recorded is marked hypothetical: "if this were different". :func:`questions_ranked` ranks, in ``need_info``, the unknown facts by
the expected number of still-possible outcomes an answer would rule out (the mean over the
fact's domain), ties broken by the fact's ``source`` order, then file order; a red flag that no
"not recorded" policy reads and whose answer can rule an outcome out comes before all of them.

Both only call :func:`vcfgraph.engine.trace`; the browser twin (``render/static/twin.js``)
computes the same lists and tests/test_twin.py holds the two to each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from vcfgraph.conditions import Value, facts_read
from vcfgraph.engine import trace
from vcfgraph.errors import RouteError
from vcfgraph.model import Case, Fact, Pathway
from vcfgraph.route import Route

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
    """The representative of ``value``'s class: an int stands for the start of its interval."""
    if value is None or fact.type != "int":
        return value
    return next((low for low, high in fact.intervals() if low <= value <= high), value)  # type: ignore[operator]


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


def _walk(pathway: Pathway, facts: Mapping[str, Value]) -> Route | None:
    try:
        return trace(pathway, Case("what-if", dict(facts)), validate=False)
    except RouteError:
        return None


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
    base = _walk(pathway, facts)
    if base is None:
        return []
    relevant = _facts_that_matter(pathway, base)
    out = []
    for fact in pathway.facts:
        if fact.name not in relevant:
            continue  # no question on the route and no check at its end reads it: nothing can move
        current = value_class(fact, facts.get(fact.name))
        for value in fact.domain():
            if _same(value, current):
                continue
            route = _walk(pathway, {**facts, fact.name: value})
            if route is None:
                continue
            if (route.outcome, route.terminal, route.actions("UA")) != (base.outcome, base.terminal, base.actions("UA")):
                out.append(Change(fact.name, value, route.outcome, route.terminal, route.actions("UA"),
                                  fact.fixed and current is not None))
    return out


def _facts_that_matter(pathway: Pathway, route: Route) -> set[str]:
    """The facts whose change can change the route's outcome, terminal or UA list: those read by
    a question on the route (the walk up to the first differing question is the same), and those
    read by the patient-level checks on the actions the reached variant rates (a failed check
    sets an action apart, which moves it out of the UA list)."""
    names = {name for step in route.steps for name, _ in step.facts}
    if route.outcome == "variant" and route.terminal:
        variant = pathway.node(route.terminal)
        for rating in variant.ratings:
            for check in pathway.checks_for(variant.id, rating.action):
                names.update(facts_read(check.requires))
    return names


def _left(route: Route | None) -> tuple[str, ...] | None:
    if route is None:
        return None
    return route.possible if route.outcome == "need_info" else (route.terminal or "",)


def questions_ranked(pathway: Pathway, facts: Mapping[str, Value]) -> list[Question]:
    """The unknown facts, best question first, for a case in ``need_info``.

    Args:
        pathway: a checked pathway.
        facts: the case's facts.

    Returns:
        Facts whose answer rules out at least one still-possible outcome on average: red flags
        that no "not recorded" policy reads first, then by expected number ruled out (highest
        first), then ``source`` order, then file order; empty
        when the case is not in need_info. A fact with a value the pathway cannot decide is left out.
    """
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
        if total > 0:
            first = 0 if fact.asked_first(facts) else 1
            scored.append((first, -(total / len(domain)), fact.source_rank, index, Question(fact.name, total / len(domain))))
    return [q for *_, q in sorted(scored, key=lambda s: s[:4])]


def json_fields(pathway: Pathway, facts: Mapping[str, Value]) -> dict[str, list[dict[str, object]]]:
    """``what_if`` and ``questions_ranked`` as they appear in ``vcfgraph trace --json``."""
    return {
        "what_if": [{"fact": c.fact, "value": c.value, "outcome": c.outcome, "terminal": c.terminal, "ua": list(c.ua),
                     "hypothetical": c.hypothetical}
                    for c in what_if(pathway, facts)],
        "questions_ranked": [{"fact": q.fact, "expected": q.expected} for q in questions_ranked(pathway, facts)],
    }
