"""The condition parser: raw condition data from a pathway file into :mod:`vcfgraph.conditions`' kinds.

A condition in a pathway file is a mapping (``{fact: symptomatic, eq: true}``, ``{or: [...]}``,
``{at_least: {n: 2, of: [...]}}``, ``{points: [...], threshold: 2}``, ``{use: name}``). This module
turns that data into the frozen condition dataclasses and collects every syntax problem with the
path below the condition where it sits. It knows nothing of files or fact domains: the pathway
reader (:mod:`vcfgraph.io.pathway`, :mod:`vcfgraph.io.definitions`) places each problem in the
file and checks the facts against the pathway's vocabulary. Evaluation and the words of
explanations stay in the kernel (:mod:`vcfgraph.conditions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence, Union

from vcfgraph.conditions import (
    CONNECTIVES,
    OPERATORS,
    AllOf,
    AnyOf,
    AtLeast,
    Condition,
    Named,
    Not,
    Points,
    Test,
    format_value,
    is_number,
)
from vcfgraph.errors import did_you_mean

__all__ = ["Resolver", "Policies", "ConditionSyntaxError", "parse"]

Path = tuple[Union[str, int], ...]
_EXAMPLE = "{fact: symptomatic, eq: true}"

#: name -> the condition it stands for, a message saying why it cannot be used, or None when
#: its definition is broken (and reported there)
Resolver = Callable[[str], Union["Condition", str, None]]


@dataclass(frozen=True)
class ConditionSyntaxError:
    """A syntax problem inside raw condition data, at ``path`` below the condition."""

    path: Path
    message: str


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, str)) and not isinstance(value, float)


#: fact name -> (the value read when it is not recorded, the author's word, the condition under
#: which the policy holds or None when it always does)
Policies = Mapping[str, tuple[Any, ...]]


@dataclass(frozen=True)
class _Context:
    resolve: Resolver | None
    assume: Policies


def parse(
    data: Any, path: Path = (), resolve: Resolver | None = None,
    assume: Policies | None = None,
) -> tuple[Condition | None, list[ConditionSyntaxError]]:
    """Turn raw condition data into a :data:`Condition`.

    Args:
        data: a mapping as read from YAML or JSON.
        path: where ``data`` sits, prefixed to the path of every error.
        resolve: gives the condition a ``{use: name}`` stands for; without it ``use`` is an error.
        assume: fact name -> (the value read when that fact is not recorded, how the author
            wrote it[, the condition under which the policy holds]): the fact's "not recorded"
            policy.

    Returns:
        The condition (None when it is unusable) and every syntax error found.
    """
    errors: list[ConditionSyntaxError] = []
    cond = _parse(data, path, errors, _Context(resolve, assume or {}))
    return (cond if not errors else None), errors


def _parse(data: Any, path: Path, errors: list[ConditionSyntaxError], ctx: _Context) -> Condition | None:
    if not isinstance(data, Mapping):
        errors.append(ConditionSyntaxError(path, f"a condition must be a mapping such as {_EXAMPLE}, got {format_value(data)}"))
        return None
    keys = [str(k) for k in data]
    connectives = [k for k in keys if k in CONNECTIVES]
    if connectives:
        word = connectives[0]
        if word == "points":
            return _parse_points(data, path, errors, ctx)
        if len(keys) != 1:
            errors.append(ConditionSyntaxError(path, f"'{word}' must stand alone in its condition; found keys {', '.join(keys)}"))
            return None
        return _parse_connective(word, data[word], path + (word,), errors, ctx)
    if "fact" not in keys:
        unknown = keys[0] if keys else ""
        hint = did_you_mean(unknown, ("fact", *CONNECTIVES)) if unknown else ""
        errors.append(ConditionSyntaxError(path, f"a condition needs 'fact' and one operator, or one of {'/'.join(CONNECTIVES)}{hint}"))
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
    assumed, word, *when = ctx.assume.get(fact, (None, ""))
    return Test(fact, op, value, path, assumed, word, when[0] if when else None) if value is not _BAD else None


_BAD = object()


def _parse_operand(op: str, raw: Any, path: Path, errors: list[ConditionSyntaxError]) -> Any:
    kind = OPERATORS[op][0]
    if kind == "scalar" and _is_scalar(raw):
        return raw
    if kind == "flag" and isinstance(raw, bool):
        return raw
    if kind == "number" and is_number(raw):
        return raw
    if kind == "list" and isinstance(raw, Sequence) and not isinstance(raw, str) and raw and all(map(_is_scalar, raw)):
        return tuple(raw)
    if kind == "range" and isinstance(raw, Sequence) and not isinstance(raw, str) and len(raw) == 2 and all(map(is_number, raw)):
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


def _parse_connective(word: str, raw: Any, path: Path, errors: list[ConditionSyntaxError], ctx: _Context) -> Condition | None:
    if word == "not":
        item = _parse(raw, path, errors, ctx)
        return Not(item) if item is not None else None
    if word == "use":
        return _parse_use(raw, path, errors, ctx)
    if word == "at_least":
        return _parse_at_least(raw, path, errors, ctx)
    items = _parse_list(word, raw, path, errors, ctx)
    if items is None:
        return None
    return (AllOf if word == "and" else AnyOf)(items)


def _parse_list(word: str, raw: Any, path: Path, errors: list[ConditionSyntaxError], ctx: _Context) -> tuple[Condition, ...] | None:
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        errors.append(ConditionSyntaxError(path, f"'{word}' needs a non-empty list of conditions, got {format_value(raw)}"))
        return None
    items = [_parse(item, path + (i,), errors, ctx) for i, item in enumerate(raw)]
    if any(item is None for item in items):
        return None
    return tuple(items)  # type: ignore[arg-type]


def _parse_use(raw: Any, path: Path, errors: list[ConditionSyntaxError], ctx: _Context) -> Condition | None:
    if not isinstance(raw, str) or not raw.isidentifier():
        errors.append(ConditionSyntaxError(path, f"'use' needs the name of a definition, got {format_value(raw)}"))
        return None
    found = ctx.resolve(raw) if ctx.resolve is not None else "there is no 'definitions' section"
    if found is None:  # a broken definition, reported where it is defined
        return None
    if isinstance(found, str):
        errors.append(ConditionSyntaxError(path, f"cannot use '{raw}': {found}"))
        return None
    return Named(raw, found)


def _parse_at_least(raw: Any, path: Path, errors: list[ConditionSyntaxError], ctx: _Context) -> Condition | None:
    example = "{at_least: {n: 2, of: [...]}}"
    if not isinstance(raw, Mapping) or set(map(str, raw)) != {"n", "of"}:
        errors.append(ConditionSyntaxError(path, f"'at_least' needs exactly 'n' and 'of', as in {example}"))
        return None
    items = _parse_list("of", raw["of"], path + ("of",), errors, ctx)
    n = raw["n"]
    if not is_number(n) or items is not None and not 1 <= n <= len(items):
        most = f" to {len(items)}" if items is not None else ""
        errors.append(ConditionSyntaxError(path + ("n",), f"'n' of 'at_least' must be a whole number from 1{most}, got {format_value(n)}"))
        return None
    return AtLeast(n, items) if items is not None else None


def _parse_points(data: Mapping[str, Any], path: Path, errors: list[ConditionSyntaxError], ctx: _Context) -> Condition | None:
    keys = set(map(str, data))
    if keys != {"points", "threshold"}:
        errors.append(ConditionSyntaxError(path, "a points rule needs exactly 'points' and 'threshold', as in "
                                                 "{points: [{when: ..., add: 1}], threshold: 2}"))
        return None
    raw, threshold = data["points"], data["threshold"]
    before = len(errors)
    if not is_number(threshold):
        errors.append(ConditionSyntaxError(path + ("threshold",), f"'threshold' needs a whole number, got {format_value(threshold)}"))
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        errors.append(ConditionSyntaxError(path + ("points",), f"'points' needs a non-empty list of {{when: ..., add: N}}, got {format_value(raw)}"))
        return None
    items, adds = [], []
    for i, rule in enumerate(raw):
        at = path + ("points", i)
        if not isinstance(rule, Mapping) or set(map(str, rule)) != {"when", "add"} or not is_number(rule["add"]):
            errors.append(ConditionSyntaxError(at, f"each points rule needs 'when' (a condition) and 'add' (a whole number), got {format_value(rule)}"))
            continue
        items.append(_parse(rule["when"], at + ("when",), errors, ctx))
        adds.append(rule["add"])
    if len(errors) > before or any(i is None for i in items):
        return None
    return Points(tuple(items), tuple(adds), threshold)  # type: ignore[arg-type]
