"""The ``nodes`` section of a pathway file: questions, variants, actions and hand-offs.

A mixin of the pathway builder in :mod:`vcfgraph.io.pathway`: it reads each node with the keys its
kind allows, the answers of questions (their conditions are checked by the builder), and the
ratings and downstream steps of variants. Problems go to the builder's shared
:class:`~vcfgraph.io.located.Reader`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from vcfgraph.conditions import Condition
from vcfgraph.errors import did_you_mean
from vcfgraph.io.located import Reader
from vcfgraph.io.spec import ENUMS, NODE_BY_KIND, NODE_COMMON, NODE_REQUIRED_BY_KIND, SECTIONS
from vcfgraph import conditions as cond_mod
from vcfgraph.model import (CONFIDENCES, MODIFIER_DIRECTIONS, NODE_KINDS, Advice, Downstream, Edge, Modifier, Node, Rating,
                            Rule, Titled)
from vcfgraph.scale import RatingScale

__all__ = ["NodeSection", "STAGES", "MODALITIES", "URGENCIES", "DOWNSTREAM_KINDS"]

_COMMON = tuple(NODE_COMMON)
_BY_KIND = {kind: tuple(keys) for kind, keys in NODE_BY_KIND.items()}
_REQUIRED_BY_KIND = NODE_REQUIRED_BY_KIND
STAGES = ENUMS["stage"]
MODALITIES = ENUMS["modality"]
URGENCIES = ENUMS["urgency"]
DOWNSTREAM_KINDS = ENUMS["downstream_kind"]


class NodeSection:
    """Reads the ``nodes`` list. Mixed into the pathway builder, which provides the reader, the
    node tables, source-key and condition checking."""

    r: Reader
    root: Mapping[str, Any]
    nodes: dict[str, Node]
    node_raw: dict[str, Any]
    broken: set[str]
    duplicates: list[tuple[str, int, int]]
    scale: RatingScale

    def _source_keys(self, m: Mapping[str, Any], key: str, what: str) -> tuple[str, ...]:
        raise NotImplementedError  # the builder's

    def _condition(self, container: Mapping[str, Any], key: str, what: str) -> Condition:
        raise NotImplementedError  # the builder's

    def _ids(self, m: Mapping[str, Any], key: str, what: str) -> tuple[str, ...]:
        raise NotImplementedError  # the builder's

    def _entries(self, raw: Any, loc: Any, what: str, section: str,
                 label: Callable[[int], str]) -> list[tuple[int, str, Mapping[str, Any]]]:
        """The items of a list of ``section`` mappings: (index, the item's name in messages, the
        item), each checked for its keys (:data:`SECTIONS`); ``label(n)`` names item ``n``
        (counted from 1). A list that is not one, or an item that is not a mapping, is reported
        and left out."""
        r = self.r
        items = r.sequence(raw, loc, what)
        keys = SECTIONS[section]
        out = []
        for i, item in enumerate(items):
            sub = label(i + 1)
            m = r.mapping(item, r.at(items, i), sub, required=keys.required, optional=keys.optional)
            if m is not None:
                out.append((i, sub, m))
        return out

    def _nodes(self, raw: Any) -> list[Edge]:
        r = self.r
        items = r.sequence(raw, r.at(self.root, "nodes"), "'nodes'")
        edges: list[Edge] = []
        for i, item in enumerate(items):
            loc = r.at(items, i)
            kind = item.get("kind") if isinstance(item, Mapping) else None
            label = f"node {i + 1}"
            if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                label = f"node '{item['id']}'"
            if kind not in NODE_KINDS:
                if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                    self.broken.add(item["id"])
                if isinstance(item, Mapping) and "kind" in item:
                    r.report(r.at(item, "kind"), f"unknown node kind {kind!r} in {label}{did_you_mean(str(kind), NODE_KINDS)} (allowed: {', '.join(NODE_KINDS)})")
                else:
                    r.mapping(item, loc, label, required=("id", "kind", "label"), optional=_COMMON + sum(_BY_KIND.values(), ()))
                continue
            m = r.mapping(item, loc, label, required=("id", "kind", "label") + _REQUIRED_BY_KIND.get(kind, ()),
                          optional=_COMMON + _BY_KIND[kind])
            if m is None:
                continue
            node, node_edges = self._node(m, kind, label)
            if not node.id:
                continue
            if node.id in self.nodes:
                first = self.nodes[node.id].loc
                self.duplicates.append((node.id, first.line if first else 0, r.at(m, "id").line))
                r.report(r.at(m, "id"), f"duplicate node id '{node.id}' (first defined at line {first.line if first else '?'})")
                continue
            self.nodes[node.id] = node
            self.node_raw[node.id] = m
            edges.extend(node_edges)
        return edges

    def _node(self, m: Mapping[str, Any], kind: str, what: str) -> tuple[Node, list[Edge]]:
        r = self.r
        node_id = r.identifier(m, "id", what)
        fields: dict[str, Any] = dict(
            id=node_id, kind=kind, label=r.text(m, "label", what), text=r.text(m, "text", what),
            notes=r.text(m, "notes", what), sources=self._source_keys(m, "sources", what),
            criteria=r.texts(m, "criteria", what), pitfalls=r.texts(m, "pitfalls", what),
            red_flags=r.texts(m, "red_flags", what),
            implications=self._titled(m, "implications", what, SECTIONS["implication"].required),
            faqs=self._titled(m, "faqs", what, SECTIONS["faq"].required), loc=r.at(m),
        )
        edges: list[Edge] = []
        if kind == "question":
            fields["help"] = r.text(m, "help", what)
            edges = self._answers(m, node_id, what)
        elif kind == "variant":
            if "ratings" not in m and "rules" not in m:
                r.report(r.at(m), f"{what} needs 'ratings' (what it rates), 'rules' (ratings that rules add) or both")
            ratings = self._ratings(m, what)
            fields.update(number=r.integer(m, "number", what, 1, None), stage=r.choice(m, "stage", what, STAGES),
                          acr_wording=r.text(m, "acr_wording", what), ratings=ratings,
                          rules=self._rules(m, what, ratings), downstream=self._downstream(m, node_id, what),
                          advice=self._advice(m, what))
        elif kind == "action":
            self._radiation(m, what)
            fields.update(modality=r.choice(m, "modality", what, MODALITIES), radiation=r.text(m, "radiation", what),
                          aliases=r.texts(m, "aliases", what))
        else:
            fields.update(urgency=r.choice(m, "urgency", what, URGENCIES, "routine"), topic=r.text(m, "topic", what),
                          topic_id=r.integer(m, "topic_id", what, 1, None), downstream=self._downstream(m, node_id, what),
                          advice=self._advice(m, what))
        return Node(**fields), edges

    def _advice(self, m: Mapping[str, Any], what: str) -> tuple[Advice, ...]:
        r = self.r
        out = []
        for _, sub, a in self._entries(m.get("advice"), r.at(m, "advice"), f"'advice' of {what}", "advice",
                                       lambda n: f"advice {n} of {what}"):
            out.append(Advice(self._ids(a, "actions", sub), r.text(a, "text", sub),
                                  self._source_keys(a, "sources", sub), r.at(a)))
        return tuple(out)

    def _titled(self, m: Mapping[str, Any], key: str, what: str, keys: tuple[str, ...]) -> tuple[Titled, ...]:
        r = self.r
        items = r.sequence(m.get(key), r.at(m, key), f"'{key}' of {what}")
        out = []
        for i, item in enumerate(items):
            sub = f"item {i + 1} of '{key}' in {what}"
            t = r.mapping(item, r.at(items, i), sub, required=keys)
            if t is not None:
                out.append(Titled(r.text(t, keys[0], sub), r.text(t, keys[1], sub)))
        return tuple(out)

    def _answers(self, m: Mapping[str, Any], node_id: str, what: str) -> list[Edge]:
        r = self.r
        items = r.sequence(m.get("answers"), r.at(m, "answers"), f"'answers' of {what}")
        if "answers" in m and not items:
            r.report(r.at(m, "answers"), f"{what} needs at least one answer")
        edges: list[Edge] = []
        otherwise_seen = False
        for i, item in enumerate(items):
            sub = f"answer {i + 1} of {what}"
            a = r.mapping(item, r.at(items, i), sub, required=SECTIONS["answer"].required,
                          optional=SECTIONS["answer"].optional)
            if a is None:
                continue
            target = r.identifier(a, "to", sub)
            edge_id = r.identifier(a, "id", sub) or f"{node_id}->{target}"
            condition: Condition | None = None
            if ("when" in a) == (a.get("otherwise") is True):
                r.report(r.at(items, i), f"{sub} needs either 'when' (a condition) or 'otherwise: true', not both or neither")
            elif "otherwise" in a and a["otherwise"] is not True:
                r.report(r.at(a, "otherwise"), f"'otherwise' of {sub} can only be true")
            elif a.get("otherwise") is True:
                if otherwise_seen:
                    r.report(r.at(a, "otherwise"), f"{what} has more than one 'otherwise' answer")
                otherwise_seen = True
            else:
                condition = self._condition(a, "when", sub)
            edges.append(Edge(edge_id, node_id, target, r.text(a, "label", sub), condition, r.text(a, "text", sub),
                              r.choice(a, "confidence", sub, CONFIDENCES), self._source_keys(a, "sources", sub), r.at(a)))
        return edges

    def _ratings(self, m: Mapping[str, Any], what: str) -> tuple[Rating, ...]:
        r = self.r
        out: list[Rating] = []
        for _, sub, g in self._entries(m.get("ratings"), r.at(m, "ratings"), f"'ratings' of {what}", "rating",
                                       lambda n: f"rating {n} of {what}"):
            scale = self.scale
            category = r.choice(g, "category", sub, scale.ids())
            score = r.integer(g, "score", sub, scale.score_min, scale.score_max)
            declared = scale.category(category) if category else None
            if score is not None and scale.score_min is None:
                r.report(r.at(g, "score"), f"{sub} has a score, but the rating scale declares no 'score' range")
            elif score is not None and declared is not None and declared.band is not None:
                low, high = declared.band
                if not low <= score <= high:
                    r.report(r.at(g, "score"), f"score {score} does not fit category {category} ({low}-{high}) in {sub}")
            self._radiation(g, sub)
            sources = self._source_keys(g, "sources", sub)
            if "sources" in g and not sources:
                r.report(r.at(g, "sources"), f"{sub} needs at least one source key")
            action = r.identifier(g, "action", sub)
            if action and any(x.action == action for x in out):
                r.report(r.at(g, "action"), f"action '{action}' is rated twice in {what}")
                continue
            out.append(Rating(action, category, score, r.text(g, "radiation", sub), r.choice(g, "confidence", sub, CONFIDENCES),
                              sources, r.text(g, "note", sub), r.at(g),
                              declared.slot if declared is not None and not scale.is_acr else "",
                              self._modifiers(g, sub)))
        return tuple(out)

    def _rules(self, m: Mapping[str, Any], what: str, own_ratings: tuple[Rating, ...]) -> tuple[Rule, ...]:
        """The ``rules`` of a variant (they fire together). A rule may not rate an action the variant
        rates itself: both would always hold together."""
        r = self.r
        own = {x.action for x in own_ratings}
        out: list[Rule] = []
        for _, sub, g in self._entries(m.get("rules"), r.at(m, "rules"), f"'rules' of {what}", "rule",
                                       lambda n: f"rule {n} of {what}"):
            rule_id = r.identifier(g, "id", sub)
            if rule_id:
                sub = f"rule '{rule_id}' of {what}"
            if rule_id and any(x.id == rule_id for x in out):
                r.report(r.at(g, "id"), f"duplicate rule id '{rule_id}' in {what}")
                continue
            if "when" not in g or "ratings" not in g:
                continue
            ratings = self._ratings(g, sub)
            if "ratings" in g and not ratings:
                r.report(r.at(g, "ratings"), f"{sub} needs at least one rating")
            for i, rating in enumerate(ratings):
                if rating.action in own:
                    r.report(r.at(g["ratings"][i], "action"), f"{sub} rates '{rating.action}', which {what} rates "
                             "itself; a rule adds ratings for actions the variant does not rate")
            out.append(Rule(rule_id, r.text(g, "label", sub), self._condition(g, "when", sub), ratings,
                            r.text(g, "text", sub), r.choice(g, "confidence", sub, CONFIDENCES),
                            self._source_keys(g, "sources", sub), r.at(g)))
        return tuple(out)

    def _modifiers(self, g: Mapping[str, Any], what: str) -> tuple[Modifier, ...]:
        """The ``modifiers`` of a rating; their conditions read recorded facts only."""
        r = self.r
        out = []
        for _, sub, m in self._entries(g.get("modifiers"), r.at(g, "modifiers"), f"'modifiers' of {what}", "modifier",
                                       lambda n: f"modifier {n} of {what}"):
            if "when" not in m:
                continue
            when = cond_mod.recorded_only(self._condition(m, "when", sub))
            out.append(Modifier(r.choice(m, "direction", sub, MODIFIER_DIRECTIONS), when, r.text(m, "reason", sub),
                                self._source_keys(m, "sources", sub), r.at(m)))
        return tuple(out)

    def _radiation(self, m: Mapping[str, Any], what: str) -> None:
        """A radiation entry must be a level of the scale's relative radiation scale."""
        text = m.get("radiation")
        if isinstance(text, str) and not self.scale.accepts_radiation(text):
            levels = ", ".join(self.scale.radiation) or "none declared"
            self.r.report(self.r.at(m, "radiation"), f"radiation '{text}' of {what} is not a level of the relative radiation "
                                                     f"scale ({levels}; or 'not applicable', 'not found'), optionally followed "
                                                     "by a remark in parentheses")

    def _downstream(self, m: Mapping[str, Any], node_id: str, what: str) -> tuple[Downstream, ...]:
        r = self.r
        out = []
        for i, sub, d in self._entries(m.get("downstream"), r.at(m, "downstream"), f"'downstream' of {what}",
                                       "downstream", lambda n: f"downstream step {n} of {what}"):
            kind = r.choice(d, "kind", sub, DOWNSTREAM_KINDS)
            target = r.identifier(d, "to", sub) or None
            if kind == "reenter" and target is None:
                r.report(r.at(d), f"{sub} re-enters the graph and needs 'to' (a node id)")
            if kind == "follow_up" and "to" in d:
                r.report(r.at(d, "to", of_key=True), f"{sub} is a follow-up; only 'reenter' steps have 'to'")
            out.append(Downstream(r.identifier(d, "id", sub) or f"{node_id}~{i + 1}", kind, r.text(d, "label", sub),
                                  r.text(d, "text", sub), target, self._source_keys(d, "sources", sub),
                                  r.identifier(d, "if_offered", sub) or None, r.identifier(d, "if_set_apart", sub) or None,
                                  r.at(d)))
        return tuple(out)
