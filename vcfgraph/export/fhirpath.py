"""Condition data as FHIRPath text over a QuestionnaireResponse, with the same three-valued meaning.

A fact is the answer of the QuestionnaireResponse item whose ``linkId`` is the fact's name:
``valueBoolean`` for a bool fact, ``valueInteger`` for an int fact, ``valueCoding`` (code = the
enum value, system = the fact's code system) for an enum fact. An item that is absent, has no
answer, or is answered "not known" (see :mod:`vcfgraph.export.questionnaire`) gives the empty
collection. FHIRPath's own logic on the empty collection is the three-valued (Kleene) logic of
:func:`vcfgraph.conditions.evaluate`: ``{} and false`` is false, ``{} or true`` is true, a
comparison with ``{}`` is ``{}``. So every generated expression evaluates to ``true``, ``false``
or ``{}`` (unknown) exactly where the condition is true, false or unknown.

The expressions start at ``%resource``, the QuestionnaireResponse (as in SDC's
``enableWhenExpression``). This module only writes text; it never evaluates one.
"""

from __future__ import annotations

from typing import Any

from vcfgraph.conditions import AllOf, AnyOf, Condition, Not, Test
from vcfgraph.fhir_case import code_system_name
from vcfgraph.model import Fact, Pathway

__all__ = ["ROOT", "code_system", "answer", "literal", "condition", "otherwise", "Unsupported"]

#: the resource every expression starts from
ROOT = "%resource"


class Unsupported(ValueError):
    """A condition that names a fact the pathway does not declare (a checked pathway has none)."""


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
    if isinstance(cond, Test):
        return _test(cond, base, pathway)
    if isinstance(cond, Not):
        return f"({condition(cond.item, base, pathway)}).not()"
    word = " and " if isinstance(cond, AllOf) else " or "
    assert isinstance(cond, (AllOf, AnyOf))
    return "(" + word.join(condition(item, base, pathway) for item in cond.items) + ")"


def otherwise(others: list[Condition], base: str, pathway: Pathway) -> str:
    """The ``otherwise`` answer: true when every other answer is false, unknown while one is
    unknown, false when one holds."""
    if not others:
        return "true"
    return "(" + " and ".join(f"({condition(c, base, pathway)}).not()" for c in others) + ")"
