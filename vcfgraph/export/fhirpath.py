"""Condition data as FHIRPath text over a QuestionnaireResponse, with the same three-valued meaning.

A fact is the answer of the QuestionnaireResponse item whose ``linkId`` is the fact's name:
``valueBoolean`` for a bool fact, ``valueInteger`` for an int fact, ``valueCoding`` (code = the
enum value, system = the fact's code system) for an enum fact. An item that is absent, has no
answer, or is answered "not known" (see :mod:`vcfgraph.export.questionnaire`) gives the empty
collection. FHIRPath's own logic on the empty collection is the three-valued (Kleene) logic of
:func:`vcfgraph.conditions.evaluate`: ``{} and false`` is false, ``{} or true`` is true, a
comparison with ``{}`` is ``{}``. So every generated expression evaluates to ``true``, ``false``
or ``{}`` (unknown) exactly where the condition is true, false or unknown.

The rest of the format is written out in the same logic: a fact's "not recorded" policy reads
its declared value when the answer is empty (``iif(v.exists(), v, value)``; a conditional policy
only where its condition is true: ``iif(v.exists(), v, (value).where(condition))``); a named condition
is its definition in brackets; ``at_least`` is the disjunction of the conjunctions of every
``n`` of its items; a points rule is the disjunction of the smallest sets of items whose points
reach the threshold (an item with negative points counts by its negation). Kleene logic over
such monotone forms gives true exactly when the items already decided settle it, which is how
:func:`vcfgraph.conditions.evaluate` counts, so the three values still agree.

The expressions start at ``%resource``, the QuestionnaireResponse (as in SDC's
``enableWhenExpression``). This module only writes text; it never evaluates one.
"""

from __future__ import annotations

from itertools import combinations
from math import comb
from typing import Any, assert_never

from vcfgraph.conditions import AllOf, AnyOf, AtLeast, Condition, Named, Not, Points, Test
from vcfgraph.io.fhir import code_system_name
from vcfgraph.model import Fact, Pathway

__all__ = ["ROOT", "MAX_TERMS", "code_system", "answer", "literal", "condition", "otherwise", "Unsupported"]

#: the resource every expression starts from
ROOT = "%resource"


#: the most conjunctions a count or points rule may expand to (beyond it, export refuses)
MAX_TERMS = 512


class Unsupported(ValueError):
    """A condition that names a fact the pathway does not declare (a checked pathway has none),
    or a count or points rule too large to write out (more than :data:`MAX_TERMS` terms)."""


def code_system(base: str, pathway: Pathway, fact: Fact) -> str:
    """The code system of an enum fact's values: ``BASE/CodeSystem/PATHWAY-FACT``."""
    return f"{base.rstrip('/')}/CodeSystem/{code_system_name(pathway, fact)}"


def _string(text: str) -> str:
    """A FHIRPath string literal: single quotes, with backslash escapes."""
    out = text.replace("\\", "\\\\").replace("'", "\\'")
    out = out.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f"'{out}'"


def answer(base: str, pathway: Pathway, fact: Fact) -> str:
    """The expression giving the fact's value (one item), or ``{}`` when it is not known."""
    item = f"{ROOT}.item.where(linkId = {_string(fact.name)}).answer.value"
    if fact.type == "bool":
        return f"{item}.ofType(boolean)"
    if fact.type == "int":
        return f"{item}.ofType(integer)"
    return f"{item}.ofType(Coding).where(system = {_string(code_system(base, pathway, fact))}).code"


def literal(value: Any) -> str:
    """A FHIRPath literal for a fact value (bool, int or enum word)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return _string(str(value))


def _test(test: Test, base: str, pathway: Pathway) -> str:
    if not pathway.has_fact(test.fact):
        raise Unsupported(f"unknown fact '{test.fact}'")
    v = answer(base, pathway, pathway.fact(test.fact))
    op, value = test.op, test.value
    if op == "is_known":
        return f"{v}.exists()" if value else f"{v}.empty()"
    if test.assume is not None and test.assume_when is not None:
        # a conditional policy: an empty answer reads the declared value only where its condition is true
        v = f"iif({v}.exists(), {v}, ({literal(test.assume)}).where({condition(test.assume_when, base, pathway)}))"
    elif test.assume is not None:  # the fact's "not recorded" policy: an empty answer reads the declared value
        v = f"iif({v}.exists(), {v}, {literal(test.assume)})"
    if op in ("eq", "ne") and value is None:
        return f"{v}.empty()" if op == "eq" else f"{v}.exists()"
    if op in ("eq", "ne"):
        return f"({v} {'=' if op == 'eq' else '!='} {literal(value)})"
    if op == "in":
        known = [x for x in value if x is not None]
        inside = f"({v} in ({' | '.join(literal(x) for x in known)}))" if known else ""
        if None not in value:
            return inside
        return f"({v}.empty() or {inside})" if inside else f"{v}.empty()"
    if op == "between":
        low, high = value
        return f"({v} >= {low} and {v} <= {high})"
    symbol = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}[op]
    return f"({v} {symbol} {value})"


def condition(cond: Condition, base: str, pathway: Pathway) -> str:
    """The FHIRPath text of a condition: true, false or ``{}`` exactly as it is true, false
    or unknown for the facts the QuestionnaireResponse gives.

    Raises:
        Unsupported: the condition names a fact the pathway does not declare.
    """
    match cond:
        case Test():
            return _test(cond, base, pathway)
        case Not():
            return f"({condition(cond.item, base, pathway)}).not()"
        case Named():
            return f"({condition(cond.item, base, pathway)})"
        case AtLeast():
            return _at_least(cond, base, pathway)
        case Points():
            return _points(cond, base, pathway)
        case AllOf():
            return "(" + " and ".join(condition(item, base, pathway) for item in cond.items) + ")"
        case AnyOf():
            return "(" + " or ".join(condition(item, base, pathway) for item in cond.items) + ")"
        case _:
            assert_never(cond)


def _any_of_all(groups: list[list[str]]) -> str:
    """``(a and b) or (c and d) ...``; ``true`` for an empty group, ``false`` for no group."""
    if not groups:
        return "false"
    if any(not g for g in groups):
        return "true"
    return "(" + " or ".join("(" + " and ".join(g) + ")" for g in groups) + ")"


def _at_least(cond: AtLeast, base: str, pathway: Pathway) -> str:
    items = [condition(i, base, pathway) for i in cond.items]
    if cond.n <= 0:
        return "true"
    if comb(len(items), cond.n) > MAX_TERMS:
        raise Unsupported(f"'at least {cond.n} of {len(items)}' expands to more than {MAX_TERMS} terms in FHIRPath")
    return _any_of_all([list(group) for group in combinations(items, cond.n)])


def _points(cond: Points, base: str, pathway: Pathway) -> str:
    """Items with negative points count by their negation: points >= threshold is then a
    threshold on the weights of true literals, written as its smallest sufficient sets."""
    literals, weights = [], []
    need = cond.threshold
    for item, add in zip(cond.items, cond.adds):
        if add == 0:
            continue
        text = condition(item, base, pathway)
        literals.append(text if add > 0 else f"({text}).not()")
        weights.append(abs(add))
        need += -add if add < 0 else 0
    if need <= 0:
        return "true"
    if 2 ** len(literals) > MAX_TERMS * 8:
        raise Unsupported(f"a points rule of {len(literals)} items is too large to write out in FHIRPath")
    minimal: list[tuple[int, ...]] = []
    for size in range(1, len(literals) + 1):
        for group in combinations(range(len(literals)), size):
            if sum(weights[i] for i in group) >= need and not any(set(m) <= set(group) for m in minimal):
                minimal.append(group)
    if len(minimal) > MAX_TERMS:
        raise Unsupported(f"a points rule expands to more than {MAX_TERMS} terms in FHIRPath")
    return _any_of_all([[literals[i] for i in group] for group in minimal])


def otherwise(others: list[Condition], base: str, pathway: Pathway) -> str:
    """The ``otherwise`` answer: true when every other answer is false, unknown while one is
    unknown, false when one holds."""
    if not others:
        return "true"
    return "(" + " and ".join(f"({condition(c, base, pathway)}).not()" for c in others) + ")"
