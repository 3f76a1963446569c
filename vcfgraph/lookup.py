"""Find variants, actions, hand-offs and facts by id or words, and how each action is rated.

The project's answer to the ACR criteria lookup: ``lookup(pathway, "vertebroplasty")`` finds the
action by its alias and lists every variant that rates it, with category, score, radiation,
confidence and sources; a rating one of the variant's rules adds (rules that fire together) names
its rule. Pure functions over the model; the CLI prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vcfgraph.model import Check, Node, Pathway, Rating, Rule

__all__ = ["Hit", "RatedIn", "lookup", "ratings_of", "checks_on"]


@dataclass(frozen=True)
class RatedIn:
    """One variant's rating of an action; ``rule`` is set when a rule of the variant adds it
    (the rating holds only for a case in which the rule holds)."""

    variant: str
    variant_label: str
    rating: Rating
    rule: Rule | None = None


@dataclass(frozen=True)
class Hit:
    """A node or fact that matches the query; ``rank`` 0 is an exact id match."""

    kind: str  # variant | action | handoff | question | fact
    id: str
    label: str
    rank: int
    rated_in: tuple[RatedIn, ...] = ()
    checks: tuple[Check, ...] = ()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("_", " "))


def _fields(node: Node) -> tuple[str, str]:
    """(name text: id, label, aliases; body text: wording, criteria, notes)."""
    name = " ".join((node.id, node.label, *node.aliases, node.topic))
    body = " ".join((node.acr_wording, node.text, node.notes, *node.criteria, node.help))
    return name, body


def ratings_of(pathway: Pathway, action: str) -> tuple[RatedIn, ...]:
    """Every variant's rating of ``action`` (its own, then its rules' in file order), in file order."""
    return tuple(RatedIn(v.id, v.label, r, rule) for v in pathway.of_kind("variant")
                 for rule, r in v.all_ratings() if r.action == action)


def checks_on(pathway: Pathway, action: str) -> tuple[Check, ...]:
    """The patient-level checks on ``action``, in file order."""
    return tuple(c for c in pathway.checks if action in c.actions)


def _rank(query: str, words: list[str], ident: str, name: str, body: str) -> int | None:
    if query.strip().lower() == ident.lower():
        return 0
    name_words, body_words = set(_words(name)), set(_words(body))
    if all(any(n.startswith(w) for n in name_words) for w in words):
        return 1
    if all(any(n.startswith(w) for n in name_words | body_words) for w in words):
        return 2
    return None


def lookup(pathway: Pathway, query: str) -> list[Hit]:
    """Nodes and facts matching every word of ``query`` (prefixes count), best first.

    Args:
        pathway: the pathway to search.
        query: an id, or words such as "vertebroplasty" or "malignancy".

    Returns:
        Hits sorted by rank, then by kind (variants, actions, hand-offs, questions, facts), then
        file order. Actions carry every variant that rates them and the patient-level checks on them.
    """
    words = _words(query)
    if not words:
        return []
    order = {"variant": 0, "action": 1, "handoff": 2, "question": 3, "fact": 4}
    hits: list[tuple[int, int, int, Hit]] = []
    for i, node in enumerate(pathway.nodes):
        name, body = _fields(node)
        rank = _rank(query, words, node.id, name, body)
        if rank is not None:
            rated = ratings_of(pathway, node.id) if node.kind == "action" else ()
            checks = checks_on(pathway, node.id) if node.kind == "action" else ()
            hits.append((rank, order[node.kind], i, Hit(node.kind, node.id, node.label, rank, rated, checks)))
    for i, fact in enumerate(pathway.facts):
        rank = _rank(query, words, fact.name, fact.name, " ".join((fact.question, fact.help, fact.meaning)))
        if rank is not None:
            hits.append((rank, order["fact"], i, Hit("fact", fact.name, fact.question, rank)))
    return [h for *_, h in sorted(hits, key=lambda t: t[:3])]
