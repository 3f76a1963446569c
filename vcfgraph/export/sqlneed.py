"""The facts a ``need_info`` row asks for, as a lookup table the SQL export joins.

Which facts :func:`vcfgraph.engine.trace` asks for at a question (the smallest set that settles
it, red flags and the cheapest sources first) is a search no SQL expression should repeat. It
depends only on the values of the facts the question's answers read, and on those only through
the classes no test tells apart. So each question gets a key: one digit per **atom**, where an
atom is

- a fact an answer tests directly, by the class of its value; two values (null included) are one
  class when every test on the fact at this question gives the same result for both (a fact read
  as ``absent`` when not recorded: null and false are one class);
- a condition under which a "not recorded" policy holds (``unknown: {read_as: ..., when: ...}``),
  by its three-valued result, when it reads none of the tested facts (only that result matters
  then); otherwise its facts join the tested ones, class by class.

Every combination of atom values is walked by :func:`vcfgraph.engine.needed_at` itself, once, at
export time; the combinations that stop there give the rows of the table. The key is rebuilt per
row in SQL from the same atoms. A variant whose rules fire together gets a table the same way
(:func:`rules_need_table`): its atoms are read by the rules' conditions, and each combination is
ended by :func:`vcfgraph.engine.finish`, whose need_info route names the facts that settle every
undecided rule. Writing the query is :mod:`vcfgraph.export.sql`'s job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import product
from typing import Any, Callable, Mapping

from vcfgraph import conditions as cm
from vcfgraph.engine import finish, needed_at
from vcfgraph.errors import RouteError
from vcfgraph.export.sqltext import SqlUnsupported, condition, value_literal
from vcfgraph.model import Case, Fact, Pathway

__all__ = ["MAX_COMBINATIONS", "NeedTable", "need_table", "rules_need_table"]

#: most combinations of atom values one question may have (each is walked once at export time)
MAX_COMBINATIONS = 100_000


@dataclass(frozen=True)
class NeedTable:
    """One question's lookup: the SQL of its key, and key -> the facts asked for."""

    key: str
    rows: dict[int, tuple[str, ...]]


def _tests(conds: list[cm.Condition]) -> list[cm.Test]:
    return [t for c in conds for t in cm.tests(c)]


def _whens(pathway: Pathway, tests: list[cm.Test]) -> list[cm.Condition]:
    """Every policy condition the tests (and those conditions' own tests) depend on, and those of
    the red flags tested (they decide which fact is asked first); without repeats, in reading order."""
    found: list[cm.Condition] = []
    todo = [t.assume_when for t in tests if t.assume_when is not None]
    for name in dict.fromkeys(t.fact for t in tests):
        fact = pathway.fact(name)
        if fact.red_flag and fact.unknown is not None and fact.unknown_when is not None:
            todo.append(fact.unknown_when)
    while todo:
        w = todo.pop(0)
        if w in found:
            continue
        found.append(w)
        todo += [t.assume_when for t in cm.tests(w) if t.assume_when is not None]
    return found


def _classes(fact: Fact, tests: list[cm.Test], keep_null: bool) -> tuple[list[Any], list[int]]:
    """The representatives of the fact's values (null last) and the class of each, merged where
    every test gives the same result."""
    reps: list[Any] = [*fact.domain(), None]
    mine = [t for t in tests if t.fact == fact.name]
    seen: dict[Any, int] = {}
    classes = []
    for i, rep in enumerate(reps):
        sig: Any = tuple(cm.evaluate(t, {fact.name: rep}) for t in mine)
        if rep is None and keep_null:
            sig = ("null", i)
        classes.append(seen.setdefault(sig, len(seen)))
    return reps, classes


def _class_sql(fact: Fact, column: str, reps: list[Any], classes: list[int]) -> str:
    """The class number of the column's value, as SQL."""
    whens = [f"WHEN {column} IS NULL THEN {classes[-1]}"]
    if fact.type == "int":
        for (low, high), cls in zip(fact.intervals(), classes):
            whens.append(f"WHEN {column} BETWEEN {low} AND {high} THEN {cls}")
    else:
        whens += [f"WHEN {column} = {value_literal(rep)} THEN {cls}" for rep, cls in zip(reps[:-1], classes)]
    return "(CASE " + " ".join(whens) + " ELSE 0 END)"


def _outcomes(pathway: Pathway, whens: list[cm.Condition]) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """The achievable results of a group of policy conditions over their facts, each with one
    assignment of the facts that gives it."""
    names = list(dict.fromkeys(n for w in whens for n in cm.facts_read(w)))
    domains = [[*pathway.fact(n).domain(), None] for n in names]
    if math.prod(len(d) for d in domains) > MAX_COMBINATIONS:
        raise SqlUnsupported(f"the policy conditions on {', '.join(names)} have more than {MAX_COMBINATIONS} "
                             "combinations of values to walk")
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    for combo in product(*domains):
        facts = dict(zip(names, combo))
        found.setdefault(tuple(cm.evaluate(w, facts) for w in whens), facts)
    return list(found.items())


def _groups(whens: list[cm.Condition]) -> list[list[cm.Condition]]:
    """Policy conditions grouped by the facts they share (a group's results go together)."""
    groups: list[tuple[set[str], list[cm.Condition]]] = []
    for w in whens:
        names = set(cm.facts_read(w))
        joined = [g for g in groups if g[0] & names]
        merged = (names.union(*(g[0] for g in joined)), [c for g in joined for c in g[1]] + [w])
        groups = [g for g in groups if not any(g is j for j in joined)] + [merged]
    return [g[1] for g in groups]


def need_table(pathway: Pathway, question: str, columns: dict[str, tuple[Fact, str]]) -> NeedTable:
    """The lookup of the facts asked for at ``question``, and the SQL of its key.

    Raises:
        SqlUnsupported: the question has more than :data:`MAX_COMBINATIONS` combinations.
    """
    conds = [e.condition for e in pathway.out_edges(question) if e.condition is not None]
    return _table(pathway, f"the question '{question}'", conds, columns,
                  lambda facts: needed_at(pathway, question, facts))


def rules_need_table(pathway: Pathway, variant: str, columns: dict[str, tuple[Fact, str]]) -> NeedTable:
    """The lookup of the facts asked for at ``variant`` while one of its rules is undecided.

    Raises:
        SqlUnsupported: the rules read facts with more than :data:`MAX_COMBINATIONS` combinations.
    """
    def needed(facts: Mapping[str, Any]) -> tuple[str, ...]:
        route = finish(pathway, Case("sql-export", dict(facts)), variant)
        return route.missing_facts if route.outcome == "need_info" else ()

    return _table(pathway, f"the rules of '{variant}'", [r.when for r in pathway.node(variant).rules], columns, needed)


def _table(pathway: Pathway, where: str, conds: list[cm.Condition], columns: dict[str, tuple[Fact, str]],
           needed_for: Callable[[Mapping[str, Any]], tuple[str, ...]]) -> NeedTable:
    """The lookup over the atoms ``conds`` read: key -> ``needed_for`` of each combination."""
    tests = _tests(conds)
    tested = set(t.fact for t in tests)
    whens = _whens(pathway, tests)
    entangled = [w for w in whens if set(cm.facts_read(w)) & tested]
    while True:  # a policy condition that reads a tested fact makes its facts tested ones
        grown = tested.union(*(cm.facts_read(w) for w in entangled))
        entangled = [w for w in whens if set(cm.facts_read(w)) & grown]
        if grown == tested:
            break
        tested = grown
    tests += _tests(entangled)
    conditional = {t.fact for t in tests if t.assume_when is not None}
    atoms: list[tuple[str, int, list[tuple[int, dict[str, Any]]]]] = []  # (key SQL, radix, (digit, facts))
    for name in sorted(tested, key=[f.name for f in pathway.facts].index):
        fact = pathway.fact(name)
        reps, classes = _classes(fact, tests, keep_null=name in conditional)
        firsts = {cls: rep for rep, cls in reversed(list(zip(reps, classes)))}
        atoms.append((_class_sql(fact, columns[name][1], reps, classes), len(firsts),
                      [(cls, {name: rep}) for cls, rep in sorted(firsts.items())]))
    for group in _groups([w for w in whens if w not in entangled]):
        digits = [condition(w, columns) for w in group]
        sql = " + ".join(f"{3 ** i} * (CASE WHEN {d} THEN 2 WHEN NOT {d} THEN 1 ELSE 0 END)" for i, d in enumerate(digits))
        radix = 3 ** len(group)
        code = {True: 2, False: 1, None: 0}
        choices = [(sum(3 ** i * code[r] for i, r in enumerate(results)), facts)
                   for results, facts in _outcomes(pathway, group)]
        atoms.append((f"({sql})", radix, sorted(choices, key=lambda c: c[0])))
    total = math.prod(len(a[2]) for a in atoms)
    if total > MAX_COMBINATIONS:
        raise SqlUnsupported(f"{where} reads facts with {total} combinations of values "
                             f"(at most {MAX_COMBINATIONS} can be written out)")
    weights = [math.prod(a[1] for a in atoms[:i]) for i in range(len(atoms))]
    rows: dict[int, tuple[str, ...]] = {}
    for combo in product(*(a[2] for a in atoms)):
        facts: dict[str, Any] = {}
        for _digit, part in combo:
            facts.update(part)
        try:
            needed = needed_for(facts)
        except RouteError:
            continue  # two answers (contributions) hold, or none: the query reports a route error there
        if needed:
            rows[sum(w * digit for w, (digit, _p) in zip(weights, combo))] = needed
    key = " + ".join(f"{w} * {a[0]}" for w, a in zip(weights, atoms)) or "0"
    return NeedTable(f"({key})", rows)
