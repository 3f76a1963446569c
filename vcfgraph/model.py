"""The plain data model of a pathway, a case and a route: frozen dataclasses, no I/O.

A :class:`Pathway` holds facts (the case vocabulary with finite domains), nodes (questions,
variants, actions, hand-offs), the answer edges between them, patient-level contraindications
and safety properties. A :class:`Case` is a set of fact values; a :class:`Route` is what the
engine made of a case. Reading files is :mod:`vcfgraph.load`'s job, walking is
:mod:`vcfgraph.engine`'s; this module only describes and indexes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterator, Mapping

from vcfgraph.conditions import Condition, Value, format_value
from vcfgraph.errors import Location

__all__ = [
    "CATEGORIES",
    "CATEGORY_NAMES",
    "CONFIDENCES",
    "NODE_KINDS",
    "OUTCOMES",
    "Fact",
    "Edge",
    "Rating",
    "Downstream",
    "Titled",
    "Node",
    "Contraindication",
    "Property",
    "Source",
    "Meta",
    "Pathway",
    "Expected",
    "Case",
    "BranchCheck",
    "Step",
    "RatedAction",
    "Contraindicated",
    "NeededFact",
    "Route",
]

#: rating category -> its full name, in the order reports list them
CATEGORY_NAMES = {
    "UA": "Usually appropriate",
    "MBA": "May be appropriate",
    "UNA": "Usually not appropriate",
}
CATEGORIES = tuple(CATEGORY_NAMES)
#: the score band of each category on the ACR 1-9 scale
SCORE_BANDS = {"UA": (7, 9), "MBA": (4, 6), "UNA": (1, 3)}
CONFIDENCES = ("confirmed", "inferred", "uncertain")
NODE_KINDS = ("question", "variant", "action", "handoff")
TERMINAL_KINDS = ("variant", "handoff")
OUTCOMES = ("variant", "handoff", "need_info")
FACT_TYPES = ("bool", "enum", "int")


@dataclass(frozen=True)
class Fact:
    """A fact a case may carry, with its finite domain. None always means "not known"."""

    name: str
    type: str
    values: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    cuts: tuple[int, ...] = ()
    unit: str = ""
    question: str = ""
    help: str = ""
    meaning: str = ""
    loc: Location | None = field(default=None, compare=False)

    def accepts(self, value: Value) -> bool:
        """True when ``value`` (not None) lies in this fact's domain."""
        if self.type == "bool":
            return isinstance(value, bool)
        if self.type == "enum":
            return isinstance(value, str) and value in self.values
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and self.min is not None
            and self.max is not None
            and self.min <= value <= self.max
        )

    def allowed(self) -> str:
        """The domain in words, for error messages and prompts."""
        if self.type == "bool":
            return "true, false or null (not known)"
        if self.type == "enum":
            return ", ".join(self.values) + " or null (not known)"
        unit = f" {self.unit}" if self.unit else ""
        return f"a whole number from {self.min} to {self.max}{unit} or null (not known)"

    def intervals(self) -> tuple[tuple[int, int], ...]:
        """For an int fact: the ranges that no condition can tell apart.

        Each cut point c starts a new range at c and at c + 1, so that lt, le, gt and ge on c
        all fall on a boundary.
        """
        if self.type != "int" or self.min is None or self.max is None:
            return ()
        starts = {self.min}
        for cut in self.cuts:
            starts.update(s for s in (cut, cut + 1) if self.min < s <= self.max)
        ordered = sorted(starts)
        ends = [s - 1 for s in ordered[1:]] + [self.max]
        return tuple(zip(ordered, ends))

    def domain(self) -> tuple[Value, ...]:
        """One representative of every class of values, without None.

        bool: false, true; enum: every value; int: the first value of every interval.
        """
        if self.type == "bool":
            return (False, True)
        if self.type == "enum":
            return self.values
        return tuple(low for low, _ in self.intervals())


@dataclass(frozen=True)
class Edge:
    """An answer of a question: a guarded edge to the next node.

    ``condition`` is None for the ``otherwise`` answer, taken when no other answer applies.
    """

    id: str
    source: str
    target: str
    label: str
    condition: Condition | None
    text: str = ""
    loc: Location | None = field(default=None, compare=False)

    @property
    def otherwise(self) -> bool:
        return self.condition is None


@dataclass(frozen=True)
class Rating:
    """How appropriate an action is for a variant, and how sure we are of it."""

    action: str
    category: str
    score: int | None
    radiation: str
    confidence: str
    sources: tuple[str, ...]
    note: str = ""
    loc: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Downstream:
    """A step after a variant: a follow-up task, or a trigger that re-enters the graph."""

    id: str
    kind: str  # "follow_up" | "reenter"
    label: str
    text: str = ""
    target: str | None = None
    sources: tuple[str, ...] = ()
    loc: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Titled:
    """A titled paragraph (clinical implication) or a question with its answer (FAQ)."""

    title: str
    text: str


@dataclass(frozen=True)
class Node:
    """A question, variant, action or hand-off, with the teaching text attached to it."""

    id: str
    kind: str
    label: str
    text: str = ""
    notes: str = ""
    sources: tuple[str, ...] = ()
    help: str = ""
    criteria: tuple[str, ...] = ()
    implications: tuple[Titled, ...] = ()
    pitfalls: tuple[str, ...] = ()
    red_flags: tuple[str, ...] = ()
    faqs: tuple[Titled, ...] = ()
    # variant
    number: int | None = None
    stage: str = ""
    acr_wording: str = ""
    ratings: tuple[Rating, ...] = ()
    downstream: tuple[Downstream, ...] = ()
    # action
    modality: str = ""
    radiation: str = ""
    aliases: tuple[str, ...] = ()
    # hand-off
    urgency: str = ""
    topic: str = ""
    topic_id: int | None = None
    loc: Location | None = field(default=None, compare=False)

    @property
    def terminal(self) -> bool:
        return self.kind in TERMINAL_KINDS

    def rating(self, action: str) -> Rating | None:
        """This variant's rating of ``action``, or None."""
        return next((r for r in self.ratings if r.action == action), None)


@dataclass(frozen=True)
class Contraindication:
    """A patient-level modifier: when ``condition`` holds, ``action`` is not an option."""

    id: str
    action: str
    condition: Condition
    reason: str
    sources: tuple[str, ...] = ()
    loc: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Property:
    """A safety property: every case meeting ``given`` must satisfy the expectation.

    ``expect`` is one of ``reaches`` (the terminal is one of ``targets``), ``never_reaches``,
    ``recommends`` (every target action is usually appropriate or may be appropriate) and
    ``never_recommends`` (no target action is).
    """

    id: str
    text: str
    given: Condition
    expect: str
    targets: tuple[str, ...]
    sources: tuple[str, ...] = ()
    loc: Location | None = field(default=None, compare=False)


PROPERTY_EXPECTATIONS = ("reaches", "never_reaches", "recommends", "never_recommends")


@dataclass(frozen=True)
class Source:
    """A bibliographic source key (S0, S34, ...)."""

    key: str
    title: str
    url: str = ""


@dataclass(frozen=True)
class Meta:
    """What a pathway is, where it comes from, and where a walk starts."""

    id: str
    title: str
    entry: str
    publisher: str = ""
    topic: str = ""
    topic_id: int | None = None
    revision: str = ""
    version: str = ""
    reviewed: str = ""
    summary: str = ""


@dataclass(frozen=True)
class Pathway:
    """A whole pathway, indexed for lookup. Build it with :func:`vcfgraph.load.load_pathway`
    or directly in memory (tests do)."""

    meta: Meta
    facts: tuple[Fact, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    contraindications: tuple[Contraindication, ...] = ()
    properties: tuple[Property, ...] = ()
    sources: tuple[Source, ...] = ()
    path: str = ""
    _facts: dict[str, Fact] = field(default_factory=dict, init=False, repr=False, compare=False)
    _nodes: dict[str, Node] = field(default_factory=dict, init=False, repr=False, compare=False)
    _out: dict[str, tuple[Edge, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._facts.update((f.name, f) for f in self.facts)
        self._nodes.update((n.id, n) for n in self.nodes)
        out: dict[str, list[Edge]] = {}
        for edge in self.edges:
            out.setdefault(edge.source, []).append(edge)
        self._out.update((k, tuple(v)) for k, v in out.items())

    @property
    def entry(self) -> str:
        return self.meta.entry

    def fact(self, name: str) -> Fact:
        """The fact called ``name``; KeyError when it is not declared."""
        return self._facts[name]

    def has_fact(self, name: str) -> bool:
        return name in self._facts

    def node(self, node_id: str) -> Node:
        """The node with this id; KeyError when there is none."""
        return self._nodes[node_id]

    def has_node(self, node_id: str) -> bool:
        return node_id in self._nodes

    def out_edges(self, node_id: str) -> tuple[Edge, ...]:
        """The answers of a question, in file order."""
        return self._out.get(node_id, ())

    def of_kind(self, kind: str) -> tuple[Node, ...]:
        """Every node of one kind, in file order."""
        return tuple(n for n in self.nodes if n.kind == kind)

    def source(self, key: str) -> Source | None:
        return next((s for s in self.sources if s.key == key), None)

    def rating_edges(self) -> Iterator[tuple[str, Node, Rating]]:
        """(edge id, variant, rating) for every rating; the id is ``variant->action``."""
        for node in self.nodes:
            for rating in node.ratings:
                yield f"{node.id}->{rating.action}", node, rating


@dataclass(frozen=True)
class Expected:
    """What a case file says the route must give. Empty fields are not checked."""

    outcome: str | None = None
    terminal: str | None = None
    missing: tuple[str, ...] = ()
    usually_appropriate: tuple[str, ...] = ()
    may_be_appropriate: tuple[str, ...] = ()
    usually_not_appropriate: tuple[str, ...] = ()
    contraindicated: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    """A patient: fact values (None or absent = not known), with optional expectations."""

    id: str
    facts: Mapping[str, Value]
    description: str = ""
    vignette: str = ""
    expected: Expected | None = None
    loc: Location | None = field(default=None, compare=False)

    def value(self, name: str) -> Value:
        return self.facts.get(name)

    def with_facts(self, changes: Mapping[str, Value]) -> "Case":
        """A copy with some facts changed; expectations are dropped, they no longer apply."""
        return replace(self, facts={**self.facts, **changes}, expected=None)


@dataclass(frozen=True)
class BranchCheck:
    """How one answer of a question came out for a case: True, False, or None (undecided)."""

    edge: str
    label: str
    target: str
    result: bool | None
    reason: str


@dataclass(frozen=True)
class Step:
    """One question on the route: what it read, which answer it took, and why."""

    node: str
    facts: tuple[tuple[str, Value], ...]
    edge: str | None
    answer: str | None
    target: str | None
    explanation: str
    branches: tuple[BranchCheck, ...] = ()

    @property
    def not_taken(self) -> tuple[BranchCheck, ...]:
        return tuple(b for b in self.branches if b.edge != self.edge)


@dataclass(frozen=True)
class RatedAction:
    """An action as rated for the reached variant."""

    action: str
    label: str
    category: str
    score: int | None
    radiation: str
    confidence: str
    sources: tuple[str, ...]
    modality: str = ""
    note: str = ""


@dataclass(frozen=True)
class Contraindicated:
    """A rated action that is not an option for this patient, and why."""

    action: str
    label: str
    category: str
    reason: str
    confidence: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class NeededFact:
    """A fact the walk needs and the case does not give."""

    fact: str
    question: str
    help: str
    allowed: str


@dataclass(frozen=True)
class Route:
    """The result of walking one case through a pathway."""

    case: str
    outcome: str
    terminal: str | None
    steps: tuple[Step, ...]
    missing: tuple[NeededFact, ...] = ()
    possible: tuple[str, ...] = ()
    ratings: tuple[RatedAction, ...] = ()
    contraindicated: tuple[Contraindicated, ...] = ()
    downstream: tuple[Downstream, ...] = ()

    @property
    def missing_facts(self) -> tuple[str, ...]:
        return tuple(m.fact for m in self.missing)

    def actions(self, category: str) -> tuple[str, ...]:
        """Action ids of one category (UA, MBA, UNA), contraindicated ones left out."""
        return tuple(r.action for r in self.ratings if r.category == category)

    def recommendations(self) -> dict[str, tuple[str, ...]]:
        """{usually_appropriate: [...], may_be_appropriate: [...], usually_not_appropriate: [...]}"""
        return {
            "usually_appropriate": self.actions("UA"),
            "may_be_appropriate": self.actions("MBA"),
            "usually_not_appropriate": self.actions("UNA"),
        }

    def radiation(self) -> tuple[tuple[str, str], ...]:
        """(action, relative radiation level) of every usually-appropriate imaging action."""
        return tuple(
            (r.action, r.radiation) for r in self.ratings if r.category == "UA" and r.modality == "imaging"
        )

    def nodes(self) -> tuple[str, ...]:
        """Every node the route passes: questions, the terminal, and the rated actions."""
        ids = [s.node for s in self.steps]
        if self.terminal:
            ids.append(self.terminal)
        ids.extend(r.action for r in self.ratings)
        ids.extend(c.action for c in self.contraindicated)
        return tuple(dict.fromkeys(ids))

    def edges(self) -> tuple[str, ...]:
        """Ids of the answer edges the route took, in order."""
        return tuple(s.edge for s in self.steps if s.edge)

    def rating_edges(self) -> tuple[str, ...]:
        """Ids (``variant->action``) of the ratings shown for the reached variant."""
        if self.outcome != "variant" or not self.terminal:
            return ()
        actions = [r.action for r in self.ratings] + [c.action for c in self.contraindicated]
        return tuple(f"{self.terminal}->{a}" for a in actions)


def describe_facts(facts: Mapping[str, Value]) -> str:
    """``name = value`` pairs in words, for explanations."""
    return ", ".join(f"{k} = {format_value(v) if v is not None else 'not known'}" for k, v in facts.items())
