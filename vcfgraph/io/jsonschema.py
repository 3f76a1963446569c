"""JSON Schemas for pathway files and case files, generated from the code that validates them.

The keys and value shapes come from :data:`vcfgraph.io.spec.SECTIONS` (the table the
validator takes its required and optional keys from), the condition grammar from
:data:`vcfgraph.conditions.OPERATORS` and :data:`~vcfgraph.conditions.CONNECTIVES`, the case
keys from :mod:`vcfgraph.io.cases`, and every key's hover text from :mod:`vcfgraph.io.spec_help`.
No second hand-written copy exists: ``vcfgraph schema --file pathway|case`` prints these, and
``schemas/*.schema.json`` are their committed output (a test keeps them equal). A schema
describes structure only; the validator still checks what it cannot say (cross references,
fact domains, score bands) and gives located messages. The case schema of one pathway
(:func:`case_schema` given the pathway) says more: its facts with their domains, its scale's
category keys, its node, fact and check ids, so an editor catches ``age_months: ten``.
"""

from __future__ import annotations

from typing import Any

from vcfgraph.conditions import CONNECTIVES, OPERATORS
from vcfgraph.io.located import IDENTIFIER
from vcfgraph.io.cases import CASE_KEYS, EXPECTED_KEYS, rating_keys
from vcfgraph.io.spec import ENUMS, NODE_BY_KIND, NODE_COMMON, NODE_REQUIRED_BY_KIND, SECTIONS
from vcfgraph.io.spec_help import HELP
from vcfgraph.model import OUTCOMES, Fact, Pathway
from vcfgraph.scale import ACR_SCALE, SLOT_LISTS, RatingScale

__all__ = ["SCHEMA_KINDS", "pathway_schema", "case_schema", "schema_for"]

SCHEMA_KINDS = ("pathway", "case")
_DRAFT = "https://json-schema.org/draft/2020-12/schema"
_SCALAR = {"type": ["boolean", "integer", "string", "null"]}
#: the identifier rule as an ECMA-262 pattern (JSON Schema's dialect has no \Z; its $ never
#: matches before a final newline)
_ID = {"type": "string", "pattern": "^" + IDENTIFIER.pattern.removeprefix("^").removesuffix(r"\Z") + "$"}
_TEXT = {"type": "string"}
_SHAPES: dict[str, dict[str, Any]] = {
    "text": _TEXT,
    "id": _ID,
    "int": {"type": "integer"},
    "bool": {"type": "boolean"},
    "ids": {"anyOf": [_ID, {"type": "array", "items": _ID}]},
    "texts": {"anyOf": [_TEXT, {"type": "array", "items": _TEXT}]},
    "keys": {"anyOf": [_TEXT, {"type": "array", "items": _TEXT}]},
    "any": {},
    "condition": {"$ref": "#/$defs/condition"},
}
#: operand kind of :data:`OPERATORS` -> its JSON shape
_OPERANDS: dict[str, dict[str, Any]] = {
    "scalar": _SCALAR,
    "list": {"type": "array", "items": _SCALAR, "minItems": 1},
    "number": {"type": "integer"},
    "range": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
    "flag": {"type": "boolean"},
}


def _shape(shape: str) -> dict[str, Any]:
    if shape in _SHAPES:
        return _SHAPES[shape]
    kind, _, name = shape.partition(":")
    if kind == "enum":
        return {"enum": list(ENUMS[name])}
    if kind == "section":
        return {"$ref": f"#/$defs/{name}"}
    item = {"$ref": "#/$defs/condition"} if name == "condition" else {"$ref": f"#/$defs/{name}"}
    if kind == "list":
        return {"type": "array", "items": item}
    if name == "source":  # a source key is any text, and a source may be written as its title alone
        return {"type": "object", "additionalProperties": {"anyOf": [_TEXT, item]}}
    return {"type": "object", "propertyNames": _ID, "additionalProperties": item}


def _described(shape: dict[str, Any], words: str) -> dict[str, Any]:
    """A shape with hover text (a key without words in :data:`HELP` is a bug a test catches)."""
    return {"description": words, **shape} if words else shape


def _properties(keys: dict[str, str], help_of: str) -> dict[str, Any]:
    words = HELP.get(help_of, {})
    return {k: _described(_shape(v), words.get(k, "")) for k, v in keys.items()}


def _object(keys: dict[str, str], required: tuple[str, ...], description: str = "", help_of: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object"}
    if description:
        out["description"] = description
    out["properties"] = _properties(keys, help_of)
    if required:
        out["required"] = list(required)
    out["additionalProperties"] = False
    return out


def _node() -> dict[str, Any]:
    """A node: the common keys, plus those of its kind (``unevaluatedProperties`` rejects the rest)."""
    by_kind = []
    for kind, keys in NODE_BY_KIND.items():
        then: dict[str, Any] = {"properties": _properties(keys, f"node.{kind}")}
        if NODE_REQUIRED_BY_KIND.get(kind):
            then["required"] = list(NODE_REQUIRED_BY_KIND[kind])
        by_kind.append({"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]}, "then": then})
    return {
        "type": "object",
        "properties": _properties(NODE_COMMON, "node"),
        "required": list(SECTIONS["node"].required),
        "allOf": by_kind,
        "unevaluatedProperties": False,
    }


def _condition() -> dict[str, Any]:
    """A condition: a test on one fact, or one connective, exactly as :func:`conditions.parse` reads it."""
    words = HELP["condition"]
    cond = {"$ref": "#/$defs/condition"}
    conds = {"type": "array", "items": cond, "minItems": 1}

    def said(key: str, shape: dict[str, Any]) -> dict[str, Any]:
        return _described(shape, words[key])

    tests = [{"type": "object", "properties": {"fact": said("fact", _ID), op: said(op, _OPERANDS[kind])},
              "required": ["fact", op], "additionalProperties": False} for op, (kind, _words) in OPERATORS.items()]
    connectives: dict[str, dict[str, Any]] = {
        "and": conds, "or": conds, "not": cond, "use": _ID,
        "at_least": {"type": "object", "properties": {"n": said("n", {"type": "integer", "minimum": 1}), "of": said("of", conds)},
                     "required": ["n", "of"], "additionalProperties": False},
    }
    alone = [{"type": "object", "properties": {word: said(word, connectives[word])}, "required": [word],
              "additionalProperties": False} for word in CONNECTIVES if word != "points"]
    rule = {"type": "object", "properties": {"when": said("when", cond), "add": said("add", {"type": "integer"})},
            "required": ["when", "add"], "additionalProperties": False}
    points = {"type": "object", "properties": {"points": said("points", {"type": "array", "items": rule, "minItems": 1}),
                                               "threshold": said("threshold", {"type": "integer"})},
              "required": ["points", "threshold"], "additionalProperties": False}
    return {"description": "A condition (docs/pathway-format.md, Conditions).", "anyOf": tests + alone + [points]}


def pathway_schema() -> dict[str, Any]:
    """The JSON Schema of a pathway file."""
    defs: dict[str, Any] = {}
    for name, section in SECTIONS.items():
        if name not in ("root", "node"):
            defs[name] = _object(section.keys, section.required, section.description, name)
    defs["node"] = _node()
    defs["condition"] = _condition()
    root = SECTIONS["root"]
    return {"$schema": _DRAFT, "$id": "https://vcfgraph.invalid/schemas/pathway.schema.json",
            "title": "vcfgraph pathway file", **_object(root.keys, root.required, root.description, "root"),
            "$defs": defs}


def case_schema(pathway: Pathway | None = None) -> dict[str, Any]:
    """The JSON Schema of a case file: one case, or ``cases:`` / ``vignettes:`` with a list.

    Without a pathway it holds for every pathway: fact values are any scalar, and an
    ``expected`` block may list actions under any category id. Given a pathway, it is that
    pathway's: each fact with its domain (an enum's words, true/false, an int's min and max; null
    is "not known"), the scale's category keys, and the ids of its terminals, actions, facts and
    checks.
    """
    words = HELP["case"]
    props: dict[str, Any] = {k: _described({}, words[k]) for k in CASE_KEYS}
    for key in ("id", "title", "description", "vignette"):
        props[key] = _described(_TEXT, words[key])
    facts: dict[str, Any] = {"type": "object", "propertyNames": _ID, "additionalProperties": _SCALAR}
    if pathway is not None:
        facts = {"type": "object", "properties": {f.name: _fact(f) for f in pathway.facts}, "additionalProperties": False}
    props["facts"] = _described(facts, words["facts"])
    props["expected"] = _described(_expected(pathway), words["expected"])
    case = {"type": "object", "properties": props, "required": ["facts"], "additionalProperties": False}
    many = {"type": "array", "items": {"$ref": "#/$defs/case"}}
    lists = [{"type": "object", "properties": {key: _described(many, f"The cases, one mapping each ('{key}' form)."),
                                               "description": _described(_TEXT, "What the cases of this file are for."),
                                               "notes": _described({}, "Notes.")},
              "required": [key], "additionalProperties": False} for key in ("cases", "vignettes")]
    what = "A case file: one case, or a list under 'cases' or 'vignettes'."
    title, ident = "vcfgraph case file", "https://vcfgraph.invalid/schemas/case.schema.json"
    if pathway is not None:
        title += f" of pathway {pathway.meta.id}"
        ident = f"https://vcfgraph.invalid/schemas/{pathway.meta.id}.case.schema.json"
    return {"$schema": _DRAFT, "$id": ident, "title": title, "description": what,
            "anyOf": [{"$ref": "#/$defs/case"}, *lists], "$defs": {"case": case}}


def _fact(fact: Fact) -> dict[str, Any]:
    """A fact's domain as a JSON shape, with its question as hover text."""
    shape: dict[str, Any]
    if fact.type == "enum":
        shape = {"enum": [*fact.values, None]}
    elif fact.type == "bool":
        shape = {"type": ["boolean", "null"]}
    else:
        shape = {"type": ["integer", "null"], "minimum": fact.min, "maximum": fact.max}
    unit = f" Unit: {fact.unit}." if fact.unit else ""
    words = f"{fact.question or fact.meaning or fact.label or fact.name}{unit} null: not known."
    return _described(shape, words)


def _expected(pathway: Pathway | None) -> dict[str, Any]:
    """The ``expected`` block: the shared keys, and the rating lists under the scale's keys."""
    words = HELP["expected"]
    ids = _SHAPES["ids"]
    scale: RatingScale = pathway.scale if pathway is not None else ACR_SCALE
    terminal: dict[str, Any] = _ID
    action, fact, check, rule = terminal, terminal, terminal, terminal
    if pathway is not None:
        rule = {"enum": sorted({r.id for n in pathway.nodes for r in n.rules})}
        terminal = {"enum": sorted(n.id for n in pathway.nodes if n.terminal)}
        action = {"enum": sorted(n.id for n in pathway.of_kind("action"))}
        fact = {"enum": sorted(f.name for f in pathway.facts)}
        check = {"enum": sorted(c.id for c in pathway.checks)}

    def listed(item: dict[str, Any], text: str) -> dict[str, Any]:
        return _described({"anyOf": [item, {"type": "array", "items": item}]} if pathway is not None else ids, text)
    out: dict[str, Any] = {
        "outcome": _described({"enum": list(OUTCOMES)}, words["outcome"]),
        "terminal": _described(terminal, words["terminal"]),
        "missing": listed(fact, words["missing"]),
        "contraindicated": listed(action, words["contraindicated"]),
        "cautions": listed(check, words["cautions"]),
        "rules": listed(rule, words["rules"]),
        "exactly": _described({"type": "boolean"}, words["exactly"]),
    }
    slot_of = {name: slot for slot, name in SLOT_LISTS.items()}
    for key, name in rating_keys(scale).items():
        out[key] = listed(action, f"Actions the route must rate '{scale.list_title(slot_of[name])}'.")
    if pathway is not None:
        return {"type": "object", "properties": out, "additionalProperties": False}
    # any pathway: a category id of its own scale lists actions too
    return {"type": "object", "properties": out, "propertyNames": _ID,
            "additionalProperties": _described(ids, "Actions the route must rate in this category of the pathway's scale.")}


def schema_for(kind: str, pathway: Pathway | None = None) -> dict[str, Any]:
    """The schema of ``pathway`` or ``case`` files (the case files of ``pathway`` when given)."""
    return pathway_schema() if kind == "pathway" else case_schema(pathway)
