"""The pathway file format: turn a located data tree into a :class:`~vcfgraph.model.Pathway`.

Checks shapes, types, ids and cross references, and checks every condition against the facts'
declared domains. Every problem is collected with its file:line:column and a close-match
suggestion; if there is any, :class:`~vcfgraph.errors.PathwayError` is raised with all of them.
Reading the file (YAML 1.2) is :mod:`vcfgraph.io.load`'s job. docs/pathway-format.md describes
the format for authors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vcfgraph import conditions as cond_mod
from vcfgraph.conditions import Condition, format_value
from vcfgraph.errors import Location, PathwayError, did_you_mean
from vcfgraph.io.definitions import Definitions, conditional_policies, policies, unknown_policy
from vcfgraph.io.located import IDENTIFIER, Reader, condition_size_problem, url_problem
from vcfgraph.io.acknowledged import read_acknowledged
from vcfgraph.io.collector import paused
from vcfgraph.io.scale import read_scale
from vcfgraph.io.spec import SECTIONS
from vcfgraph.io.nodes import NodeSection
from vcfgraph.io.conditions import parse as parse_condition
from vcfgraph.model import (
    CHECK_EFFECTS,
    CONFIDENCES,
    FACT_SOURCES,
    FACT_TYPES,
    ACTION_EXPECTATIONS,
    PROPERTY_EXPECTATIONS,
    Check,
    Edge,
    Fact,
    Meta,
    Node,
    Pathway,
    Property,
    Source,
)

__all__ = ["build_pathway"]



def build_pathway(data: Any, file: str) -> Pathway:
    """Check a located tree and build the pathway it describes.

    Args:
        data: the tree read from a pathway file.
        file: the file name used in every location.

    Returns:
        The pathway.

    Raises:
        PathwayError: with every problem found, sorted by position.
    """
    with paused():  # the model holds no cycles: nothing for the collector to find (vcfgraph.io.collector)
        return _build_pathway(data, file)


def _build_pathway(data: Any, file: str) -> Pathway:
    r = Reader(file)
    root = r.mapping(
        data,
        Location(file, 1, 1),
        "the pathway file",
        required=SECTIONS["root"].required,
        optional=SECTIONS["root"].optional,
    )
    if root is None:
        raise PathwayError(r.problems)
    builder = _Builder(r, root)
    pathway = builder.build()
    if r.problems:
        raise PathwayError(r.problems)
    return pathway


class _Builder(NodeSection):
    def __init__(self, r: Reader, root: Mapping[str, Any]) -> None:
        self.r = r
        self.root = root
        self.facts: dict[str, Fact] = {}
        self.source_keys: set[str] = set()
        self.nodes: dict[str, Node] = {}
        self.node_raw: dict[str, Any] = {}
        self.broken: set[str] = set()  # ids and fact names whose definition is itself in error
        self.duplicates: list[tuple[str, int, int]] = []  # (node id, first line, repeating line)

    def build(self) -> Pathway:
        sources = self._sources(self.root.get("sources"))
        self.scale = read_scale(self.r, self.root)
        self._facts(self.root.get("facts"))
        self.assume = policies(self.facts)
        self.defs = Definitions(self.r, self.root, self.assume, self._check_tests)
        conditional_policies(self.r, self.root.get("facts"), self.facts, self.defs)
        self.assume.clear()
        self.assume.update(policies(self.facts))  # the same mapping the definitions read
        definitions = self.defs.build()
        meta = self._meta(self.root.get("pathway"))
        edges = self._nodes(self.root.get("nodes"))
        checks = self._checks(self.root.get("checks")) + self._contraindications(self.root.get("contraindications"))
        properties = self._properties(self.root.get("properties"))
        self._check_references(meta, edges)
        self._check_ids(checks)
        return Pathway(
            meta=meta,
            facts=tuple(self.facts.values()),
            nodes=tuple(self.nodes.values()),
            edges=tuple(edges),
            checks=tuple(checks),
            properties=tuple(properties),
            sources=sources,
            path=self.r.file,
            definitions=definitions,
            scale=self.scale,
            acknowledged=read_acknowledged(self.r, self.root),
        )

    # ------------------------------------------------------------------ sections

    def _meta(self, raw: Any) -> Meta:
        r = self.r
        what = "'pathway'"
        m = r.mapping(raw, r.at(self.root, "pathway"), what, required=SECTIONS["pathway"].required,
                      optional=SECTIONS["pathway"].optional) or {}
        g: Mapping[str, Any] = {}
        if m.get("guideline") is not None:
            g = r.mapping(m["guideline"], r.at(m, "guideline"), "'guideline' of 'pathway'",
                          optional=SECTIONS["guideline"].optional) or {}
        return Meta(
            id=r.text(m, "id", what),
            title=r.text(m, "title", what),
            entry=r.identifier(m, "entry", what),
            publisher=r.text(g, "publisher", "'guideline'"),
            topic=r.text(g, "topic", "'guideline'"),
            topic_id=r.integer(g, "topic_id", "'guideline'", 1, None),
            revision=r.text(g, "revision", "'guideline'"),
            version=r.text(m, "version", what),
            reviewed=r.text(m, "reviewed", what),
            summary=r.text(m, "summary", what),
            released=r.text(m, "released", what),
            developer=r.text(m, "developer", what),
            funding=r.text(m, "funding", what),
        )

    def _sources(self, raw: Any) -> tuple[Source, ...]:
        r = self.r
        if raw is None:
            return ()
        m = r.mapping(raw, r.at(self.root, "sources"), "'sources'", optional=tuple(raw) if isinstance(raw, Mapping) else ())
        out = []
        for key, value in (m or {}).items():
            what = f"source '{key}'"
            if isinstance(value, str):
                out.append(Source(str(key), value.strip()))
            else:
                s = r.mapping(value, r.at(m, key), what, required=SECTIONS["source"].required, optional=SECTIONS["source"].optional) or {}
                out.append(Source(str(key), r.text(s, "title", what), self._url(s, what)))
            self.source_keys.add(str(key))
        return tuple(out)

    def _url(self, s: Mapping[str, Any], what: str) -> str:
        """A source address: http:, https: or relative; a link on the pages, so never script."""
        url = self.r.text(s, "url", what)
        problem = url_problem(url)
        if problem:
            self.r.report(self.r.at(s, "url"), f"'url' of {what} {problem}")
            return ""
        return url

    def _facts(self, raw: Any) -> None:
        r = self.r
        m = r.mapping(raw, r.at(self.root, "facts"), "'facts'", optional=tuple(raw) if isinstance(raw, Mapping) else ())
        for name, spec in (m or {}).items():
            what = f"fact '{name}'"
            if not isinstance(name, str) or not IDENTIFIER.match(name):
                r.report(r.at(m, name, of_key=True), f"fact name {format_value(name)} must be an id (a letter, then letters, digits or _)")
                continue
            before = len(r.problems)
            f = r.mapping(spec, r.at(m, name), what, required=SECTIONS["fact"].required,
                          optional=SECTIONS["fact"].optional)
            fact = self._fact(name, f, what) if f is not None else None
            if f is not None and fact is not None:
                fact = unknown_policy(r, f, fact, what)
            if fact is not None and len(r.problems) == before:
                self.facts[name] = fact
            else:
                self.broken.add(name)

    def _fact(self, name: str, f: Mapping[str, Any], what: str) -> Fact | None:
        r = self.r
        ftype = r.choice(f, "type", what, FACT_TYPES)
        values: tuple[str, ...] = ()
        low = high = None
        cuts: tuple[int, ...] = ()
        if ftype == "enum":
            values = self._enum_values(f, what)
        elif ftype == "int":
            low, high = r.integer(f, "min", what), r.integer(f, "max", what)
            if low is None or high is None:
                r.report(r.at(f), f"{what} is an int fact and needs both 'min' and 'max'")
            elif low > high:
                r.report(r.at(f, "min"), f"{what} has min {low} above max {high}")
            cuts = self._cuts(f, what, low, high)
        applicable = {"bool": (), "enum": ("values",), "int": ("min", "max", "cuts")}.get(ftype, ())
        for key in ("values", "min", "max", "cuts"):
            if ftype and key in f and key not in applicable:
                r.report(r.at(f, key, of_key=True), f"'{key}' does not apply to a {ftype} fact ({what})")
        if not ftype:
            return None
        return Fact(
            name=name, type=ftype, values=values, min=low, max=high, cuts=cuts,
            unit=r.text(f, "unit", what), question=r.text(f, "question", what),
            help=r.text(f, "help", what), meaning=r.text(f, "meaning", what),
            source=r.choice(f, "source", what, FACT_SOURCES), loc=r.at(f),
            red_flag=self._flag(f, "red_flag", what), label=r.text(f, "label", what), fixed=self._flag(f, "fixed", what),
        )

    def _flag(self, f: Mapping[str, Any], key: str, what: str) -> bool:
        value = f.get(key, False)
        if not isinstance(value, bool):
            self.r.report(self.r.at(f, key), f"'{key}' of {what} must be true or false, got {format_value(value)}")
            return False
        return value

    def _enum_values(self, f: Mapping[str, Any], what: str) -> tuple[str, ...]:
        r = self.r
        if "values" not in f:
            r.report(r.at(f), f"{what} is an enum fact and needs 'values'")
            return ()
        items = r.sequence(f["values"], r.at(f, "values"), f"'values' of {what}")
        out: list[str] = []
        for i, v in enumerate(items):
            if not isinstance(v, str) or not IDENTIFIER.match(v):
                r.report(r.at(items, i), f"enum value {format_value(v)} of {what} must be a word (a letter, then letters, digits or _)")
            elif v in out:
                r.report(r.at(items, i), f"enum value '{v}' of {what} is listed twice")
            else:
                out.append(v)
        return tuple(out)

    def _cuts(self, f: Mapping[str, Any], what: str, low: int | None, high: int | None) -> tuple[int, ...]:
        r = self.r
        items = r.sequence(f.get("cuts"), r.at(f, "cuts"), f"'cuts' of {what}")
        out: list[int] = []
        for i, v in enumerate(items):
            ok = isinstance(v, int) and not isinstance(v, bool)
            if not ok or (low is not None and high is not None and not low <= v <= high):
                r.report(r.at(items, i), f"cut point {format_value(v)} of {what} must be a whole number from {low} to {high}")
            elif v not in out:
                out.append(v)
        return tuple(sorted(out))

    def _source_keys(self, m: Mapping[str, Any], key: str, what: str) -> tuple[str, ...]:
        r = self.r
        keys = r.texts(m, key, what)
        items = m.get(key)
        for i, k in enumerate(keys):
            if k not in self.source_keys:
                loc = r.at(items, i) if isinstance(items, Sequence) and not isinstance(items, str) else r.at(m, key)
                r.report(loc, f"unknown source key '{k}' in {what}{did_you_mean(k, self.source_keys)}; declare it under 'sources'")
        return keys

    def _condition(self, container: Mapping[str, Any], key: str, what: str) -> Condition:
        """Parse a condition and check it against the declared facts; problems are reported."""
        r = self.r
        raw = container[key]
        too_big = condition_size_problem(raw)
        if too_big:
            r.report(r.at(container, key), f"the condition {too_big}; split it up (in {what})")
            return cond_mod.Test("", "is_known", True)
        cond, errors = parse_condition(raw, (), self.defs.resolve, self.assume)
        for e in errors:
            r.report(r.at_path(raw, e.path) if e.path else r.at(container, key), f"{e.message} (in {what})")
        if cond is None:
            return cond_mod.Test("", "is_known", True)
        self._check_tests(cond, raw, what)
        return cond

    def _check_tests(self, cond: Condition, raw: Any, what: str) -> None:
        """Check the tests written in ``raw`` itself (a used definition was checked where it is defined)."""
        for test in cond_mod.tests(cond, into_named=False):
            self._check_test(test, raw, what)

    def _check_test(self, test: cond_mod.Test, raw: Any, what: str) -> None:
        r = self.r
        if test.fact in self.broken:
            return
        if test.fact not in self.facts:
            r.report(r.at_path(raw, test.path + ("fact",)),
                     f"condition on undeclared fact '{test.fact}'{did_you_mean(test.fact, self.facts)} (in {what})")
            return
        fact = self.facts[test.fact]
        if test.op in ("lt", "le", "gt", "ge", "between"):
            loc = r.at_path(raw, test.path + (test.op,))
            if fact.type != "int":
                r.report(loc, f"'{test.op}' compares numbers, but '{fact.name}' is a {fact.type} fact (in {what})")
                return
            for v in (test.value if test.op == "between" else (test.value,)):
                if not fact.accepts(v):
                    r.report(loc, f"value {v} is outside the domain of fact '{fact.name}' (allowed: {fact.allowed()}) (in {what})")
                elif v not in fact.cuts:
                    cuts = ", ".join(map(str, fact.cuts)) or "none declared"
                    r.report(loc, f"threshold {v} of fact '{fact.name}' is not one of its cut points ({cuts}); add it to 'cuts' (in {what})")
            return
        if test.op == "is_known":
            return
        for v in (test.value if test.op == "in" else (test.value,)):
            if v is not None and not fact.accepts(v):
                loc = r.at_path(raw, test.path + (test.op,))
                hint = did_you_mean(str(v), fact.values) if fact.type == "enum" else ""
                if fact.type == "bool" and str(v).lower() in ("yes", "no", "on", "off", "y", "n"):
                    hint = "; write true or false (YAML 1.2 reads yes, no, on and off as text)"
                shown = f"'{v}'" if isinstance(v, str) else format_value(v)
                r.report(loc, f"value {shown} is outside the domain of fact '{fact.name}' (allowed: {fact.allowed()}){hint} (in {what})")

    def _checks(self, raw: Any) -> list[Check]:
        """The ``checks`` section: patient-level checks on actions."""
        r = self.r
        items = r.sequence(raw, r.at(self.root, "checks"), "'checks'")
        out = []
        for i, item in enumerate(items):
            sub = f"check {i + 1}"
            if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                sub = f"check '{item['id']}'"
            c = r.mapping(item, r.at(items, i), sub, required=SECTIONS["check"].required,
                          optional=SECTIONS["check"].optional)
            if c is None or "requires" not in c:
                continue
            sources = self._source_keys(c, "sources", sub)
            if "sources" in c and not sources:
                r.report(r.at(c, "sources"), f"{sub} needs at least one source key")
            out.append(Check(
                id=r.identifier(c, "id", sub), actions=self._ids(c, "actions", sub), requires=cond_mod.recorded_only(self._condition(c, "requires", sub)),
                reason=r.text(c, "reason", sub), caution=r.text(c, "caution", sub),
                on_fail=r.choice(c, "on_fail", sub, CHECK_EFFECTS, "set_apart"), variants=self._ids(c, "variants", sub),
                confidence=r.choice(c, "confidence", sub, CONFIDENCES, "confirmed"), sources=sources, loc=r.at(c),
            ))
        return out

    def _ids(self, m: Mapping[str, Any], key: str, what: str) -> tuple[str, ...]:
        """A non-empty list of ids (a single id is taken as a list of one) when the key is given."""
        r = self.r
        ids = r.texts(m, key, what)
        if key in m and not ids:
            r.report(r.at(m, key), f"'{key}' of {what} needs at least one id")
        return ids

    def _contraindications(self, raw: Any) -> list[Check]:
        """The ``contraindications`` shorthand: a check that sets ``action`` apart when ``when`` holds."""
        r = self.r
        out = []
        for _, sub, c in self._entries(raw, r.at(self.root, "contraindications"), "'contraindications'",
                                       "contraindication", lambda n: f"contraindication {n}"):
            if "when" not in c:
                continue
            out.append(Check(r.identifier(c, "id", sub), (r.identifier(c, "action", sub),), cond_mod.Not(cond_mod.recorded_only(self._condition(c, "when", sub))),
                             r.text(c, "reason", sub), sources=self._source_keys(c, "sources", sub), loc=r.at(c)))
        return out

    def _check_ids(self, checks: list[Check]) -> None:
        """Check ids are unique across ``checks`` and ``contraindications``."""
        seen: dict[str, Check] = {}
        for c in checks:
            if c.id and c.id in seen:
                first = seen[c.id].loc
                self.r.report(c.loc or Location(self.r.file), f"check id '{c.id}' is used twice (first at line {first.line if first else '?'}); give each check its own id")
            seen.setdefault(c.id, c)

    def _properties(self, raw: Any) -> list[Property]:
        r = self.r
        out = []
        for _, sub, p in self._entries(raw, r.at(self.root, "properties"), "'properties'", "property", lambda n: f"property {n}"):
            if "given" not in p or "expect" not in p:
                continue
            e = r.mapping(p["expect"], r.at(p, "expect"), f"'expect' of {sub}", optional=PROPERTY_EXPECTATIONS)
            if e is None:
                continue
            kinds = [k for k in PROPERTY_EXPECTATIONS if k in e]
            if len(kinds) != 1:
                r.report(r.at(p, "expect"), f"'expect' of {sub} needs exactly one of {', '.join(PROPERTY_EXPECTATIONS)}")
                continue
            targets = r.texts(e, kinds[0], f"'expect' of {sub}")
            if kinds[0] == "asks_first":
                for j, name in enumerate(targets):
                    if name not in self.facts and name not in self.broken:
                        r.report(r.at_path(e[kinds[0]], (j,)) if not isinstance(e[kinds[0]], str) else r.at(e, kinds[0]),
                                 f"'asks_first' of {sub} names '{name}', which is not a declared fact{did_you_mean(name, self.facts)}")
            out.append(Property(r.identifier(p, "id", sub), r.text(p, "text", sub), self._condition(p, "given", sub),
                                kinds[0], targets, self._source_keys(p, "sources", sub), r.at(e, kinds[0])))
        return out

    # ------------------------------------------------------------------ references

    def _check_references(self, meta: Meta, edges: list[Edge]) -> None:
        r = self.r
        nodes = self.nodes
        if not isinstance(self.root.get("nodes"), Sequence) or isinstance(self.root.get("nodes"), str):
            return  # the nodes section itself is reported; references to it would only be noise
        meta_raw = self.root.get("pathway")
        if meta.entry and meta.entry not in nodes:
            r.report(r.at(meta_raw, "entry"), f"entry node '{meta.entry}' is not defined{did_you_mean(meta.entry, nodes)}")
        seen: dict[str, Edge] = {}
        for edge in edges:
            if edge.id in seen:
                r.report(edge.loc or r.at(self._raw_answer(edge)), f"duplicate edge id '{edge.id}'; give one of the answers of '{edge.source}' an explicit 'id'")
            seen[edge.id] = edge
            if not edge.target:
                continue
            if edge.target in self.broken:
                continue
            if edge.target not in nodes:
                r.report(r.at(self._raw_answer(edge), "to"), f"unknown node '{edge.target}'{self._unknown_hint(edge.target, nodes)}")
            elif nodes[edge.target].kind == "action":
                r.report(r.at(self._raw_answer(edge), "to"), f"answers lead to questions, variants or hand-offs; '{edge.target}' is an action")
        for node in nodes.values():
            raw = self.node_raw[node.id]
            for i, rating in enumerate(node.ratings):
                self._check_ref(rating.action, "action", r.at(raw["ratings"][i], "action"))
            for rule in node.rules:
                raw_rule = [g for g in raw["rules"] if isinstance(g, Mapping) and g.get("id") == rule.id][0]
                for j, rating in enumerate(rule.ratings):
                    self._check_ref(rating.action, "action", r.at(raw_rule["ratings"][j], "action"))
            for i, step in enumerate(node.downstream):
                if step.target:
                    self._check_ref(step.target, ("variant", "question", "handoff"), r.at(raw["downstream"][i], "to"))
                for key in ("if_offered", "if_set_apart"):
                    ref = getattr(step, key)
                    if ref:
                        self._check_ref(ref, "action", r.at(raw["downstream"][i], key))
            for i, advice in enumerate(node.advice):
                for j, action in enumerate(advice.actions):
                    where = raw["advice"][i]["actions"]
                    self._check_ref(action, "action", r.at(where, j) if not isinstance(where, str) else r.at(raw["advice"][i], "actions"))
                    if node.rating(action) is not None:
                        r.report(r.at(raw["advice"][i], "actions"), f"advice of '{node.id}' names '{action}', which "
                                 "it rates; advice is for actions a node does not rate (the rating says the rest)")
        for ref, kinds, loc in self._check_targets():
            self._check_ref(ref, kinds, loc)
        for target, kinds, loc in self._property_targets():
            self._check_ref(target, kinds, loc)

    def _raw_answer(self, edge: Edge) -> Any:
        raw = self.node_raw.get(edge.source, {})
        for item in raw.get("answers") or ():
            if isinstance(item, Mapping) and item.get("to") == edge.target and (item.get("id") in (None, edge.id)):
                return item
        return raw

    def _check_ref(self, ref: str, kinds: str | tuple[str, ...], loc: Location) -> None:
        kinds = (kinds,) if isinstance(kinds, str) else kinds
        if not ref or ref in self.broken:
            return
        noun = kinds[0] if len(kinds) == 1 else "node"
        if ref not in self.nodes:
            candidates = [n.id for n in self.nodes.values() if n.kind in kinds]  # only on error: linear loading
            self.r.report(loc, f"unknown {noun} '{ref}'{self._unknown_hint(ref, candidates)}")
        elif self.nodes[ref].kind not in kinds:
            self.r.report(loc, f"'{ref}' is a {self.nodes[ref].kind}, but a {' or '.join(kinds)} is needed here")

    def _unknown_hint(self, ref: str, candidates: Any) -> str:
        """A close match, unless a node id is defined twice: then a renamed copy is the likely
        cause, and a close match (often the duplicated id itself) would mislead."""
        if not self.duplicates:
            return did_you_mean(ref, candidates)
        dup, first, again = self.duplicates[0]
        return (f"; node id '{dup}' is defined twice (lines {first} and {again}): if the node at line {again} "
                f"is meant to be '{ref}', give it that id")

    def _check_targets(self) -> list[tuple[str, tuple[str, ...], Location]]:
        """Every action and variant id a check or contraindication names, with its place."""
        out: list[tuple[str, tuple[str, ...], Location]] = []
        for c in _items(self.root.get("contraindications")):
            if isinstance(c, Mapping) and isinstance(c.get("action"), str):
                out.append((c["action"], ("action",), self.r.at(c, "action")))
        for c in _items(self.root.get("checks")):
            if not isinstance(c, Mapping):
                continue
            for key, kinds in (("actions", ("action",)), ("variants", ("variant",))):
                refs = c.get(key)
                if isinstance(refs, str):
                    out.append((refs, kinds, self.r.at(c, key)))
                elif isinstance(refs, Sequence):
                    out += [(t, kinds, self.r.at(refs, i)) for i, t in enumerate(refs) if isinstance(t, str)]
        return out

    def _property_targets(self) -> list[tuple[str, tuple[str, ...], Location]]:
        out: list[tuple[str, tuple[str, ...], Location]] = []
        for p in _items(self.root.get("properties")):
            e = p.get("expect") if isinstance(p, Mapping) else None
            if not isinstance(e, Mapping):
                continue
            for kind in PROPERTY_EXPECTATIONS:
                targets = e.get(kind)
                if kind == "asks_first" or not isinstance(targets, Sequence) or isinstance(targets, str):
                    continue  # asks_first names facts, checked with the property
                kinds = ("action",) if kind in ACTION_EXPECTATIONS else ("variant", "handoff")
                for i, t in enumerate(targets):
                    if isinstance(t, str):
                        out.append((t, kinds, self.r.at(targets, i)))
        return out


def _items(raw: Any) -> Sequence[Any]:
    """The items of a section that should be a list (anything else is reported elsewhere)."""
    return raw if isinstance(raw, Sequence) and not isinstance(raw, str) else ()

