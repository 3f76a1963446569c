"""Conditions compiled to vectorised three-valued masks over integer-coded fact columns.

Every fact value is coded as an ``int64``: a boolean as 0 / 1, an enum value as its index in the
fact's value list, an integer as itself, and "not known" as :data:`NULL`. A compiled condition
evaluated over such columns gives two boolean masks ``(t, f)``: the rows where it is true and
the rows where it is false; the rest are undecided. The rules are those of
:func:`vcfgraph.conditions.evaluate` (Kleene logic; a test naming ``null`` or asking
``is_known`` is decided even when the fact is not known; ``true`` never equals ``1``).

This module knows nothing of files or of the graph: :mod:`vcfgraph.batch.compile` walks the
pathway with these masks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Union, assert_never

import numpy as np

from vcfgraph.conditions import AllOf, AnyOf, AtLeast, Condition, Named, Not, Points, Test, Value, evaluate
from vcfgraph.model import Fact

__all__ = [
    "NULL",
    "CODE_DTYPE",
    "Env",
    "TestMask",
    "MaskCond",
    "compile_condition",
    "compile_test",
    "encode_value",
    "decode_value",
    "evaluate_mask",
    "mask_tests",
]

CODE_DTYPE = np.int64
#: the code of "not known"
NULL = np.iinfo(CODE_DTYPE).min
_LOW, _HIGH = NULL + 1, np.iinfo(CODE_DTYPE).max

#: fact name -> (coded values of the rows being looked at, their "not known" mask)
Env = Callable[[str], tuple[np.ndarray, np.ndarray]]


def encode_value(fact: Fact, value: Value) -> int | None:
    """The code of a condition's constant for ``fact``, or None when no value of the fact can
    ever equal it (a word that is not one of the enum's values, ``1`` for a boolean)."""
    if fact.type == "bool":
        return int(value) if isinstance(value, bool) else None
    if fact.type == "enum":
        return fact.values.index(value) if isinstance(value, str) and value in fact.values else None
    if isinstance(value, int) and not isinstance(value, bool):
        return int(min(max(value, _LOW), _HIGH))
    return None


def decode_value(fact: Fact, code: int) -> Value:
    """The fact value a code stands for (None for :data:`NULL`)."""
    if code == NULL:
        return None
    if fact.type == "bool":
        return bool(code)
    if fact.type == "enum":
        return fact.values[int(code)]
    return int(code)


@dataclass(frozen=True)
class TestMask:
    """One test, compiled.

    Attributes:
        fact: the fact it reads.
        null: its value when the fact is not known: 1 true, 0 false, -1 undecided.
        kind: ``const`` (every known value gives ``const``), ``set`` (true for the ``codes``)
            or ``range`` (true for ``low <= code <= high``).
        negate: the known-value result is inverted (``ne``).
    """

    fact: str
    null: int
    kind: str
    const: bool = False
    codes: tuple[int, ...] = ()
    low: int = _LOW
    high: int = _HIGH
    negate: bool = False

    def known(self, x: np.ndarray) -> np.ndarray:
        """The test's result for known values (meaningless where ``x`` is NULL)."""
        if self.kind == "const":
            out = np.full(x.shape, self.const, dtype=bool)
        elif self.kind == "set":
            out = x == self.codes[0]
            for code in self.codes[1:]:
                out |= x == code
        else:
            out = (x >= self.low) & (x <= self.high)
        return ~out if self.negate else out

    def masks(self, x: np.ndarray, null: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(true, false)`` masks over the coded column ``x`` whose unknown rows are ``null``."""
        known = self.known(x)
        t = known & ~null
        f = ~known & ~null
        if self.null == 1:
            t |= null
        elif self.null == 0:
            f |= null
        return t, f


def _range(op: str, value: Any) -> tuple[int, int]:
    if op == "between":
        return int(value[0]), int(value[1])
    v = int(value)
    return {"lt": (_LOW, v - 1), "le": (_LOW, v), "gt": (v + 1, _HIGH), "ge": (v, _HIGH)}[op]


def compile_test(test: Test, fact: Fact) -> TestMask:
    """Compile one test on ``fact`` (the same semantics as :func:`vcfgraph.conditions.evaluate`)."""
    op, value = test.op, test.value
    if op == "is_known":
        return TestMask(test.fact, 0 if value else 1, "const", const=bool(value))
    if test.assume is not None:
        # a "not recorded" policy: an unknown row reads as the assumed value
        plain = compile_test(replace(test, assume=None, assume_when=None), fact)
        at_assumed = evaluate(replace(test, assume=None, assume_when=None), {test.fact: test.assume})
        return replace(plain, null={True: 1, False: 0, None: -1}[at_assumed])
    if op in ("eq", "ne") and value is None:
        return TestMask(test.fact, 1 if op == "eq" else 0, "const", const=op == "ne")
    if op in ("eq", "ne"):
        code = encode_value(fact, value)
        if code is None:
            return TestMask(test.fact, -1, "const", const=op == "ne")
        return TestMask(test.fact, -1, "set", codes=(code,), negate=op == "ne")
    if op == "in":
        codes = tuple(sorted({c for c in (encode_value(fact, v) for v in value if v is not None) if c is not None}))
        null = 1 if None in value else -1
        if not codes:
            return TestMask(test.fact, null, "const", const=False)
        return TestMask(test.fact, null, "set", codes=codes)
    if fact.type != "int":
        return TestMask(test.fact, -1, "const", const=False)
    low, high = _range(op, value)
    return TestMask(test.fact, -1, "range", low=max(low, _LOW), high=min(high, _HIGH))


@dataclass(frozen=True)
class MaskCond:
    """A compiled condition: ``op`` is ``test`` (with ``test``), ``and``, ``or``, ``not``,
    ``istrue`` (true where its item is true, false elsewhere: two-valued) or ``points`` (``adds``
    per item, true from ``threshold``; ``at_least`` is points of 1 each)."""

    op: str
    items: tuple["MaskCond", ...] = ()
    test: Union[TestMask, None] = None
    adds: tuple[int, ...] = ()
    threshold: int = 0


def compile_condition(cond: Condition, facts: Callable[[str], Fact]) -> MaskCond:
    """Compile a parsed condition; ``facts`` gives the declared fact of a name."""
    match cond:
        case Test() if cond.assume is not None and cond.assume_when is not None:
            return _conditional_policy(cond, facts)
        case Test():
            return MaskCond("test", test=compile_test(cond, facts(cond.fact)))
        case Not():
            return MaskCond("not", (compile_condition(cond.item, facts),))
        case Named():
            return compile_condition(cond.item, facts)
        case AtLeast():
            return MaskCond("points", tuple(compile_condition(i, facts) for i in cond.items), adds=(1,) * len(cond.items), threshold=cond.n)
        case Points():
            return MaskCond("points", tuple(compile_condition(i, facts) for i in cond.items), adds=cond.adds, threshold=cond.threshold)
        case AllOf():
            return MaskCond("and", tuple(compile_condition(item, facts) for item in cond.items))
        case AnyOf():
            return MaskCond("or", tuple(compile_condition(item, facts) for item in cond.items))
        case _:
            assert_never(cond)


def _conditional_policy(test: Test, facts: Callable[[str], Fact]) -> MaskCond:
    """A test whose "not recorded" policy holds only under a condition W: the known rows read
    the plain test; an unknown row reads the assumed value where W is true and stays unknown
    (the plain test on null) elsewhere. ``istrue`` makes W two-valued:
    (known and plain) or (unknown and istrue(W) and assumed) or (unknown and not istrue(W) and plain)."""
    fact = facts(test.fact)
    plain = MaskCond("test", test=compile_test(replace(test, assume=None, assume_when=None), fact))
    assumed = MaskCond("test", test=compile_test(replace(test, assume_when=None), fact))
    known = MaskCond("test", test=TestMask(test.fact, 0, "const", const=True))
    unknown = MaskCond("not", (known,))
    assert test.assume_when is not None
    holds = MaskCond("istrue", (compile_condition(test.assume_when, facts),))
    return MaskCond("or", (
        MaskCond("and", (known, plain)),
        MaskCond("and", (unknown, holds, assumed)),
        MaskCond("and", (unknown, MaskCond("not", (holds,)), plain)),
    ))


def evaluate_mask(cond: MaskCond, env: Env) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate a compiled condition: ``(true, false)`` masks; undecided rows are in neither."""
    if cond.op == "test":
        assert cond.test is not None
        return cond.test.masks(*env(cond.test.fact))
    if cond.op == "istrue":
        t, _f = evaluate_mask(cond.items[0], env)
        return t, ~t
    if cond.op == "not":
        t, f = evaluate_mask(cond.items[0], env)
        return f, t
    parts = [evaluate_mask(item, env) for item in cond.items]
    ts = [p[0] for p in parts]
    fs = [p[1] for p in parts]
    if cond.op == "points":
        return _points_masks(cond, ts, fs)
    if cond.op == "and":
        return np.logical_and.reduce(ts), np.logical_or.reduce(fs)
    return np.logical_or.reduce(ts), np.logical_and.reduce(fs)


def _points_masks(cond: MaskCond, ts: list[np.ndarray], fs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The rules of :func:`vcfgraph.conditions.evaluate` for counts and points: the lowest and
    highest totals the undecided items allow, against the threshold."""
    low = np.zeros(ts[0].shape, dtype=np.int64)
    high = np.zeros(ts[0].shape, dtype=np.int64)
    for add, t, f in zip(cond.adds, ts, fs):
        open_ = ~t & ~f
        low += add * t + min(add, 0) * open_
        high += add * t + max(add, 0) * open_
    return low >= cond.threshold, high < cond.threshold


def mask_tests(cond: MaskCond) -> list[TestMask]:
    """Every compiled test inside a condition, in reading order."""
    if cond.op == "test":
        assert cond.test is not None
        return [cond.test]
    return [t for item in cond.items for t in mask_tests(item)]
