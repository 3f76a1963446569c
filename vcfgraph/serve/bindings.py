"""Which order is which action: code bindings as data, then a text match as the fallback.

A hospital's orderables are codes (CPT, LOINC, SNOMED CT or local) that no guideline names. A
bindings file maps each (system, code) to an action id of the pathway. An order whose codings
match no binding is matched by its text (``code.text`` and each coding's ``display``) against the
actions' labels and aliases; an order that matches no action, or more than one, is not rated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

from vcfgraph.errors import CaseError, Location, PathwayError, UsageError
from vcfgraph.io.source import read_tree
from vcfgraph.io.located import Reader
from vcfgraph.model import Pathway

__all__ = ["Binding", "Bindings", "Match", "load_bindings", "EXAMPLE_BINDINGS", "MAX_ORDER_TEXT", "MAX_ORDER_TEXTS"]

EXAMPLE_BINDINGS = "example-bindings.yaml"
#: longest order text (``code.text``, a coding's ``display``) matched against the actions' names;
#: a longer one is not matched, so no order text can make the matcher slow
MAX_ORDER_TEXT = 500
#: most texts of one order matched
MAX_ORDER_TEXTS = 20
_STATUSES = ("sourced", "example")


@dataclass(frozen=True)
class Binding:
    """One orderable: a code in a code system, and the action it orders."""

    system: str
    code: str
    action: str
    display: str = ""
    status: str = "example"
    source: str = ""


@dataclass(frozen=True)
class Match:
    """What an order was matched to: one action id, or None with the reason."""

    action: str | None
    how: str            # "code", "text", "none" or "ambiguous"
    reason: str


class Bindings:
    """The bindings of one pathway, indexed by (system, code) and by action."""

    def __init__(self, pathway: Pathway, bindings: tuple[Binding, ...] = (), file: str = "") -> None:
        self.pathway = pathway
        self.bindings = bindings
        self.file = file
        # looked up with whatever (system, code) a request holds
        self._by_code: dict[tuple[object, object], Binding] = {(b.system, b.code): b for b in bindings}
        self._terms = _action_terms(pathway)

    def code_for(self, action: str) -> Binding | None:
        """The first binding (file order) that orders ``action``, for a suggested order."""
        return next((b for b in self.bindings if b.action == action), None)

    def match(self, order: Mapping[str, Any]) -> Match:
        """Match a ServiceRequest (a checked mapping) to an action."""
        code = order.get("code") or {}
        codings = [c for c in code.get("coding") or () if isinstance(c, Mapping)]
        found = {self._by_code[(c.get("system"), c.get("code"))].action
                 for c in codings if (c.get("system"), c.get("code")) in self._by_code}
        if len(found) == 1:
            action = found.pop()
            return Match(action, "code", f"its code is bound to '{action}'")
        if len(found) > 1:
            return Match(None, "ambiguous", "its codes are bound to different actions: " + ", ".join(sorted(found)))
        texts = [t for t in [code.get("text"), *(c.get("display") for c in codings)] if isinstance(t, str) and t.strip()]
        if not texts:
            return Match(None, "none", "its code is not in the bindings and it carries no text to match")
        if any(len(t) > MAX_ORDER_TEXT for t in texts) or len(texts) > MAX_ORDER_TEXTS:
            return Match(None, "none", f"its text is too long to match (over {MAX_ORDER_TEXT} characters, or over "
                                       f"{MAX_ORDER_TEXTS} names): bind its code instead")
        hits: set[str] = set()
        for text in texts:
            hits |= self._text_hits(text)
        if len(hits) == 1:
            action = hits.pop()
            return Match(action, "text", f"its text matches the action '{action}'")
        if not hits:
            return Match(None, "none", "neither its code nor its text matches an action of this pathway")
        return Match(None, "ambiguous", "its text matches more than one action: " + ", ".join(sorted(hits)))

    def _text_hits(self, text: str) -> set[str]:
        """Actions whose longest matching term covers the text best; ties are kept (ambiguous)."""
        words = _norm(text)
        best: dict[str, int] = {}
        for action, terms in self._terms.items():
            score = max((len(t) for t in terms if _contains(words, t)), default=0)
            if score:
                best[action] = score
        if not best:
            return set()
        top = max(best.values())
        return {a for a, s in best.items() if s == top}


def _norm(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9]+", text.lower()))


def _contains(words: tuple[str, ...], term: tuple[str, ...]) -> bool:
    n = len(term)
    return any(words[i:i + n] == term for i in range(len(words) - n + 1))


def _action_terms(pathway: Pathway) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Each action's label and aliases as word tuples, most specific (longest) first."""
    out = {}
    for node in pathway.of_kind("action"):
        terms = {_norm(t) for t in (node.label, *node.aliases) if _norm(t)}
        out[node.id] = tuple(sorted(terms, key=lambda t: (-len(t), t)))
    return out


def load_bindings(pathway: Pathway, path: str | Path | None = None) -> Bindings:
    """Read a bindings file (default: the example shipped with the package), checked against
    the pathway's actions.

    Raises:
        UsageError: the file cannot be read or is not a valid bindings file (every problem located).
    """
    if path is None:
        ref = resources.files("vcfgraph.serve").joinpath(EXAMPLE_BINDINGS)
        with resources.as_file(ref) as real:
            return _read(pathway, real, f"(example) {EXAMPLE_BINDINGS}")
    return _read(pathway, Path(path), str(path))


def _read(pathway: Pathway, path: Path, name: str) -> Bindings:
    try:
        data = read_tree(path)
    except (PathwayError, CaseError) as exc:
        raise UsageError(str(exc)) from None
    r = Reader(str(path))
    root = r.mapping(data, Location(str(path), 1, 1), "a bindings file", required=("bindings",), optional=("pathway",))
    out: list[Binding] = []
    if root is not None and "bindings" in root:
        want = root.get("pathway")
        if want is not None and want != pathway.meta.id:
            r.report(r.at(root, "pathway"), f"these bindings are for pathway '{want}', not '{pathway.meta.id}'")
        items = r.sequence(root["bindings"], r.at(root, "bindings"), "'bindings'") or []
        actions = {n.id for n in pathway.of_kind("action")}
        seen: dict[tuple[str, str], int] = {}
        for i, item in enumerate(items):
            b = _binding(r, item, r.at(items, i), actions)
            if b is None:
                continue
            key = (b.system, b.code)
            if key in seen:
                r.report(r.at(items, i), f"code {b.system}|{b.code} is bound twice (first in binding {seen[key] + 1})")
                continue
            seen[key] = i
            out.append(b)
    if r.problems:
        raise UsageError("\n".join(str(p) for p in sorted(set(r.problems))))
    return Bindings(pathway, tuple(out), name)


def _binding(r: Reader, item: Any, loc: Location, actions: set[str]) -> Binding | None:
    m = r.mapping(item, loc, "a binding", required=("system", "code", "action"),
                  optional=("display", "status", "source"))
    if m is None:
        return None
    values = {}
    for key in ("system", "code", "action", "display", "status", "source"):
        value = m.get(key, "")
        if not isinstance(value, str):
            r.report(r.at(m, key), f"'{key}' of a binding must be a string (quote codes such as \"72148\")")
            return None
        values[key] = value
    if values["action"] not in actions:
        r.report(r.at(m, "action"), f"'{values['action']}' is not an action of this pathway")
        return None
    status = values["status"] or "example"
    if status not in _STATUSES:
        r.report(r.at(m, "status"), f"status must be one of {', '.join(_STATUSES)}")
        return None
    if status == "sourced" and not values["source"]:
        r.report(loc, "a sourced binding names its source (a URL)")
        return None
    return Binding(values["system"], values["code"], values["action"], values["display"], status, values["source"])
