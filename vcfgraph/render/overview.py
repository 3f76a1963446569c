"""The pathway at a glance: its screening questions and its main branches, as a few large blocks.

No single drawing of a grown pathway can be read across a room. :func:`overview` reads the
pathway's shape instead and returns what a teacher would put on the first slide:

- the **screen**: the questions asked before the pathway branches, each with the answers that
  leave it early (a red flag to an urgent hand-off, a child to paediatric care);
- the **branch**: the first question with two or more answers that each lead on to a variant,
  and one **block** per such answer, listing the variants and hand-offs reachable from it.

Every item carries the node ids of its part of the graph, so the page can frame that part of the
diagram when it is chosen. The shape is derived from the answers alone, so any pathway gets an
overview; a pathway that never branches has a screen and no blocks. Drawing is the template's
job (``pathway.html.j2``) and framing the diagram the browser's (``site.js``).
"""

from __future__ import annotations

from dataclasses import dataclass

from vcfgraph.model import Node, Pathway

__all__ = ["Exit", "Step", "Part", "Block", "Overview", "overview"]


@dataclass(frozen=True)
class Exit:
    """An answer of a screening question that leaves the pathway's main line."""

    answer: str
    targets: tuple[Node, ...]      # the terminals it leads to (a hand-off, or a few)


@dataclass(frozen=True)
class Step:
    """A screening question and its early exits."""

    question: Node
    exits: tuple[Exit, ...]
    nodes: tuple[str, ...]         # the question and the nodes of its exits: what the diagram frames


@dataclass(frozen=True)
class Part:
    """An answer (or answers sharing a target) and the outcomes behind it."""

    answer: str
    variants: tuple[Node, ...]
    handoffs: tuple[Node, ...]
    nodes: tuple[str, ...]         # where the answer leads first, then every node behind it, then the question


@dataclass(frozen=True)
class Block:
    """One answer of the branching question: the question it leads to, and that question's answers
    as parts (a block whose answer leads straight to a terminal has one part)."""

    answer: str
    question: Node | None
    parts: tuple[Part, ...]
    nodes: tuple[str, ...]


@dataclass(frozen=True)
class Overview:
    screen: tuple[Step, ...]
    branch: Node | None
    blocks: tuple[Block, ...]


def _behind(pathway: Pathway, start: str) -> list[str]:
    """Every question and terminal reachable from ``start`` (itself included), in file order."""
    seen, todo = {start}, [start]
    while todo:
        for edge in pathway.out_edges(todo.pop()):
            if edge.target not in seen and pathway.node(edge.target).kind != "action":
                seen.add(edge.target)
                todo.append(edge.target)
    return [n.id for n in pathway.nodes if n.id in seen]


def _targets(pathway: Pathway, start: str) -> tuple[Node, ...]:
    return tuple(pathway.node(n) for n in _behind(pathway, start) if pathway.node(n).terminal)


def _leads_to_variant(pathway: Pathway, start: str) -> bool:
    return any(n.kind == "variant" for n in _targets(pathway, start))


def _part(pathway: Pathway, answer: str, target: str, question: str) -> Part:
    found = _targets(pathway, target)
    nodes = [target] + [n for n in _behind(pathway, target) if n not in (target, question)] + [question]
    return Part(answer, tuple(n for n in found if n.kind == "variant"), tuple(n for n in found if n.kind != "variant"),
                tuple(dict.fromkeys(nodes)))


def _parts(pathway: Pathway, question: str) -> tuple[Part, ...]:
    """The question's answers grouped by target, in answer order."""
    edges = pathway.out_edges(question)
    targets = list(dict.fromkeys(e.target for e in edges))
    return tuple(_part(pathway, " / ".join(e.label for e in edges if e.target == t), t, question) for t in targets)


def overview(pathway: Pathway) -> Overview:
    """The screen before the first branch, and one block per branch.

    Args:
        pathway: a checked pathway.

    Returns:
        An :class:`Overview`. The walk from the entry follows the one answer that leads on to a
        variant; its other answers are the step's exits. It stops at the first question where two
        or more answers lead on to a variant (the branch), at a question whose one way on is a
        terminal (then every answer is an exit), or where it would meet a question twice.
    """
    screen: list[Step] = []
    here, seen = pathway.entry, set()
    while here not in seen and pathway.node(here).kind == "question":
        seen.add(here)
        edges = pathway.out_edges(here)
        onward = [e for e in edges if _leads_to_variant(pathway, e.target)]
        targets = list(dict.fromkeys(e.target for e in onward))
        if len(targets) >= 2:
            blocks = []
            for target in targets:
                label = " / ".join(e.label for e in onward if e.target == target)
                node = pathway.node(target)
                if node.kind == "question":
                    parts = _parts(pathway, node.id)
                else:
                    parts = (_part(pathway, label, target, node.id),)
                blocks.append(Block(label, node if node.kind == "question" else None, parts,
                                    tuple(_behind(pathway, target))))
            return Overview(tuple(screen), pathway.node(here), tuple(blocks))
        # the walk ends here when its one way on is an outcome (Ottawa's one variant): that answer is listed too
        ends = not targets or pathway.node(targets[0]).kind != "question"
        exits = tuple(Exit(e.label, _targets(pathway, e.target)) for e in edges if ends or e.target not in targets)
        nodes = [here] + [t.id for x in exits for t in x.targets]
        screen.append(Step(pathway.node(here), exits, tuple(dict.fromkeys(nodes))))
        if ends:
            break
        here = targets[0]
    return Overview(tuple(screen), None, ())
