"""The keys of every mapping in a pathway file: which are required, which optional, and the shape
of each value. One table, used twice: the validator (:mod:`vcfgraph.io.pathway`,
:mod:`vcfgraph.io.nodes`, :mod:`vcfgraph.io.scale`) takes its required and optional keys
from it, and :mod:`vcfgraph.io.jsonschema` turns it into the JSON Schema editors use. The checks the
table cannot say (cross references, fact domains, score bands) stay in the validator.

A shape is a short word: ``text``, ``id``, ``int``, ``bool``, ``ids`` (an id or a list of ids),
``texts`` (a text or a list of texts), ``keys`` (source keys: a text or a list), ``condition``, ``any``; ``enum:NAME`` (a value of the named
tuple in :data:`ENUMS`); ``section:NAME`` (a mapping described by :data:`SECTIONS`);
``list:NAME`` (a list of such mappings); ``map:NAME`` (a mapping from ids to them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vcfgraph.model import (CHECK_EFFECTS, CONFIDENCES, FACT_SOURCES, FACT_TYPES, MODIFIER_DIRECTIONS, NODE_KINDS,
                            PROPERTY_EXPECTATIONS)
from vcfgraph.scale import ROLES

__all__ = ["Section", "SECTIONS", "ENUMS", "NODE_COMMON", "NODE_BY_KIND", "NODE_REQUIRED_BY_KIND"]

ENUMS: dict[str, tuple[str, ...]] = {
    "fact_type": FACT_TYPES,
    "fact_source": FACT_SOURCES,
    "confidence": CONFIDENCES,
    "check_effect": CHECK_EFFECTS,
    "modifier_direction": MODIFIER_DIRECTIONS,
    "node_kind": NODE_KINDS,
    "stage": ("imaging", "treatment"),
    # what an action is: something done, or a disposition (where the patient goes next)
    "modality": ("imaging", "procedure", "treatment", "consultation",
                 "referral", "observation", "follow_up", "discharge"),
    "urgency": ("urgent", "routine"),
    "downstream_kind": ("follow_up", "reenter"),
    "role": ROLES,
}


@dataclass(frozen=True)
class Section:
    """The keys of one kind of mapping: key -> shape, and which keys are required."""

    keys: dict[str, str]
    required: tuple[str, ...] = ()
    #: free keys (ids chosen by the author) map to this shape instead
    free: str = ""
    description: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(k for k in self.keys if k not in self.required)


SECTIONS: dict[str, Section] = {
    "root": Section({
        "pathway": "section:pathway", "sources": "map:source", "rating_scale": "section:rating_scale",
        "facts": "map:fact", "definitions": "map:condition", "nodes": "list:node", "checks": "list:check",
        "contraindications": "list:contraindication", "properties": "list:property",
        "acknowledged": "list:acknowledgement",
    }, ("pathway", "facts", "nodes"), description="A vcfgraph pathway file (docs/pathway-format.md)."),
    "pathway": Section({"id": "text", "title": "text", "entry": "id", "guideline": "section:guideline",
                        "version": "text", "reviewed": "text", "released": "text", "developer": "text",
                        "funding": "text", "summary": "text"}, ("id", "title", "entry")),
    "guideline": Section({"publisher": "text", "topic": "text", "topic_id": "int", "revision": "text"}),
    "source": Section({"title": "text", "url": "text"}, ("title",)),
    "rating_scale": Section({"name": "text", "categories": "list:category", "score": "section:score_range",
                             "radiation": "texts"}, ("name", "categories")),
    "score_range": Section({"min": "int", "max": "int"}, ("min", "max")),
    "category": Section({"id": "id", "name": "text", "role": "enum:role", "band": "any"}, ("id", "name", "role")),
    "fact": Section({"type": "enum:fact_type", "values": "ids", "min": "int", "max": "int", "cuts": "any",
                     "unit": "text", "question": "text", "help": "text", "meaning": "text",
                     "source": "enum:fact_source", "unknown": "any", "red_flag": "bool", "label": "text", "fixed": "bool"}, ("type",)),
    "node": Section({}, ("id", "kind", "label")),  # keys by kind: NODE_COMMON and NODE_BY_KIND
    "answer": Section({"to": "id", "label": "text", "when": "condition", "otherwise": "bool", "id": "id",
                       "text": "text", "confidence": "enum:confidence", "sources": "keys"}, ("to", "label")),
    "rating": Section({"action": "id", "category": "id", "confidence": "enum:confidence", "sources": "keys",
                       "score": "int", "radiation": "text", "note": "text", "modifiers": "list:modifier"},
                      ("action", "category", "confidence", "sources")),
    "rule": Section({"id": "id", "label": "text", "when": "condition", "text": "text", "confidence": "enum:confidence",
                     "sources": "keys", "ratings": "list:rating"}, ("id", "label", "when", "ratings")),
    "modifier": Section({"direction": "enum:modifier_direction", "when": "condition", "reason": "text", "sources": "keys"},
                        ("direction", "when", "reason")),
    "downstream": Section({"kind": "enum:downstream_kind", "label": "text", "id": "id", "text": "text", "to": "id",
                           "sources": "keys", "if_offered": "id", "if_set_apart": "id"}, ("kind", "label")),
    "faq": Section({"question": "text", "answer": "text"}, ("question", "answer")),
    "advice": Section({"actions": "ids", "text": "text", "sources": "keys"}, ("actions", "text")),
    "implication": Section({"title": "text", "text": "text"}, ("title", "text")),
    "check": Section({"id": "id", "actions": "ids", "requires": "condition", "reason": "text",
                      "confidence": "enum:confidence", "sources": "keys", "caution": "text",
                      "on_fail": "enum:check_effect", "variants": "ids"},
                     ("id", "actions", "requires", "reason", "confidence", "sources")),
    "contraindication": Section({"id": "id", "action": "id", "when": "condition", "reason": "text", "sources": "keys"},
                                ("id", "action", "when", "reason")),
    "property": Section({"id": "id", "text": "text", "given": "condition", "expect": "section:expect", "sources": "keys"},
                        ("id", "text", "given", "expect")),
    "expect": Section({name: "ids" for name in PROPERTY_EXPECTATIONS}),
    "acknowledgement": Section({"code": "text", "node": "text", "reason": "text"}, ("code", "node", "reason")),
}

#: keys every node may have, and the keys of each kind
NODE_COMMON: dict[str, str] = {
    "id": "id", "kind": "enum:node_kind", "label": "text", "text": "text", "notes": "text", "sources": "keys",
    "criteria": "texts", "implications": "list:implication", "pitfalls": "texts", "red_flags": "texts", "faqs": "list:faq",
}
NODE_BY_KIND: dict[str, dict[str, str]] = {
    "question": {"help": "text", "answers": "list:answer"},
    "variant": {"number": "int", "stage": "enum:stage", "acr_wording": "text", "ratings": "list:rating",
                "rules": "list:rule",
                "downstream": "list:downstream", "advice": "list:advice"},
    "action": {"modality": "enum:modality", "radiation": "text", "aliases": "texts"},
    "handoff": {"urgency": "enum:urgency", "topic": "text", "topic_id": "int", "downstream": "list:downstream",
                "advice": "list:advice"},
}
#: (a variant needs 'ratings' or 'rules': the node reader says so)
NODE_REQUIRED_BY_KIND: dict[str, tuple[str, ...]] = {"question": ("answers",)}
