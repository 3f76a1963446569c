"""Reading files: pathways and cases, as YAML 1.2 or JSON, with every error located.

The only module that opens YAML or JSON. YAML is read with ruamel.yaml's round-trip loader in
YAML 1.2 mode, so ``yes``/``no``/``on``/``off`` stay text and every key keeps its line and
column; JSON is read by the same loader (JSON is YAML 1.2). Nothing is ever constructed from
a tag: unknown tags are errors.

Cases are checked against the pathway's fact vocabulary: an unknown fact (with a suggestion),
a value of the wrong type, or a value outside the domain gives a :class:`CaseError` naming the
fact and its allowed values.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from pathlib import Path
from typing import Any, Mapping, Sequence

from vcfgraph.conditions import Value, format_value
from vcfgraph.errors import CaseError, Location, PathwayError, Problem, UsageError, did_you_mean
from vcfgraph.located import Reader
from vcfgraph.model import OUTCOMES, Case, Expected, Fact, Pathway
from vcfgraph.schema import build_pathway

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
DEFAULT_GRAPH = Path(__file__).resolve().parent.parent / "graphs" / "vcf-management.yaml"

_CASE_KEYS = (
    "id", "title", "description", "vignette", "facts", "expected", "expected_variant",
    "expected_usually_appropriate", "expected_may_be_appropriate", "expected_usually_not_appropriate",
    "missing_fact", "note", "notes", "rationale", "split", "evidence_confidence", "source", "sources", "tags",
)
_EXPECTED_KEYS = ("outcome", "terminal", "missing", "usually_appropriate", "may_be_appropriate",
                  "usually_not_appropriate", "contraindicated", "cautions")
_NEED_INFO, _ESCALATE = "X_NEED_INFO", "X_ESCALATE_OUT_OF_SCOPE"


def read_tree(path: str | Path) -> Any:
    """Read a YAML 1.2 or JSON file into a located tree.

    Raises:
        UsageError: the file cannot be read.
        PathwayError: the text is not valid YAML/JSON (one located problem).
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    from vcfgraph.yaml_hints import explain

    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{name}: is a folder, not a file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{name}: cannot read the file ({exc})") from None
    yaml = YAML(typ="rt", pure=True)
    yaml.version = (1, 2)
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        what = " ".join(str(x) for x in (exc.context, exc.problem) if x).replace("\n", " ")
        dup = re.search(r'found duplicate key "([^"]*)"', str(exc.problem))
        if dup:
            first = exc.context_mark.line + 1 if exc.context_mark else "?"
            raise PathwayError([Problem(Location(name, line, col),
                                        f"key '{dup.group(1)}' is given twice in the mapping that starts at line {first}; keep one")]) from None
        better = explain(text, line, col, what)
        if better is not None:
            raise PathwayError([Problem(Location(name, better[0], better[1]), better[2])]) from None
        raise PathwayError([Problem(Location(name, line, col), f"YAML syntax error: {what}")]) from None
    except YAMLError as exc:
        raise PathwayError([Problem(Location(name), f"YAML syntax error: {exc}")]) from None


def load_pathway(path: str | Path | None = None, *, cache: bool = True) -> Pathway:
    """Read and check a pathway file (default: the bundled VCF pathway).

    A checked pathway is kept in a cache (``$VCFGRAPH_CACHE``, else ``$XDG_CACHE_HOME/vcfgraph``
    or ``~/.cache/vcfgraph``; ``VCFGRAPH_CACHE=off`` turns it off) under a key made of the file's
    path and bytes and of this package's model code, so a changed file or program is read anew.

    Raises:
        PathwayError: every problem in the file, each with file:line:col.
        UsageError: the file cannot be read.
    """
    path = Path(path) if path is not None else DEFAULT_GRAPH
    cached = _cache_file(path) if cache else None
    if cached is not None and cached.is_file():
        try:
            with open(cached, "rb") as f:
                pathway = pickle.load(f)
            if isinstance(pathway, Pathway):
                return pathway
        except Exception:  # a damaged or foreign cache entry is only a miss
            pass
    pathway = build_pathway(read_tree(path), str(path))
    if cached is not None:
        _store(cached, pathway)
    return pathway


def _cache_file(path: Path) -> Path | None:
    setting = os.environ.get("VCFGRAPH_CACHE", "")
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    try:
        content = path.read_bytes()
    except OSError:
        return None  # read_tree reports it
    folder = Path(setting) if setting else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vcfgraph"
    digest = hashlib.sha256(_code_key() + str(path).encode() + b"\0" + content).hexdigest()[:32]
    return folder / f"pathway-{digest}.pickle"


def _code_key() -> bytes:
    """A digest of the modules whose classes a cached pathway is made of."""
    here = Path(__file__).resolve().parent
    names = ("model.py", "conditions.py", "errors.py", "schema.py", "schema_nodes.py", "located.py", "load.py",
             "definitions.py", "scale.py", "scale_schema.py", "schema_spec.py")
    return hashlib.sha256(b"".join((here / n).read_bytes() for n in names)).digest()


def _store(cached: Path, pathway: Pathway) -> None:
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            pickle.dump(pathway, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cached)
    except OSError:
        pass  # no cache is only slower


def load_cases(path: str | Path, pathway: Pathway) -> list[Case]:
    """Read a case file: one case, or a list under ``cases:`` or ``vignettes:``.

    Raises:
        CaseError: a case is invalid (every problem of the file in one message).
        UsageError: the file cannot be read or is not a case file.
    """
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
        cases = [case_from_data(item, pathway, r, r.at(items, i), f"{Path(name).stem}-{i + 1}") for i, item in enumerate(items)]
    else:
        cases = [case_from_data(data, pathway, r, Location(name, 1, 1), Path(name).stem)]
    if r.problems:
        problems = sorted(set(r.problems))
        raise CaseError("\n".join(str(p) for p in problems))
    ids = [c.id for c in cases if c is not None]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
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


def fact_value_problem(fact: Fact, value: Any) -> str | None:
    """Why ``value`` cannot be a value of ``fact``, or None when it can (None always can)."""
    if value is None or fact.accepts(value):
        return None
    hint = did_you_mean(str(value), fact.values) if fact.type == "enum" else ""
    shown = f"'{value}'" if isinstance(value, str) else format_value(value)
    return f"fact '{fact.name}' cannot be {shown}; allowed: {fact.allowed()}{hint}"


def check_facts(facts: Mapping[str, Any], pathway: Pathway, case: str | None = None) -> dict[str, Value]:
    """Check a plain mapping of facts (from code, JSON or a batch row).

    Raises:
        CaseError: naming the first bad fact and its allowed values.
    """
    out: dict[str, Value] = {f.name: None for f in pathway.facts}
    for name in sorted(facts):
        value = facts[name]
        if not pathway.has_fact(name):
            names = [f.name for f in pathway.facts]
            raise CaseError(f"unknown fact '{name}'{did_you_mean(name, names)}", case=case, fact=name, value=value)
        fact = pathway.fact(name)
        message = fact_value_problem(fact, value)
        if message:
            raise CaseError(message, case=case, fact=name, value=value, allowed=fact.allowed())
        out[name] = value
    return out


_TRUE = ("true", "yes", "y")
_FALSE = ("false", "no", "n")
_UNKNOWN = ("null", "unknown", "?", "")


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
        try:
            value = int(word)
        except ValueError:
            raise CaseError(f"fact '{fact.name}' cannot be '{word}'; allowed: {fact.allowed()}",
                            fact=fact.name, value=word, allowed=fact.allowed()) from None
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
