"""Case files: one case, or a list under ``cases:`` or ``vignettes:``, read and checked with every
problem located.

A case file is YAML 1.2 or JSON (read by :mod:`vcfgraph.io.source` into a located tree), or a
FHIR QuestionnaireResponse (:mod:`vcfgraph.io.fhir`). Each case's facts are checked against the
pathway's fact vocabulary: an unknown fact (with a suggestion), a value of the wrong type, or a
value outside the domain is reported at its file:line:col with the fact's allowed values. The
expectations a case may record (outcome, terminal, rating lists, cautions) are checked against
the pathway's ids here too; comparing them with a route is :func:`vcfgraph.engine.check_expected`'s
job. Reading pathways is :mod:`vcfgraph.io.pathway`'s.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, assert_never

from vcfgraph.conditions import Value
from vcfgraph.errors import CaseError, Location, PathwayError, did_you_mean
from vcfgraph.io.fhir import Accepted, NotOurs, Refused, is_response, read_response
from vcfgraph.io.located import Reader
from vcfgraph.io.source import read_tree
from vcfgraph.model import OUTCOMES, Case, Expected, Pathway
from vcfgraph.scale import SLOT_LISTS, RatingScale
from vcfgraph.validate import fact_value_problem

__all__ = ["CASE_KEYS", "EXPECTED_KEYS", "MAX_CASE_BYTES", "load_cases", "case_from_data", "rating_keys"]

#: largest case file read: a located tree costs time and memory in proportion to the file (about
#: 45 bytes of memory per byte read), and a file of thousands of cases is for ``vcfgraph batch``
MAX_CASE_BYTES = 8 * 1024 * 1024

#: the keys a case mapping may have
CASE_KEYS = (
    "id", "title", "description", "vignette", "facts", "expected", "expected_variant",
    *(f"expected_{name}" for name in SLOT_LISTS.values()),
    "missing_fact", "note", "notes", "rationale", "split", "evidence_confidence", "source", "sources", "tags",
)
#: the keys of a case's ``expected:`` mapping that every scale shares; the rated actions are
#: listed under the keys of the pathway's scale (:func:`rating_keys`)
EXPECTED_KEYS = ("outcome", "terminal", "missing", "contraindicated", "cautions", "rules", "exactly")
_NEED_INFO, _ESCALATE = "X_NEED_INFO", "X_ESCALATE_OUT_OF_SCOPE"


def load_cases(pathway: Pathway, path: str | Path) -> list[Case]:
    """Read a case file: one case, or a list under ``cases:`` or ``vignettes:``.

    Args:
        pathway: the pathway whose facts the cases give.
        path: the case file.

    Raises:
        CaseError: a case is invalid (every problem of the file in one message).
        UsageError: the file cannot be read or is not a case file.
        TypeError: no Pathway is given.
    """
    if not isinstance(pathway, Pathway):
        raise TypeError("load_cases(pathway, path) needs a Pathway (from load_pathway) and a case file name")
    name = str(path)
    try:
        data = read_tree(path, limit=MAX_CASE_BYTES)
    except PathwayError as exc:
        raise CaseError(str(exc)) from None
    r = Reader(name)
    if isinstance(data, Mapping) and ("cases" in data or "vignettes" in data):
        key = "cases" if "cases" in data else "vignettes"
        r.mapping(data, r.at(data), "the case file", optional=(key, "description", "notes"))
        items = r.sequence(data[key], r.at(data, key), f"'{key}'")
        stem = Path(name).stem
        cases = [case_from_data(item, pathway, r, r.at(items, i), f"{stem}-{i + 1}") for i, item in enumerate(items)]
    elif is_response(data):
        verdict = read_response(data, pathway, source=name, default_id=Path(name).stem, reader=r)
        match verdict:
            case Accepted(case):
                cases = [case]
            case Refused():  # its problems are in r already
                cases = []
            case NotOurs(_, problem):  # handed to us as a case: refused with the reason
                r.report(problem.loc, problem.message)
                cases = []
            case _:
                assert_never(verdict)
    else:
        cases = [case_from_data(data, pathway, r, Location(name, 1, 1), Path(name).stem)]
    if r.problems:
        problems = sorted(set(r.problems))
        raise CaseError("\n".join(str(p) for p in problems))
    counts = Counter(c.id for c in cases if c is not None)  # not ids.count per id: linear in the number of cases
    dupes = sorted(i for i, n in counts.items() if n > 1)
    if dupes:
        raise CaseError(f"{name}: case id '{dupes[0]}' is used more than once")
    return [c for c in cases if c is not None]


def case_from_data(data: Any, pathway: Pathway, r: Reader, loc: Location, default_id: str) -> Case | None:
    """Check one case mapping and build it; problems go to ``r``."""
    m = r.mapping(data, loc, "a case", required=("facts",), optional=CASE_KEYS)
    if m is None or "facts" not in m:
        return None
    case_id = r.text(m, "id", "the case") or default_id
    what = f"case '{case_id}'"
    facts = _case_facts(m["facts"], pathway, r, r.at(m, "facts"), what)
    return Case(
        id=case_id,
        facts=facts,
        description=r.text(m, "description", what) or r.text(m, "title", what),
        vignette=r.text(m, "vignette", what),
        expected=_expected(m, pathway, r, what),
        loc=loc,
    )


def _case_facts(raw: Any, pathway: Pathway, r: Reader, loc: Location, what: str) -> dict[str, Value]:
    facts: dict[str, Value] = {f.name: None for f in pathway.facts}
    if raw is None:
        return facts
    if not isinstance(raw, Mapping):
        r.report(loc, f"'facts' of {what} must be a mapping of fact names to values")
        return facts
    for name, value in raw.items():
        if not isinstance(name, str) or not pathway.has_fact(name):
            names = [f.name for f in pathway.facts]
            r.report(r.at(raw, name, of_key=True), f"unknown fact '{name}' in {what}{r.hint(str(name), names)}")
            continue
        message = fact_value_problem(pathway.fact(name), value)
        if message:
            r.report(r.at(raw, name), f"{message} (in {what})")
        else:
            facts[name] = value
    return facts


def rating_keys(scale: RatingScale) -> dict[str, str]:
    """The keys an ``expected:`` block lists rated actions under -> the list of
    :class:`~vcfgraph.model.Expected` they fill: the category ids of the pathway's scale, and on
    the ACR scale its list names too (``usually_appropriate`` ...). A category id that is one
    of :data:`EXPECTED_KEYS` keeps that key's meaning and lists nothing."""
    keys = {name: name for name in SLOT_LISTS.values()} if scale.is_acr else {}
    keys.update({c.id: SLOT_LISTS[c.slot] for c in scale.categories if c.id not in EXPECTED_KEYS})
    return keys


def _expected(m: Mapping[str, Any], pathway: Pathway, r: Reader, what: str) -> Expected | None:
    """Expectations, from ``expected:`` or from the vignette keys (``expected_variant`` ...)."""
    if "expected" in m:
        sub = f"'expected' of {what}"
        keys = rating_keys(pathway.scale)
        raw = m["expected"]  # its keys are checked against the scale's just below, with the scale's words
        e = r.mapping(raw, r.at(m, "expected"), sub, optional=raw.keys() if isinstance(raw, Mapping) else ())
        if e is None:
            return None
        _unknown_expected_keys(e, pathway.scale, keys, r, sub)
        lists: dict[str, tuple[str, ...]] = {name: () for name in SLOT_LISTS.values()}
        given = [key for key in ("missing", "contraindicated", "cautions", "rules") if key in e]
        for key, name in keys.items():
            if key in e:
                lists[name] += r.texts(e, key, sub)
                given.append(name)
        exp = Expected(
            outcome=r.choice(e, "outcome", sub, OUTCOMES) or None,
            terminal=r.text(e, "terminal", sub) or None,
            missing=r.texts(e, "missing", sub),
            contraindicated=r.texts(e, "contraindicated", sub),
            cautions=r.texts(e, "cautions", sub),
            rules=r.texts(e, "rules", sub),
            exactly=_flag(e, "exactly", r, sub),
            given=tuple(sorted(set(given))),
            **lists,
        )
        _check_expected_ids(exp, pathway, r, r.at(m, "expected"), what, {str(k): r.at(e, k) for k in e})
        return exp
    if "expected_variant" not in m:
        return None
    target = r.text(m, "expected_variant", what)
    if target == _NEED_INFO:
        outcome, terminal = "need_info", None
    elif target == _ESCALATE:
        outcome, terminal = "handoff", None
    else:
        node = pathway.node(target) if pathway.has_node(target) else None
        outcome, terminal = (node.kind if node else "variant"), target
    exp = Expected(
        outcome=outcome,
        terminal=terminal,
        missing=r.texts(m, "missing_fact", what),
        usually_appropriate=r.texts(m, "expected_usually_appropriate", what),
        may_be_appropriate=r.texts(m, "expected_may_be_appropriate", what),
        usually_not_appropriate=r.texts(m, "expected_usually_not_appropriate", what),
        given=tuple(name for name in SLOT_LISTS.values() if f"expected_{name}" in m),
    )
    _check_expected_ids(exp, pathway, r, r.at(m, "expected_variant"), what)
    return exp


def _unknown_expected_keys(e: Mapping[str, Any], scale: RatingScale, keys: Mapping[str, str], r: Reader, sub: str) -> None:
    """Report each key of an ``expected:`` block the pathway's scale does not know, with the
    keys it does know: a close match, the scale's id for an ACR list name, or the whole list."""
    allowed = (*EXPECTED_KEYS, *keys)
    lists = ", ".join(keys)
    for key in e:
        if key in allowed:
            continue
        at, word = r.at(e, key, of_key=True), str(key)
        hint = r.hint(word, allowed)
        slot = next((s for s, name in SLOT_LISTS.items() if name == word), None)
        category = scale.of_slot(slot) if slot else None
        if hint:
            r.report(at, f"unknown key '{word}' in {sub}{hint}")
        elif category is not None:
            r.report(at, f"unknown key '{word}' in {sub}: that is a list of the ACR scale; the pathway's scale "
                         f"({scale.name}) names it '{category.id}' ({category.name})")
        else:
            r.report(at, f"unknown key '{word}' in {sub}; it may have {', '.join(EXPECTED_KEYS)}, and the "
                         f"categories of the pathway's scale ({scale.name}): {lists}")


def _flag(e: Mapping[str, Any], key: str, r: Reader, sub: str) -> bool:
    value = e.get(key)
    if value is None or isinstance(value, bool):
        return bool(value)
    r.report(r.at(e, key), f"'{key}' of {sub} must be true or false; got {value!r}")
    return False


def _check_expected_ids(exp: Expected, pathway: Pathway, r: Reader, loc: Location, what: str,
                        places: Mapping[str, Location] | None = None) -> None:
    """Report every id an expectation names that the pathway lacks, at its key when ``places``
    (key -> location) has it, else at ``loc``."""
    at = places or {}
    terminals = [n.id for n in pathway.nodes if n.terminal]
    actions = [n.id for n in pathway.of_kind("action")]
    if exp.terminal and exp.terminal not in terminals:
        r.report(at.get("terminal", loc), f"expected outcome '{exp.terminal}' of {what} is not a variant or hand-off of the pathway{did_you_mean(exp.terminal, terminals)}")
    lists: Sequence[tuple[str, tuple[str, ...]]] = [
        *((pathway.scale.list_key(slot), getattr(exp, name)) for slot, name in SLOT_LISTS.items()),
        ("contraindicated", exp.contraindicated)]
    for key, ids in lists:
        for action in ids:
            if action not in actions:
                r.report(at.get(key, loc), f"expected {key} action '{action}' of {what} is not an action of the pathway{did_you_mean(action, actions)}")
    checks = [c.id for c in pathway.checks]
    for check in exp.cautions:
        if check not in checks:
            r.report(at.get("cautions", loc), f"expected caution '{check}' of {what} is not a check of the pathway{did_you_mean(check, checks)}")
    rules = list(dict.fromkeys(rule.id for n in pathway.nodes for rule in n.rules))
    for rule in exp.rules:
        if rule not in rules:
            r.report(at.get("rules", loc), f"expected rule '{rule}' of {what} is not a rule of any variant of the pathway{did_you_mean(rule, rules)}")
    for fact in exp.missing:
        if not pathway.has_fact(fact):
            r.report(at.get("missing", loc), f"expected missing fact '{fact}' of {what} is not a fact of the pathway{did_you_mean(fact, [f.name for f in pathway.facts])}")
