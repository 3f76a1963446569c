"""Named conditions and "not recorded" policies of a pathway file.

The ``definitions:`` section names conditions once; ``{use: name}`` stands for one anywhere a
condition goes (answers, checks, contraindications, properties, other definitions). A definition
is parsed the first time it is needed, so definitions may use each other in any order; a cycle
between them is reported at the ``use`` that closes it, with the whole loop.

A fact's ``unknown:`` policy (``unknown: absent`` on a bool fact, or ``unknown: <value>``) is the
value every test on that fact reads when the fact is not recorded. A conditional policy
(``unknown: {read_as: absent, when: <condition>}``) holds only while its condition is true; the
condition may not read a fact that has a conditional policy itself.

This module knows nothing of nodes: :mod:`vcfgraph.io.pathway` calls :class:`Definitions` while it
builds the pathway and checks each definition's tests against the facts.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from vcfgraph.conditions import Condition, Value, facts_read, format_value
from vcfgraph.errors import did_you_mean
from vcfgraph.io.located import IDENTIFIER, Reader
from vcfgraph.model import Definition, Fact
from vcfgraph.io.conditions import parse as parse_condition

__all__ = ["Definitions", "unknown_policy", "policies", "conditional_policies"]

#: words an author may write for a bool fact's "not recorded" policy
_BOOL_WORDS: dict[str, bool] = {"absent": False, "present": True}


def unknown_policy(r: Reader, f: Mapping[str, Any], fact: Fact, what: str) -> Fact:
    """The fact with its ``unknown:`` policy read from ``f`` (reported when it is not a value of
    the fact's domain); unchanged when there is none."""
    from dataclasses import replace

    if "unknown" not in f:
        return fact
    raw = f["unknown"]
    if isinstance(raw, Mapping):
        if set(map(str, raw)) != {"read_as", "when"}:
            r.report(r.at(f, "unknown"), f"a conditional 'unknown' of {what} needs exactly 'read_as' (the value) "
                                         "and 'when' (the condition under which it holds)")
            return fact
        raw = raw["read_as"]
    value: Value = raw
    if fact.type == "bool" and isinstance(raw, str) and raw in _BOOL_WORDS:
        value = _BOOL_WORDS[raw]
    if raw is None or not fact.accepts(value):
        words = ", ".join(_BOOL_WORDS) + ", true or false" if fact.type == "bool" else fact.allowed().rsplit(" or null", 1)[0]
        r.report(r.at(f, "unknown"), f"'unknown' of {what} must be the value read when it is not recorded "
                                     f"({words}), got {format_value(raw)}")
        return fact
    word = raw if isinstance(raw, str) else format_value(value)
    return replace(fact, unknown=value, unknown_word=word)


def policies(facts: Mapping[str, Fact]) -> dict[str, tuple[Any, ...]]:
    """fact name -> (assumed value, the author's word[, its condition]) for every fact with a
    policy; a conditional policy whose condition is not parsed yet is left out."""
    out: dict[str, tuple[Any, ...]] = {}
    for name, f in facts.items():
        if f.unknown is not None and f.unknown_when is not None:
            out[name] = (f.unknown, f.unknown_word, f.unknown_when)
        elif f.unknown is not None:
            out[name] = (f.unknown, f.unknown_word)
    return out


def conditional_policies(r: Reader, raw_facts: Any, facts: dict[str, Fact], defs: "Definitions") -> None:
    """Parse the ``when`` of every conditional ``unknown:`` policy and set it on its fact (in
    ``facts``, in place); a fact whose condition is unusable loses its policy (reported)."""
    from dataclasses import replace

    if not isinstance(raw_facts, Mapping):
        return
    conditional = [n for n, f in raw_facts.items() if n in facts and isinstance(f, Mapping)
                   and isinstance(f.get("unknown"), Mapping) and "when" in f["unknown"]]
    for name in conditional:
        spec = raw_facts[name]["unknown"]
        what = f"the 'unknown' policy of fact '{name}'"
        cond, errors = parse_condition(spec["when"], (), defs.resolve, defs.assume)
        for e in errors:
            r.report(r.at_path(spec["when"], e.path) if e.path else r.at(spec, "when"), f"{e.message} (in {what})")
        if cond is not None:
            defs.check_tests(cond, spec["when"], what)
            loop = [n for n in facts_read(cond) if n in conditional]
            if loop:
                r.report(r.at(spec, "when"), f"the condition of {what} reads {', '.join(loop)}, whose own policy is "
                                             "conditional; it may read only facts whose value does not depend on a condition")
                cond = None
        facts[name] = replace(facts[name], unknown_when=cond) if cond is not None else replace(
            facts[name], unknown=None, unknown_word="")


class Definitions:
    """The ``definitions:`` section, parsed on demand.

    Args:
        r: the reader that collects problems.
        root: the pathway file's top-level mapping.
        assume: the facts' "not recorded" policies.
        check_tests: called with (condition, raw data, what) to check the tests a definition
            itself contains against the declared facts.
    """

    def __init__(self, r: Reader, root: Mapping[str, Any], assume: dict[str, tuple[Any, ...]],
                 check_tests: Callable[[Condition, Any, str], None]) -> None:
        self.r = r
        self.assume = assume
        self.check_tests = check_tests
        raw = root.get("definitions")
        self.section: Mapping[str, Any] = {}
        if raw is not None:
            names = tuple(raw) if isinstance(raw, Mapping) else ()
            self.section = r.mapping(raw, r.at(root, "definitions"), "'definitions'", optional=names) or {}
        self.done: dict[str, Condition | None] = {}
        self.stack: list[str] = []

    def resolve(self, name: str) -> Condition | str | None:
        """The condition ``name`` stands for; a message when there is none; None when its
        definition is broken (already reported there)."""
        if name in self.stack:
            loop = " -> ".join(self.stack[self.stack.index(name):] + [name])
            return f"definitions form a cycle ({loop}); a definition cannot use itself"
        if name not in self.section:
            if not self.section:
                return "there is no 'definitions' section; add one that names this condition"
            return f"there is no definition named '{name}'{did_you_mean(name, self.section)}"
        if name not in self.done:
            self.stack.append(name)
            self.done[name] = self._parse(name)
            self.stack.pop()
        return self.done[name]

    def _parse(self, name: str) -> Condition | None:
        r, raw = self.r, self.section[name]
        what = f"definition '{name}'"
        cond, errors = parse_condition(raw, (), self.resolve, self.assume)
        for e in errors:
            r.report(r.at_path(raw, e.path) if e.path else r.at(self.section, name), f"{e.message} (in {what})")
        if cond is not None:
            self.check_tests(cond, raw, what)
        return cond

    def build(self) -> tuple[Definition, ...]:
        """Parse every definition (used or not), in file order, and return the good ones."""
        out = []
        for name in self.section:
            if not isinstance(name, str) or not IDENTIFIER.match(name):
                self.r.report(self.r.at(self.section, name, of_key=True),
                              f"definition name {format_value(name)} must be an id (a letter, then letters, digits or _)")
                continue
            cond = self.resolve(name)
            if isinstance(cond, (str, type(None))):
                continue
            out.append(Definition(name, cond, self.r.at(self.section, name)))
        return tuple(out)

