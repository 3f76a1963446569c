"""The pathway as a Mermaid flowchart: questions as diamonds, answers as labelled edges, variants
with the actions of their scale's favoured category (named as the scale names it: "Usually
appropriate" on the ACR scale, "Radiographs indicated" on Ottawa's) and their modifiers in words
("(Favoured when age_months is below 3)"), the rules that fire together at a variant and what
each adds, every category named by the scale ("When Ankle rule positive: Radiographs indicated:
Ankle radiograph series"), hand-offs (prefixed
"Hand-off: " once, also when the label already says so), and the triggers that re-enter the graph.

Mermaid ids are ``n_`` and the node id with every character outside ``[A-Za-z0-9_]`` replaced
(:func:`mermaid_id`; a clash gets the node's place in the file), so no id is a Mermaid keyword.
Every label is quoted and every character that Mermaid or HTML could read as markup is written
as a Mermaid entity (``#35;`` for ``#``), see :func:`label`. Nothing here runs mermaid-cli.
"""

from __future__ import annotations

import re

from vcfgraph.model import Node, Pathway, Rating, Rule
from vcfgraph.scale import ROLE_SLOT

__all__ = ["mermaid", "mermaid_id", "mermaid_ids", "label"]

_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_]")
#: a label that already says it is a hand-off ("Hand-off: suspected spine trauma")
_HANDOFF = re.compile(r"hand-?off\s*:\s*", re.IGNORECASE)
_PLAIN = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.:?!'()/+=_%-")
#: node kind -> (opening, closing) of its Mermaid shape
SHAPES = {"question": ("{", "}"), "variant": ("[", "]"), "handoff": ("[[", "]]"), "action": ("(", ")")}
CLASSES = {
    "question": "fill:#fff8e1,stroke:#8d6e00",
    "variant": "fill:#e8f5e9,stroke:#1b5e20",
    "handoff": "fill:#fce4ec,stroke:#880e4f",
}


def mermaid_id(node_id: str) -> str:
    """The Mermaid id of a node id (before clashes are settled)."""
    return "n_" + _UNSAFE_ID.sub("_", node_id)


def mermaid_ids(pathway: Pathway) -> dict[str, str]:
    """node id -> its Mermaid id, unique."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for number, node in enumerate(pathway.nodes, 1):
        name = mermaid_id(node.id)
        if name in taken:
            name = f"{name}_{number}"
        taken.add(name)
        out[node.id] = name
    return out


def label(text: str) -> str:
    """A quoted Mermaid label: letters, digits and plain punctuation as they are, line breaks as
    ``<br/>``, every other character as a numeric entity (``#34;``), so no text becomes markup."""
    lines = text.splitlines() or [""]
    parts = ["".join(ch if ch in _PLAIN or (ch.isalpha() and ord(ch) > 127) else f"#{ord(ch)};" for ch in line)
             for line in lines]
    return '"' + "<br/>".join(parts) + '"'


def _rating_lines(pathway: Pathway, rating: Rating) -> list[str]:
    category = pathway.scale.category(rating.category)
    name = category.name if category is not None else rating.category
    return [f"{name}: {pathway.node(rating.action).label}", *(f"({m.words})" for m in rating.modifiers)]


def _rule_lines(pathway: Pathway, rule: Rule) -> list[str]:
    """What a rule adds when it holds, every rating in the scale's words (not only the favoured:
    a rule that says a series is not needed is half of the decision)."""
    lines: list[str] = []
    for i, rating in enumerate(rule.ratings):
        first, *modifiers = _rating_lines(pathway, rating)
        lines += [(f"When {rule.label}: " if i == 0 else "and ") + first, *modifiers]
    return lines


def _node_text(pathway: Pathway, node: Node) -> str:
    if node.kind == "variant":
        favoured = pathway.scale.of_slot(ROLE_SLOT["favoured"])
        rules = [line for rule in node.rules for line in _rule_lines(pathway, rule)]
        if favoured is None:  # a scale without a favoured category: the variant's label (and rules)
            return "\n".join([node.label, *rules])
        usual = [r for r in node.ratings if r.slot == favoured.slot]
        own = [line for r in usual for line in _rating_lines(pathway, r)]
        if not own and not rules:
            own = [f"{favoured.name}: none"]
        return "\n".join([node.label, *own, *rules])
    if node.kind == "handoff":
        text = _HANDOFF.sub("", node.label, count=1) if _HANDOFF.match(node.label) else node.label
        return f"Hand-off: {text}" + (f"\n({node.urgency})" if node.urgency else "")
    return node.label


def mermaid(pathway: Pathway) -> str:
    """The Mermaid flowchart text (top to bottom), one line per node and edge, in file order."""
    ids = mermaid_ids(pathway)
    lines = ["flowchart TD"]
    drawn = [n for n in pathway.nodes if n.kind != "action"]
    for node in drawn:
        opening, closing = SHAPES[node.kind]
        lines.append(f"  {ids[node.id]}{opening}{label(_node_text(pathway, node))}{closing}")
    for edge in pathway.edges:
        if edge.target in ids and pathway.node(edge.target).kind != "action":
            lines.append(f"  {ids[edge.source]} -->|{label(edge.label)}| {ids[edge.target]}")
    for node in drawn:
        for step in node.downstream:
            if step.target and step.target in ids:
                lines.append(f"  {ids[node.id]} -.->|{label('re-enter: ' + step.label)}| {ids[step.target]}")
    for kind, style in CLASSES.items():
        members = [ids[n.id] for n in drawn if n.kind == kind]
        if members:
            lines.append(f"  classDef {kind} {style}")
            lines.append(f"  class {','.join(members)} {kind}")
    return "\n".join(lines) + "\n"
