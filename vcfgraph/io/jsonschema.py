"""JSON Schemas for pathway files and case files, generated from the code that validates them.

The keys and value shapes come from :data:`vcfgraph.io.spec.SECTIONS` (the table the
validator takes its required and optional keys from), the condition grammar from
:data:`vcfgraph.conditions.OPERATORS` and :data:`~vcfgraph.conditions.CONNECTIVES`, the case
keys from :mod:`vcfgraph.io.load`. No second hand-written copy exists: ``vcfgraph schema --file
pathway|case`` prints these, and ``schemas/*.schema.json`` are their committed output (a test
keeps them equal). A schema describes structure only; the validator still checks what it cannot
say (cross references, fact domains, score bands) and gives located messages.
"""

from __future__ import annotations

from typing import Any

from vcfgraph.conditions import CONNECTIVES, OPERATORS
from vcfgraph.io.located import IDENTIFIER
from vcfgraph.io.cases import CASE_KEYS, EXPECTED_KEYS
from vcfgraph.io.spec import ENUMS, NODE_BY_KIND, NODE_COMMON, NODE_REQUIRED_BY_KIND, SECTIONS
from vcfgraph.scale import SLOT_LISTS

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


def _object(keys: dict[str, str], required: tuple[str, ...], description: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object"}
    if description:
        out["description"] = description
    out["properties"] = {k: _shape(v) for k, v in keys.items()}
    if required:
        out["required"] = list(required)
    out["additionalProperties"] = False
    return out


def _node() -> dict[str, Any]:
    """A node: the common keys, plus those of its kind (``unevaluatedProperties`` rejects the rest)."""
    by_kind = []
    for kind, keys in NODE_BY_KIND.items():
        then: dict[str, Any] = {"properties": {k: _shape(v) for k, v in keys.items()}}
        if NODE_REQUIRED_BY_KIND.get(kind):
            then["required"] = list(NODE_REQUIRED_BY_KIND[kind])
        by_kind.append({"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]}, "then": then})
    return {
        "type": "object",
        "properties": {k: _shape(v) for k, v in NODE_COMMON.items()},
        "required": list(SECTIONS["node"].required),
        "allOf": by_kind,
        "unevaluatedProperties": False,
    }


def _condition() -> dict[str, Any]:
    """A condition: a test on one fact, or one connective, exactly as :func:`conditions.parse` reads it."""
    cond = {"$ref": "#/$defs/condition"}
    conds = {"type": "array", "items": cond, "minItems": 1}
    tests = [{"type": "object", "properties": {"fact": _ID, op: _OPERANDS[kind]}, "required": ["fact", op],
              "additionalProperties": False} for op, (kind, _words) in OPERATORS.items()]
    connectives: dict[str, dict[str, Any]] = {
        "and": conds, "or": conds, "not": cond, "use": _ID,
        "at_least": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}, "of": conds},
                     "required": ["n", "of"], "additionalProperties": False},
    }
    alone = [{"type": "object", "properties": {word: connectives[word]}, "required": [word], "additionalProperties": False}
             for word in CONNECTIVES if word != "points"]
    rule = {"type": "object", "properties": {"when": cond, "add": {"type": "integer"}}, "required": ["when", "add"],
            "additionalProperties": False}
    points = {"type": "object", "properties": {"points": {"type": "array", "items": rule, "minItems": 1},
                                               "threshold": {"type": "integer"}},
              "required": ["points", "threshold"], "additionalProperties": False}
    return {"description": "A condition (docs/pathway-format.md, Conditions).", "anyOf": tests + alone + [points]}


def pathway_schema() -> dict[str, Any]:
    """The JSON Schema of a pathway file."""
    defs: dict[str, Any] = {}
    for name, section in SECTIONS.items():
        if name not in ("root", "node"):
            defs[name] = _object(section.keys, section.required, section.description)
    defs["node"] = _node()
    defs["condition"] = _condition()
    root = SECTIONS["root"]
    return {"$schema": _DRAFT, "$id": "https://vcfgraph.invalid/schemas/pathway.schema.json",
            "title": "vcfgraph pathway file", **_object(root.keys, root.required, root.description), "$defs": defs}


def case_schema() -> dict[str, Any]:
    """The JSON Schema of a case file: one case, or ``cases:`` / ``vignettes:`` with a list."""
    props: dict[str, Any] = {k: {} for k in CASE_KEYS}
    props.update(id=_TEXT, description=_TEXT, vignette=_TEXT,
                 facts={"type": "object", "propertyNames": _ID, "additionalProperties": _SCALAR})
    expected: dict[str, Any] = {k: {} for k in EXPECTED_KEYS}
    expected.update(outcome={"enum": ["variant", "handoff", "need_info"]}, terminal=_ID)
    for key in ("missing", *SLOT_LISTS.values(), "contraindicated"):
        expected[key] = _SHAPES["ids"]
    props["expected"] = {"type": "object", "properties": expected, "additionalProperties": False}
    case = {"type": "object", "properties": props, "required": ["facts"], "additionalProperties": False}
    many = {"type": "array", "items": {"$ref": "#/$defs/case"}}
    lists = [{"type": "object", "properties": {key: many, "description": _TEXT, "notes": {}}, "required": [key],
              "additionalProperties": False} for key in ("cases", "vignettes")]
    return {"$schema": _DRAFT, "$id": "https://vcfgraph.invalid/schemas/case.schema.json",
            "title": "vcfgraph case file", "description": "A case file: one case, or a list under 'cases' or 'vignettes'.",
            "anyOf": [{"$ref": "#/$defs/case"}, *lists], "$defs": {"case": case}}


def schema_for(kind: str) -> dict[str, Any]:
    """The schema of ``pathway`` or ``case`` files."""
    return pathway_schema() if kind == "pathway" else case_schema()
