"""Reading files: pathways and cases, as YAML 1.2 or JSON, with every error located.

Files are read by :mod:`vcfgraph.io` into located trees: YAML 1.2 (JSON is YAML 1.2), so
``yes``/``no``/``on``/``off`` stay text and every key keeps its line and column. Nothing is
ever constructed from a tag: unknown tags are errors.

Cases are checked against the pathway's fact vocabulary: an unknown fact (with a suggestion),
a value of the wrong type, or a value outside the domain gives a :class:`CaseError` naming the
fact and its allowed values.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from vcfgraph.io import bundled
from vcfgraph.conditions import Value
from vcfgraph.errors import CaseError, Location, PathwayError, did_you_mean
from vcfgraph.io.located import Reader
from vcfgraph.model import OUTCOMES, Case, Expected, Fact, Pathway
from vcfgraph.io.source import read_tree as _read_tree
from vcfgraph.io.pathway import build_pathway
from vcfgraph.validate import check_facts, fact_value_problem

__all__ = [
    "DEFAULT_GRAPH",
    "read_tree",
    "load_pathway",
    "load_cases",
    "case_from_data",
    "check_facts",
    "parse_fact_value",
]

#: the bundled VCF pathway
DEFAULT_GRAPH = bundled.pathway_file()

_CASE_KEYS = (
    "id", "title", "description", "vignette", "facts", "expected", "expected_variant",
    "expected_usually_appropriate", "expected_may_be_appropriate", "expected_usually_not_appropriate",
    "missing_fact", "note", "notes", "rationale", "split", "evidence_confidence", "source", "sources", "tags",
)
_EXPECTED_KEYS = ("outcome", "terminal", "missing", "usually_appropriate", "may_be_appropriate",
                  "usually_not_appropriate", "contraindicated", "cautions")
_NEED_INFO, _ESCALATE = "X_NEED_INFO", "X_ESCALATE_OUT_OF_SCOPE"


def read_tree(path: str | Path, *, cache: bool = False) -> Any:
    """Read a YAML 1.2 or JSON file into a located tree (see :mod:`vcfgraph.io`).

    Raises:
        UsageError: the file cannot be read.
        PathwayError: the file is too large, not UTF-8 or not valid YAML (one located problem).
    """
    return _read_tree(path, cache=cache)


def load_pathway(path: str | Path | None = None, *, cache: bool = True) -> Pathway:
    """Read and check a pathway file (default: the bundled VCF pathway).

    The file's bytes are read once. Their located tree may come from the tree cache
    (:mod:`vcfgraph.io.cache`: signed JSON under a key made of those bytes), but the pathway
    is always checked and built from the tree anew, so a cache entry can never pass a broken
    file nor change an answer.

    Raises:
        PathwayError: every problem in the file, each with file:line:col.
        UsageError: the file cannot be read.
    """
    path = Path(path) if path is not None else DEFAULT_GRAPH
    return build_pathway(read_tree(path, cache=cache), str(path))


def load_cases(pathway: Pathway | str | Path, path: str | Path | Pathway) -> list[Case]:
    """Read a case file: one case, or a list under ``cases:`` or ``vignettes:``.

    Args:
        pathway: the pathway whose facts the cases give.
        path: the case file. (The order before 0.1.1, ``load_cases(path, pathway)``, still
            works: the two are told apart by type.)

    Raises:
        CaseError: a case is invalid (every problem of the file in one message).
        UsageError: the file cannot be read or is not a case file.
        TypeError: no Pathway is given.
    """
    if isinstance(path, Pathway):
        pathway, path = path, pathway
    if not isinstance(pathway, Pathway) or isinstance(path, Pathway):
        raise TypeError("load_cases(pathway, path) needs a Pathway (from load_pathway) and a case file name")
    name = str(path)
    try:
        data = read_tree(path)
    except PathwayError as exc:
        raise CaseError(str(exc)) from None
    r = Reader(name)
    if isinstance(data, Mapping) and ("cases" in data or "vignettes" in data):
        key = "cases" if "cases" in data else "vignettes"
        r.mapping(data, r.at(data), "the case file", optional=(key, "description", "notes"))
        items = r.sequence(data[key], r.at(data, key), f"'{key}'")
        stem = Path(name).stem
        cases = [case_from_data(item, pathway, r, r.at(items, i), f"{stem}-{i + 1}") for i, item in enumerate(items)]
    elif isinstance(data, Mapping) and data.get("resourceType") == "QuestionnaireResponse":
        from vcfgraph.io.fhir import case_from_response  # a FHIR case (issue 11)

        cases = [case_from_response(data, pathway, r, Location(name, 1, 1), Path(name).stem)]
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
    m = r.mapping(data, loc, "a case", required=("facts",), optional=_CASE_KEYS)
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
            r.report(r.at(raw, name, of_key=True), f"unknown fact '{name}' in {what}{did_you_mean(str(name), names)}")
            continue
        message = fact_value_problem(pathway.fact(name), value)
        if message:
            r.report(r.at(raw, name), f"{message} (in {what})")
        else:
            facts[name] = value
    return facts


_TRUE = ("true", "yes", "y")
_FALSE = ("false", "no", "n")
_UNKNOWN = ("null", "unknown", "?", "")
#: a whole number typed by a person: ASCII digits only (``int`` would also take "7_0" and Arabic-Indic digits),
#: a whole float such as 70.0 counts as 70; at most 30 digits, so no value is unbounded
_INTEGER = re.compile(r"[+-]?[0-9]{1,30}(?:\.0*)?")


def parse_fact_value(fact: Fact, text: str) -> Value:
    """Read a value typed by a person (``--fact``, ``ask``): true/yes, 12, a word, or unknown.

    Raises:
        CaseError: naming the fact and its allowed values.
    """
    word = text.strip()
    low = word.lower()
    if low in _UNKNOWN:
        return None
    value: Value
    if fact.type == "bool":
        if low not in _TRUE + _FALSE:
            raise CaseError(f"fact '{fact.name}' cannot be '{word}'; allowed: {fact.allowed()}",
                            fact=fact.name, value=word, allowed=fact.allowed())
        value = low in _TRUE
    elif fact.type == "int":
        if not _INTEGER.fullmatch(word):
            shown = word if len(word) <= 40 else word[:40] + "..."
            raise CaseError(f"fact '{fact.name}' cannot be '{shown}'; allowed: {fact.allowed()}",
                            fact=fact.name, value=shown, allowed=fact.allowed())
        value = int(word.split(".")[0])
    else:
        value = word
    message = fact_value_problem(fact, value)
    if message:
        raise CaseError(message, fact=fact.name, value=value, allowed=fact.allowed())
    return value


def _expected(m: Mapping[str, Any], pathway: Pathway, r: Reader, what: str) -> Expected | None:
    """Expectations, from ``expected:`` or from the vignette keys (``expected_variant`` ...)."""
    if "expected" in m:
        e = r.mapping(m["expected"], r.at(m, "expected"), f"'expected' of {what}", optional=_EXPECTED_KEYS)
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
    lists: Sequence[tuple[str, tuple[str, ...]]] = (
        ("usually_appropriate", exp.usually_appropriate), ("may_be_appropriate", exp.may_be_appropriate),
        ("usually_not_appropriate", exp.usually_not_appropriate), ("contraindicated", exp.contraindicated),
    )
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
