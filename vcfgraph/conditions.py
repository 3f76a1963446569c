"""Conditions as data: parse, evaluate and explain guards over case facts, with no eval or exec.

A condition is plain data read from a pathway file::

    {fact: symptomatic, eq: true}
    {fact: number_of_fractures, ge: 2}
    {or: [{fact: neurologic_deficit, eq: true}, {fact: retropulsion, eq: true}]}

Only the operators in :data:`OPERATORS` and the connectives ``and``, ``or`` and ``not`` exist;
anything else is rejected when the file is read. Evaluation uses three-valued (Kleene) logic:
a test on a fact that is not known (``None``) is *unknown*, unless the test names ``null``
itself (``{fact: retropulsion, in: [false, null]}``) or asks ``is_known``. The same data gives
the words of every explanation.

This module knows nothing of files, fact domains or pathways: :mod:`vcfgraph.load` checks a
parsed condition against the pathway's facts and places errors in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence, Union

from vcfgraph.errors import did_you_mean

__all__ = [
    "Value",
    "Test",
    "AllOf",
    "AnyOf",
    "Not",
    "Condition",
    "OPERATORS",
    "CONNECTIVES",
    "ConditionSyntaxError",
    "parse",
    "evaluate",
    "tests",
    "facts_read",
    "missing_facts",
    "deciding_facts",
    "describe",
    "reason",
    "format_value",
]

Value = Union[bool, int, str, None]
Path = tuple[Union[str, int], ...]

#: operator -> (kind of operand, words used in explanations)
OPERATORS: dict[str, tuple[str, str]] = {
    "eq": ("scalar", "is {v}"),
    "ne": ("scalar", "is not {v}"),
    "in": ("list", "is {v}"),
    "lt": ("number", "is below {v}"),
    "le": ("number", "is at most {v}"),
    "gt": ("number", "is above {v}"),
    "ge": ("number", "is at least {v}"),
    "between": ("range", "is from {v}"),
    "is_known": ("flag", "is {v}"),
}
CONNECTIVES = ("and", "or", "not")
_EXAMPLE = "{fact: symptomatic, eq: true}"


@dataclass(frozen=True)
class Test:
    """One comparison of one fact with a constant.

    ``path`` is where the test sits inside the raw condition data (for error locations);
    it takes no part in equality.
    """

    __test__ = False  # not a pytest test class

    fact: str
    op: str
    value: Any
    path: Path = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class AllOf:
    """True when every item is true (``and``)."""

    items: tuple["Condition", ...]


@dataclass(frozen=True)
class AnyOf:
    """True when at least one item is true (``or``)."""

    items: tuple["Condition", ...]


@dataclass(frozen=True)
class Not:
    """True when its item is false (``not``)."""

    item: "Condition"


Condition = Union[Test, AllOf, AnyOf, Not]


@dataclass(frozen=True)
class ConditionSyntaxError:
    """A syntax problem inside raw condition data, at ``path`` below the condition."""

    path: Path
    message: str


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, str)) and not isinstance(value, float)


def _is_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse(data: Any, path: Path = ()) -> tuple[Condition | None, list[ConditionSyntaxError]]:
    """Turn raw condition data into a :data:`Condition`.

    Args:
        data: a mapping as read from YAML or JSON.
        path: where ``data`` sits, prefixed to the path of every error.

    Returns:
        The condition (None when it is unusable) and every syntax error found.
    """
    errors: list[ConditionSyntaxError] = []
    cond = _parse(data, path, errors)
    return (cond if not errors else None), errors


def _parse(data: Any, path: Path, errors: list[ConditionSyntaxError]) -> Condition | None:
    if not isinstance(data, Mapping):
        errors.append(ConditionSyntaxError(path, f"a condition must be a mapping such as {_EXAMPLE}, got {format_value(data)}"))
        return None
    keys = [str(k) for k in data]
    connectives = [k for k in keys if k in CONNECTIVES]
    if connectives:
        if len(keys) != 1:
            errors.append(ConditionSyntaxError(path, f"'{connectives[0]}' must stand alone in its condition; found keys {', '.join(keys)}"))
            return None
        return _parse_connective(connectives[0], data[connectives[0]], path + (connectives[0],), errors)
    if "fact" not in keys:
        unknown = keys[0] if keys else ""
        hint = did_you_mean(unknown, ("fact", *CONNECTIVES)) if unknown else ""
        errors.append(ConditionSyntaxError(path, f"a condition needs 'fact' and one operator, or one of and/or/not{hint}"))
        return None
    ops = [k for k in keys if k != "fact"]
    bad = [k for k in ops if k not in OPERATORS]
    for key in bad:
        errors.append(ConditionSyntaxError(path + (key,), f"unknown operator '{key}'{did_you_mean(key, OPERATORS)} (allowed: {', '.join(OPERATORS)})"))
    if bad:
        return None
    if len(ops) != 1:
        found = ", ".join(ops) if ops else "none"
        errors.append(ConditionSyntaxError(path, f"a condition on a fact needs exactly one operator ({', '.join(OPERATORS)}); found {found}"))
        return None
    fact = data["fact"]
    if not isinstance(fact, str) or not fact.isidentifier():
        errors.append(ConditionSyntaxError(path + ("fact",), f"'fact' must be a fact name, got {format_value(fact)}"))
        return None
    op = ops[0]
    value = _parse_operand(op, data[op], path + (op,), errors)
    return Test(fact, op, value, path) if value is not _BAD else None


_BAD = object()


def _parse_operand(op: str, raw: Any, path: Path, errors: list[ConditionSyntaxError]) -> Any:
    kind = OPERATORS[op][0]
    if kind == "scalar" and _is_scalar(raw):
        return raw
    if kind == "flag" and isinstance(raw, bool):
        return raw
    if kind == "number" and _is_number(raw):
        return raw
    if kind == "list" and isinstance(raw, Sequence) and not isinstance(raw, str) and raw and all(map(_is_scalar, raw)):
        return tuple(raw)
    if kind == "range" and isinstance(raw, Sequence) and not isinstance(raw, str) and len(raw) == 2 and all(map(_is_number, raw)):
        if raw[0] > raw[1]:
            errors.append(ConditionSyntaxError(path, f"'between' needs [low, high] with low <= high, got [{raw[0]}, {raw[1]}]"))
            return _BAD
        return (raw[0], raw[1])
    wanted = {
        "scalar": "one value (true, false, a number, a word or null)",
        "flag": "true or false",
        "number": "a whole number",
        "list": "a non-empty list of values",
        "range": "a list of two whole numbers [low, high]",
    }[kind]
    errors.append(ConditionSyntaxError(path, f"'{op}' needs {wanted}, got {format_value(raw)}"))
    return _BAD


def _parse_connective(word: str, raw: Any, path: Path, errors: list[ConditionSyntaxError]) -> Condition | None:
    if word == "not":
        item = _parse(raw, path, errors)
        return Not(item) if item is not None else None
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        errors.append(ConditionSyntaxError(path, f"'{word}' needs a non-empty list of conditions, got {format_value(raw)}"))
        return None
    items = [_parse(item, path + (i,), errors) for i, item in enumerate(raw)]
    if any(item is None for item in items):
        return None
    return (AllOf if word == "and" else AnyOf)(tuple(items))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- evaluation


def _test(test: Test, facts: Mapping[str, Value]) -> bool | None:
    actual = facts.get(test.fact)
    op, value = test.op, test.value
    if op == "is_known":
        return (actual is not None) == value
    if op == "eq":
        if value is None or actual is None:
            return None if value is not None else actual is None
        return _same(actual, value)
    if op == "ne":
        if value is None or actual is None:
            return None if value is not None else actual is not None
        return not _same(actual, value)
    if op == "in":
        if actual is None:
            return True if None in value else None
        return any(_same(actual, v) for v in value)
    if actual is None:
        return None
    if not _is_number(actual):
        return False
    if op == "lt":
        return actual < value
    if op == "le":
        return actual <= value
    if op == "gt":
        return actual > value
    if op == "ge":
        return actual >= value
    low, high = value
    return low <= actual <= high


def _same(a: Value, b: Value) -> bool:
    """Equality that never confuses true with 1."""
    return type(a) is type(b) and a == b


def evaluate(cond: Condition, facts: Mapping[str, Value]) -> bool | None:
    """Evaluate a condition against facts with three-valued logic.

    Args:
        cond: a parsed condition.
        facts: fact name -> value; a missing name or None means "not known".

    Returns:
        True, False, or None when the answer depends on a fact that is not known.
    """
    if isinstance(cond, Test):
        return _test(cond, facts)
    if isinstance(cond, Not):
        inner = evaluate(cond.item, facts)
        return None if inner is None else not inner
    results = [evaluate(item, facts) for item in cond.items]
    if isinstance(cond, AllOf):
        if False in results:
            return False
        return True if all(r is True for r in results) else None
    if True in results:
        return True
    return False if all(r is False for r in results) else None


def tests(cond: Condition) -> Iterator[Test]:
    """Yield every :class:`Test` inside a condition, in reading order."""
    if isinstance(cond, Test):
        yield cond
    elif isinstance(cond, Not):
        yield from tests(cond.item)
    else:
        for item in cond.items:
            yield from tests(item)


def facts_read(cond: Condition) -> tuple[str, ...]:
    """Names of the facts a condition reads, in reading order, without repeats."""
    return tuple(dict.fromkeys(t.fact for t in tests(cond)))


def missing_facts(cond: Condition, facts: Mapping[str, Value]) -> tuple[str, ...]:
    """Facts that are not known and keep the condition from being decided."""
    if evaluate(cond, facts) is not None:
        return ()
    return tuple(dict.fromkeys(t.fact for t in _deciding(cond, facts, None)))


def deciding_facts(cond: Condition, facts: Mapping[str, Value]) -> tuple[str, ...]:
    """Facts whose values decided a condition that came out true or false (the ones
    :func:`reason` names), in reading order; empty when it is undecided."""
    result = evaluate(cond, facts)
    if result is None:
        return ()
    return tuple(dict.fromkeys(t.fact for t in _deciding(cond, facts, result)))


# --------------------------------------------------------------------------- words


def format_value(value: Any) -> str:
    """Write a value the way a pathway file would: true, false, null, 3, word."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def _word(value: Value) -> str:
    return "not known" if value is None else format_value(value)


def _join(parts: Sequence[str], last: str) -> str:
    parts = list(dict.fromkeys(parts))
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {last} " + parts[-1]


def _describe_test(test: Test) -> str:
    op, value = test.op, test.value
    if op == "is_known":
        words = "is known" if value else "is not known"
    elif op in ("eq", "ne") and value is None:
        words = "is not known" if op == "eq" else "is known"
    elif op == "in":
        words = "is " + _join([_word(v) for v in value], "or")
    elif op == "between":
        words = f"is from {value[0]} to {value[1]}"
    else:
        words = OPERATORS[op][1].format(v=_word(value))
    return f"{test.fact} {words}"


def describe(cond: Condition) -> str:
    """The condition in words: ``neurologic_deficit is true or retropulsion is true``."""
    if isinstance(cond, Test):
        return _describe_test(cond)
    if isinstance(cond, Not):
        return f"not ({describe(cond.item)})"
    word = "and" if isinstance(cond, AllOf) else "or"
    parts = [describe(i) if isinstance(i, (Test, Not)) else f"({describe(i)})" for i in cond.items]
    return f" {word} ".join(parts)


def _deciding(cond: Condition, facts: Mapping[str, Value], result: bool | None) -> list[Test]:
    """The tests that settle ``cond`` at ``result``: the smallest honest reason."""
    if isinstance(cond, Test):
        return [cond]
    if isinstance(cond, Not):
        return _deciding(cond.item, facts, None if result is None else not result)
    results = [evaluate(item, facts) for item in cond.items]
    decisive = False if isinstance(cond, AllOf) else True
    if result is decisive:
        first = results.index(decisive)
        return _deciding(cond.items[first], facts, decisive)
    chosen = [i for i, r in zip(cond.items, results) if r is result]
    return [t for item in chosen for t in _deciding(item, facts, result)]


def reason(cond: Condition, facts: Mapping[str, Value]) -> str:
    """Why the condition came out as it did for these facts, in words.

    Names the facts that decided it with their values, e.g.
    ``neurologic_deficit is false and retropulsion is not known``.
    """
    result = evaluate(cond, facts)
    parts = []
    for test in _deciding(cond, facts, result):
        actual = facts.get(test.fact)
        text = f"{test.fact} is {_word(actual)}"
        if test.op in ("lt", "le", "gt", "ge", "between") and actual is not None:
            text += f" ({_describe_test(test).split(' ', 1)[1]}: {'yes' if _test(test, facts) else 'no'})"
        parts.append(text)
    return _join(parts, "and")
