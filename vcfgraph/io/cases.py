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
from vcfgraph.scale import SLOT_LISTS
from vcfgraph.validate import fact_value_problem

__all__ = ["CASE_KEYS", "EXPECTED_KEYS", "MAX_CASE_BYTES", "load_cases", "case_from_data"]

#: largest case file read: a located tree costs time and memory in proportion to the file (about
#: 45 bytes of memory per byte read), and a file of thousands of cases is for ``vcfgraph batch``
MAX_CASE_BYTES = 8 * 1024 * 1024

#: the keys a case mapping may have
CASE_KEYS = (
    "id", "title", "description", "vignette", "facts", "expected", "expected_variant",
    *(f"expected_{name}" for name in SLOT_LISTS.values()),
    "missing_fact", "note", "notes", "rationale", "split", "evidence_confidence", "source", "sources", "tags",
)
#: the keys of a case's ``expected:`` mapping
EXPECTED_KEYS = ("outcome", "terminal", "missing", *SLOT_LISTS.values(), "contraindicated", "cautions")
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


def _expected(m: Mapping[str, Any], pathway: Pathway, r: Reader, what: str) -> Expected | None:
    """Expectations, from ``expected:`` or from the vignette keys (``expected_variant`` ...)."""
    if "expected" in m:
        e = r.mapping(m["expected"], r.at(m, "expected"), f"'expected' of {what}", optional=EXPECTED_KEYS)
        if e is None:
            return None
        sub = f"'expected' of {what}"
        terminal = r.text(e, "terminal", sub) or None
        exp = Expected(
            outcome=r.choice(e, "outcome", sub, OUTCOMES) or None,
            terminal=terminal,
            missing=r.texts(e, "missing", sub),
            usually_appropriate=r.texts(e, "usually_appropriate", sub),
            may_be_appropriate=r.texts(e, "may_be_appropriate", sub),
            usually_not_appropriate=r.texts(e, "usually_not_appropriate", sub),
            contraindicated=r.texts(e, "contraindicated", sub),
            cautions=r.texts(e, "cautions", sub),
        )
        _check_expected_ids(exp, pathway, r, r.at(m, "expected"), what)
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
    )
    _check_expected_ids(exp, pathway, r, r.at(m, "expected_variant"), what)
    return exp


def _check_expected_ids(exp: Expected, pathway: Pathway, r: Reader, loc: Location, what: str) -> None:
    terminals = [n.id for n in pathway.nodes if n.terminal]
    actions = [n.id for n in pathway.of_kind("action")]
    if exp.terminal and exp.terminal not in terminals:
        r.report(loc, f"expected outcome '{exp.terminal}' of {what} is not a variant or hand-off of the pathway{did_you_mean(exp.terminal, terminals)}")
    lists: Sequence[tuple[str, tuple[str, ...]]] = [(key, getattr(exp, key)) for key in (*SLOT_LISTS.values(), "contraindicated")]
    for key, ids in lists:
        for action in ids:
            if action not in actions:
                r.report(loc, f"expected {key} action '{action}' of {what} is not an action of the pathway{did_you_mean(action, actions)}")
    checks = [c.id for c in pathway.checks]
    for check in exp.cautions:
        if check not in checks:
            r.report(loc, f"expected caution '{check}' of {what} is not a check of the pathway{did_you_mean(check, checks)}")
    for fact in exp.missing:
        if not pathway.has_fact(fact):
            r.report(loc, f"expected missing fact '{fact}' of {what} is not a fact of the pathway{did_you_mean(fact, [f.name for f in pathway.facts])}")
