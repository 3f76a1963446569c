"""Conditions as data: parsing, three-valued evaluation, words, and escape attempts."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from vcfgraph import conditions as cm
from vcfgraph.io.conditions import parse
from vcfgraph.conditions import AllOf, AnyOf, Not, Test

PACKAGE = Path(__file__).resolve().parent.parent / "vcfgraph"


def parsed(data):
    cond, errors = parse(data)
    assert errors == [], errors
    return cond


def test_parse_builds_the_structure():
    cond = parsed({"or": [{"fact": "a", "eq": True}, {"not": {"fact": "n", "between": [2, 5]}}]})
    assert cond == AnyOf((Test("a", "eq", True), Not(Test("n", "between", (2, 5)))))


@pytest.mark.parametrize(
    "data, message",
    [
        ("symptomatic == true", "a condition must be a mapping such as {fact: symptomatic, eq: true}, got symptomatic == true"),
        ({"fact": "a"}, "a condition on a fact needs exactly one operator (eq, ne, in, lt, le, gt, ge, between, is_known); found none"),
        ({"fact": "a", "eq": 1, "ne": 2}, "a condition on a fact needs exactly one operator (eq, ne, in, lt, le, gt, ge, between, is_known); found eq, ne"),
        ({"fact": "a", "eqq": 1}, "unknown operator 'eqq'; did you mean 'eq'? (allowed: eq, ne, in, lt, le, gt, ge, between, is_known)"),
        ({"fact": "a", "in": []}, "'in' needs a non-empty list of values, got []"),
        ({"fact": "a", "ge": "3"}, "'ge' needs a whole number, got 3"),
        ({"fact": "a", "ge": True}, "'ge' needs a whole number, got true"),
        ({"fact": "a", "between": [5, 2]}, "'between' needs [low, high] with low <= high, got [5, 2]"),
        ({"fact": "a", "is_known": "yes"}, "'is_known' needs true or false, got yes"),
        ({"and": []}, "'and' needs a non-empty list of conditions, got []"),
        ({"and": [{"fact": "a", "eq": 1}], "or": []}, "'and' must stand alone in its condition; found keys and, or"),
        ({"fact": "a", "eq": 1.5}, "'eq' needs one value (true, false, a number, a word or null), got 1.5"),
    ],
)
def test_parse_rejects_with_a_message(data, message):
    cond, errors = parse(data)
    assert cond is None
    assert [e.message for e in errors] == [message]


ESCAPES = [
    {"fact": "__import__('os').system('id')", "eq": True},
    {"fact": "a.__class__", "eq": True},
    {"fact": "a", "eval": "__import__('os')"},
    {"fact": "a", "exec": "print(1)"},
    {"fact": "a", "__eq__": 1},
    {"lambda": [{"fact": "a", "eq": 1}]},
    {"fact": "a", "eq": {"__class__": "x"}},
    {"fact": "a", "in": [{"$where": "1"}]},
    "__import__('os').system('id')",
    ["fact", "a"],
]


@pytest.mark.parametrize("data", ESCAPES)
def test_escape_attempts_are_rejected(data):
    cond, errors = parse(data)
    assert cond is None and errors


def test_a_string_value_is_compared_never_run(tmp_path):
    cond = parsed({"fact": "a", "eq": "__import__('os').system('touch x')"})
    assert cm.evaluate(cond, {"a": "other"}) is False
    assert not (tmp_path / "x").exists()


def test_no_module_of_the_package_calls_eval_or_exec():
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("eval", "exec", "compile"), f"{path}:{node.lineno}"


@pytest.mark.parametrize(
    "data, facts, result",
    [
        ({"fact": "a", "eq": True}, {"a": True}, True),
        ({"fact": "a", "eq": True}, {"a": False}, False),
        ({"fact": "a", "eq": True}, {"a": None}, None),
        ({"fact": "a", "eq": True}, {}, None),
        ({"fact": "a", "eq": 1}, {"a": True}, False),  # true is never 1
        ({"fact": "a", "eq": None}, {"a": None}, True),
        ({"fact": "a", "eq": None}, {"a": False}, False),
        ({"fact": "a", "ne": "x"}, {"a": "y"}, True),
        ({"fact": "a", "ne": "x"}, {"a": None}, None),
        ({"fact": "a", "in": [False, None]}, {"a": None}, True),
        ({"fact": "a", "in": [False, None]}, {"a": True}, False),
        ({"fact": "a", "in": ["x", "y"]}, {"a": None}, None),
        ({"fact": "n", "lt": 2}, {"n": 1}, True),
        ({"fact": "n", "le": 2}, {"n": 2}, True),
        ({"fact": "n", "gt": 2}, {"n": 2}, False),
        ({"fact": "n", "ge": 2}, {"n": 2}, True),
        ({"fact": "n", "ge": 2}, {"n": None}, None),
        ({"fact": "n", "between": [2, 4]}, {"n": 4}, True),
        ({"fact": "n", "between": [2, 4]}, {"n": 5}, False),
        ({"fact": "n", "is_known": True}, {"n": None}, False),
        ({"fact": "n", "is_known": False}, {"n": None}, True),
        ({"and": [{"fact": "a", "eq": True}, {"fact": "b", "eq": True}]}, {"a": False, "b": None}, False),
        ({"and": [{"fact": "a", "eq": True}, {"fact": "b", "eq": True}]}, {"a": True, "b": None}, None),
        ({"or": [{"fact": "a", "eq": True}, {"fact": "b", "eq": True}]}, {"a": None, "b": True}, True),
        ({"or": [{"fact": "a", "eq": True}, {"fact": "b", "eq": True}]}, {"a": None, "b": False}, None),
        ({"not": {"fact": "a", "eq": True}}, {"a": None}, None),
        ({"not": {"fact": "a", "eq": True}}, {"a": False}, True),
    ],
)
def test_three_valued_evaluation(data, facts, result):
    assert cm.evaluate(parsed(data), facts) is result


def test_describe_gives_the_words_of_the_data():
    cond = parsed({"or": [
        {"fact": "neurologic_deficit", "eq": True},
        {"and": [{"fact": "retropulsion", "in": [False, None]}, {"fact": "n", "ge": 2}]},
    ]})
    assert cm.describe(cond) == (
        "neurologic_deficit is true or (retropulsion is false or not known and n is at least 2)"
    )


def test_reason_names_only_the_deciding_facts():
    cond = parsed({"or": [{"fact": "w", "eq": True}, {"fact": "d", "eq": True}, {"fact": "p", "eq": True}]})
    assert cm.reason(cond, {"w": None, "d": True, "p": False}) == "d is true"
    assert cm.reason(cond, {"w": False, "d": False, "p": False}) == "w is false, d is false and p is false"
    assert cm.reason(cond, {"w": None, "d": False, "p": False}) == "w is not known"


def test_reason_shows_the_comparison_for_numbers():
    cond = parsed({"fact": "n", "ge": 2})
    assert cm.reason(cond, {"n": 3}) == "n is 3 (is at least 2: yes)"


def test_missing_facts_are_the_unknown_ones_that_block():
    cond = parsed({"and": [{"fact": "a", "eq": True}, {"fact": "b", "eq": True}, {"fact": "c", "eq": True}]})
    assert cm.missing_facts(cond, {"a": True, "b": None, "c": None}) == ("b", "c")
    assert cm.missing_facts(cond, {"a": False, "b": None}) == ()


def test_facts_read_in_reading_order_without_repeats():
    cond = parsed({"and": [{"fact": "b", "eq": 1}, {"not": {"fact": "a", "eq": 2}}, {"fact": "b", "eq": 3}]})
    assert cm.facts_read(cond) == ("b", "a")
    assert isinstance(cond, AllOf)
