"""Conditions as data: evaluate and explain guards over case facts, with no eval or exec.

A condition is plain data read from a pathway file::

    {fact: symptomatic, eq: true}
    {fact: number_of_fractures, ge: 2}
    {or: [{fact: neurologic_deficit, eq: true}, {fact: retropulsion, eq: true}]}

Only the operators in :data:`OPERATORS`, the connectives ``and``, ``or`` and ``not``, counting
(``{at_least: {n: 2, of: [...]}}``), a points rule (``{points: [{when: ..., add: 1}], threshold: 2}``)
and a reference to a named condition (``{use: ankle_rule}``) exist; anything else is rejected
when the file is read. A fact may carry a "not recorded" policy (``unknown: false``): a test on
it then reads the declared value when the fact is not known (``is_known`` still asks whether it
was recorded), and :func:`reason` says so. Evaluation uses three-valued (Kleene) logic:
a test on a fact that is not known (``None``) is *unknown*, unless the test names ``null``
itself (``{fact: retropulsion, in: [false, null]}``) or asks ``is_known``. The same data gives
the words of every explanation.

This module knows nothing of files, fact domains or pathways: the parser that turns raw data into
these kinds is :mod:`vcfgraph.io.conditions`, and the pathway reader checks a parsed condition
against the pathway's facts and places errors in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence, Union, assert_never


__all__ = [
    "Value",
    "Test",
    "AllOf",
    "AnyOf",
    "Not",
    "AtLeast",
    "Points",
    "Named",
    "Condition",
    "OPERATORS",
    "CONNECTIVES",
    "is_number",
    "evaluate",
    "tests",
    "children",
    "recorded_only",
    "named",
    "facts_read",
    "missing_facts",
    "deciding_facts",
    "describe",
    "reason",
    "assumptions",
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
CONNECTIVES = ("and", "or", "not", "at_least", "points", "use")


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
    #: the value read when the fact is not recorded (the fact's ``unknown:`` policy), or None
    assume: Value = None
    #: how the author wrote ``assume`` (``absent``), used in explanations
    assume_word: str = field(default="", compare=False, repr=False)
    #: when the policy holds only under a condition (``unknown: {read_as: absent, when: ...}``):
    #: that condition; ``assume`` is read only while it is true, else the fact stays not known
    assume_when: "Condition | None" = None

    def assumes(self, facts: Mapping[str, Value]) -> bool:
        """Whether this test reads its fact's "not recorded" value for these facts: the fact is
        not recorded, a policy exists, and its condition (if any) holds."""
        if self.assume is None or self.op == "is_known" or facts.get(self.fact) is not None:
            return False
        return self.assume_when is None or evaluate(self.assume_when, facts) is True


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


@dataclass(frozen=True)
class AtLeast:
    """True when at least ``n`` items are true; false when fewer than ``n`` can still be true."""

    n: int
    items: tuple["Condition", ...]


@dataclass(frozen=True)
class Points:
    """A points rule: the ``add`` of every true item is summed and compared with ``threshold``.

    True when even the undecided items cannot pull the total below the threshold, false when
    they cannot lift it up to the threshold, else undecided.
    """

    items: tuple["Condition", ...]
    adds: tuple[int, ...]
    threshold: int


@dataclass(frozen=True)
class Named:
    """A named condition of the pathway's ``definitions:`` section, used with ``{use: name}``."""

    name: str
    item: "Condition"


Condition = Union[Test, AllOf, AnyOf, Not, AtLeast, Points, Named]
def is_number(value: Any) -> bool:
    """A whole number that is not a boolean (YAML's ``true`` is not 1)."""
    return isinstance(value, int) and not isinstance(value, bool)


# --------------------------------------------------------------------------- evaluation


def _test(test: Test, facts: Mapping[str, Value]) -> bool | None:
    actual = facts.get(test.fact)
    op, value = test.op, test.value
    if op == "is_known":
        return (actual is not None) == value
    if actual is None and test.assume is not None and (test.assume_when is None or evaluate(test.assume_when, facts) is True):
        actual = test.assume
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
    if not is_number(actual):
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
    match cond:
        case Test():
            return _test(cond, facts)
        case Not():
            inner = evaluate(cond.item, facts)
            return None if inner is None else not inner
        case Named():
            return evaluate(cond.item, facts)
        case AtLeast():
            return _count(cond.n, [evaluate(item, facts) for item in cond.items])
        case Points():
            return _score(cond, [evaluate(item, facts) for item in cond.items])
        case AllOf():
            results = [evaluate(item, facts) for item in cond.items]
            if False in results:
                return False
            return True if all(r is True for r in results) else None
        case AnyOf():
            results = [evaluate(item, facts) for item in cond.items]
            if True in results:
                return True
            return False if all(r is False for r in results) else None
        case _:
            assert_never(cond)


def _count(n: int, results: Sequence[bool | None]) -> bool | None:
    """At least ``n`` true: decided once ``n`` are true, or once fewer than ``n`` can still be."""
    true = sum(1 for r in results if r is True)
    if true >= n:
        return True
    return False if true + sum(1 for r in results if r is None) < n else None


def _score(cond: Points, results: Sequence[bool | None]) -> bool | None:
    """Points at least the threshold: the lowest and highest totals the undecided items allow."""
    sure = sum(add for add, r in zip(cond.adds, results) if r is True)
    open_ = [add for add, r in zip(cond.adds, results) if r is None]
    low = sure + sum(a for a in open_ if a < 0)
    high = sure + sum(a for a in open_ if a > 0)
    if low >= cond.threshold:
        return True
    return False if high < cond.threshold else None


def children(cond: Condition) -> tuple[Condition, ...]:
    """The conditions directly inside ``cond`` (none for a test)."""
    match cond:
        case Test():
            return ()
        case Not() | Named():
            return (cond.item,)
        case AllOf() | AnyOf() | AtLeast() | Points():
            return cond.items
        case _:
            assert_never(cond)


def named(cond: Condition) -> Iterator[Named]:
    """Yield every :class:`Named` use inside a condition (nested ones too), in reading order."""
    if isinstance(cond, Named):
        yield cond
    for item in children(cond):
        yield from named(item)


def recorded_only(cond: Condition) -> Condition:
    """The condition with every "not recorded" policy dropped: a fact that is not recorded is
    not known again. Patient-level checks read recorded facts only."""
    from dataclasses import replace

    match cond:
        case Test():
            return replace(cond, assume=None, assume_word="", assume_when=None) if cond.assume is not None else cond
        case Not():
            return Not(recorded_only(cond.item))
        case Named():
            return Named(cond.name, recorded_only(cond.item))
        case AllOf() | AnyOf() | AtLeast() | Points():
            items = tuple(recorded_only(i) for i in cond.items)
            return replace(cond, items=items)
        case _:
            assert_never(cond)


def tests(cond: Condition, into_named: bool = True) -> Iterator[Test]:
    """Yield every :class:`Test` inside a condition, in reading order; without ``into_named``,
    not those inside named conditions."""
    if isinstance(cond, Test):
        yield cond
    elif isinstance(cond, Named) and not into_named:
        return
    else:
        for item in children(cond):
            yield from tests(item, into_named)


def facts_read(cond: Condition) -> tuple[str, ...]:
    """Names of the facts a condition reads, in reading order, without repeats; a test whose
    "not recorded" policy holds under a condition reads that condition's facts too."""
    out: dict[str, None] = {}
    for t in tests(cond):
        out[t.fact] = None
        if t.assume_when is not None:
            out.update(dict.fromkeys(facts_read(t.assume_when)))
    return tuple(out)


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
    match cond:
        case Test():
            return _describe_test(cond)
        case Not():
            return f"not ({describe(cond.item)})"
        case Named():
            return f"{cond.name} holds"
        case AtLeast():
            return f"at least {cond.n} of: " + "; ".join(_describe_items(cond.items))
        case Points():
            rules = "; ".join(f"{add:+d} if {part}" for add, part in zip(cond.adds, _describe_items(cond.items)))
            return f"points ({rules}) total at least {cond.threshold}"
        case AllOf():
            return " and ".join(_describe_items(cond.items))
        case AnyOf():
            return " or ".join(_describe_items(cond.items))
        case _:
            assert_never(cond)


def _describe_items(items: Sequence[Condition]) -> list[str]:
    """The words of each item, in brackets unless it is a test, a ``not`` or a named condition."""
    return [describe(i) if isinstance(i, (Test, Not, Named)) else f"({describe(i)})" for i in items]


def _deciding(cond: Condition, facts: Mapping[str, Value], result: bool | None, keep: bool = False) -> list[Any]:
    """The tests that settle ``cond`` at ``result``: the smallest honest reason. With ``keep``,
    a named condition stays whole (a :class:`Named`) instead of giving its own tests."""
    match cond:
        case Test():
            return [cond]
        case Not():
            return _deciding(cond.item, facts, None if result is None else not result, keep)
        case Named():
            return [cond] if keep else _deciding(cond.item, facts, result)
        case Points() if keep:
            return [cond]
        case AtLeast() | Points():
            results = [evaluate(item, facts) for item in cond.items]
            return _deciding_count(cond, facts, result, results, keep)
        case AllOf():
            return _deciding_either(cond.items, False, facts, result, keep)
        case AnyOf():
            return _deciding_either(cond.items, True, facts, result, keep)
        case _:
            assert_never(cond)


def _deciding_either(items: tuple[Condition, ...], decisive: bool, facts: Mapping[str, Value],
                     result: bool | None, keep: bool) -> list[Any]:
    """An ``and`` (``decisive`` false) or an ``or`` (``decisive`` true) is settled by its first
    decisive item when it has one, else by every item that came out as it did."""
    results = [evaluate(item, facts) for item in items]
    if result is decisive:
        first = results.index(decisive)
        return _deciding(items[first], facts, decisive, keep)
    return [t for item, r in zip(items, results) if r is result for t in _deciding(item, facts, r, keep)]


def _deciding_count(cond: AtLeast | Points, facts: Mapping[str, Value], result: bool | None,
                    results: Sequence[bool | None], keep: bool) -> list[Any]:
    """A count is settled by its true items when it holds, by its false ones when it fails,
    and left open by its undecided ones. A points rule is settled by the items that push its
    total the way it went: a true item adding points or a false one taking them away when it
    holds, the reverse when it fails."""
    pairs: list[tuple[Condition, bool | None]] = list(zip(cond.items, results))
    match cond:
        case AtLeast() if result is True:
            chosen = [p for p in pairs if p[1] is True][:cond.n]
        case AtLeast():
            chosen = [p for p in pairs if p[1] is result]
        case Points() if result is None:
            chosen = [p for p in pairs if p[1] is None]
        case Points():
            chosen = [p for p, add in zip(pairs, cond.adds) if p[1] is not None and add != 0
                      and (p[1] is (add > 0)) is result]
        case _:
            assert_never(cond)
    return [t for item, r in chosen for t in _deciding(item, facts, r, keep)]


def reason(cond: Condition, facts: Mapping[str, Value]) -> str:
    """Why the condition came out as it did for these facts, in words.

    Names the facts that decided it with their values, e.g.
    ``neurologic_deficit is false and retropulsion is not known``; a points rule gives its
    total and threshold instead (:func:`_score_words`).
    """
    result = evaluate(cond, facts)
    parts = []
    tests_: list[Test] = []
    for item in _deciding(cond, facts, result, keep=True):
        if isinstance(item, Named):
            parts.append(_reason_named(item, facts))
        elif isinstance(item, Points):
            parts.append(f"the points rule {_VERBS[evaluate(item, facts)]} ({_score_words(item, facts)})")
        elif not item.assumes(facts):
            actual = facts.get(item.fact)
            text = f"{item.fact} is {_word(actual)}"
            if item.op in ("lt", "le", "gt", "ge", "between") and actual is not None:
                text += f" ({_describe_test(item).split(' ', 1)[1]}: {'yes' if _test(item, facts) else 'no'})"
            parts.append(text)
        tests_ += [item] if isinstance(item, Test) else []
    return _join(parts + _assumed(tests_, facts), "and")


_VERBS = {True: "holds", False: "does not hold", None: "is undecided"}


def _assumed(tests_: Sequence[Test], facts: Mapping[str, Value]) -> list[str]:
    """The "not recorded" policies these tests read, one sentence per word of the author."""
    assumed: dict[str, list[str]] = {}
    for item in tests_:
        if item.assumes(facts):
            word = item.assume_word or format_value(item.assume)
            if item.assume_when is not None:
                word += f" ({describe(item.assume_when)})"
            names = assumed.setdefault(word, [])
            names += [item.fact] if item.fact not in names else []
    return [f"{_join(names, 'and')} {'is' if len(names) == 1 else 'are'} not recorded; read as {word}, "
            "a pathway assumption" for word, names in assumed.items()]


def _reason_named(cond: Named, facts: Mapping[str, Value]) -> str:
    result = evaluate(cond.item, facts)
    inner = _score_words(cond.item, facts) if isinstance(cond.item, Points) else reason(cond.item, facts)
    return f"{cond.name} {_VERBS[result]} ({inner})"


def _score_words(cond: Points, facts: Mapping[str, Value]) -> str:
    """A points rule's total first, then the items that earned it, the totals still possible
    with the facts that are not known, the threshold, and any assumption read:
    ``2 points: urea_raised, aged_65_or_over; at least 3 needed``."""
    results = [evaluate(item, facts) for item in cond.items]
    total = sum(add for add, r in zip(cond.adds, results) if r is True)
    signed = any(add != 1 for add in cond.adds)
    counted = [(i.name if isinstance(i, Named) else _describe_items([i])[0]) + (f" ({add:+d})" if signed else "")
               for i, add, r in zip(cond.items, cond.adds, results) if r is True]
    open_ = [(i, add) for i, add, r in zip(cond.items, cond.adds, results) if r is None]
    text = f"{total} point{'' if abs(total) == 1 else 's'}" + (" so far" if open_ else "")
    text += (": " + ", ".join(counted)) if counted else ""
    if open_:
        low, high = total + sum(min(a, 0) for _, a in open_), total + sum(max(a, 0) for _, a in open_)
        unknown = list(dict.fromkeys(f for i, _ in open_ for f in missing_facts(i, facts)))
        text += f"; {low} to {high} possible" if low != high else f"; {low} possible"
        text += f", {_join(unknown, 'and')} not known" if unknown else ""
    parts = [text, f"at least {cond.threshold} needed"]
    return "; ".join(parts + _assumed(list(_deciding(cond, facts, evaluate(cond, facts))), facts))


def assumptions(cond: Condition, facts: Mapping[str, Value]) -> tuple[str, ...]:
    """Facts with a "not recorded" policy whose assumed value this case relies on (they are not
    recorded, and a test the result rests on reads them), in reading order."""
    result = evaluate(cond, facts)
    return tuple(dict.fromkeys(t.fact for t in _deciding(cond, facts, result) if t.assumes(facts)))
