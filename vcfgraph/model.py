"""The plain data model of a pathway and a case: frozen dataclasses, no I/O.

A :class:`Pathway` holds facts (the case vocabulary with finite domains), nodes (questions,
variants, actions, hand-offs), the answer edges between them, patient-level checks on actions
and safety properties. A :class:`Case` is a set of fact values. What the engine makes of a case
(a :class:`~vcfgraph.route.Route`) lives in :mod:`vcfgraph.route`. Reading files is :mod:`vcfgraph.io.load`'s job, walking is
:mod:`vcfgraph.engine`'s; this module only describes and indexes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterator, Mapping

from vcfgraph.conditions import Condition, Value, describe, facts_read
from vcfgraph.scale import ACR_SCALE, SLOTS, RatingScale
from vcfgraph.errors import Location

__all__ = [
    "CATEGORIES",
    "CATEGORY_NAMES",
    "CONFIDENCES",
    "NODE_KINDS",
    "OUTCOMES",
    "Fact",
    "Definition",
    "Edge",
    "Rating",
    "Modifier",
    "Rule",
    "MODIFIER_DIRECTIONS",
    "MODIFIER_STATES",
    "Downstream",
    "Advice",
    "Titled",
    "Node",
    "Check",
    "Property",
    "Acknowledgement",
    "Source",
    "Meta",
    "Pathway",
    "rating_edge_id",
    "Expected",
    "Case",
    "CHECK_STATES",
    "CHECK_EFFECTS",
    "FACT_SOURCES",
]

#: ACR rating category -> its full name, in the order reports list them (from :data:`ACR_SCALE`)
CATEGORY_NAMES = ACR_SCALE.names()
#: the slots (UA, MBA, UNA) in the order reports list them (:data:`vcfgraph.scale.SLOTS`)
CATEGORIES = SLOTS
CONFIDENCES = ("confirmed", "inferred", "uncertain")
NODE_KINDS = ("question", "variant", "action", "handoff")
TERMINAL_KINDS = ("variant", "handoff")
OUTCOMES = ("variant", "handoff", "need_info")
FACT_TYPES = ("bool", "enum", "int")
#: where a fact comes from, cheapest first: need_info asks for facts in this order
FACT_SOURCES = ("history", "examination", "imaging", "biopsy")
#: the three states of a patient-level check for one case
CHECK_STATES = ("satisfied", "not_established", "failed")
#: what a failed check does to its action: set it apart for the patient, or add a caution
CHECK_EFFECTS = ("set_apart", "caution")
#: which way a rating's modifier leans when its condition holds for the patient
MODIFIER_DIRECTIONS = ("favoured", "disfavoured")
#: the three states of a modifier for one case (an unknown fact never makes one hold)
MODIFIER_STATES = ("holds", "does_not_hold", "undecided")


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
    source: str = ""
    loc: Location | None = field(default=None, compare=False)
    #: a short name for the finding (``new neurologic deficit``), used where a result names it
    label: str = ""
    #: describes the past or the person (age, earlier surgery): a what-if on it, once recorded,
    #: reads "if this were different", not as something a work-up can establish
    fixed: bool = False
    #: the value read when the fact is not recorded (its ``unknown:`` policy), or None for none
    unknown: Value = None
    #: how the author wrote that value (``absent``), for explanations
    unknown_word: str = ""
    #: the condition under which the ``unknown:`` policy holds (``unknown: {read_as: absent,
    #: when: ...}``), or None when it always does; outside it the fact stays not known
    unknown_when: Any = None
    #: a red flag (``red_flag: true``): when it is not known and could change the outcome, it is
    #: asked before any other fact
    red_flag: bool = False

    def policy_holds(self, facts: Mapping[str, Value]) -> bool:
        """Whether this fact's "not recorded" policy gives it a value for these facts (it has
        one, and its condition, if any, is true)."""
        from vcfgraph.conditions import evaluate

        return self.unknown is not None and (self.unknown_when is None or evaluate(self.unknown_when, facts) is True)

    def asked_first(self, facts: Mapping[str, Value]) -> bool:
        """A red flag that is not known and that no "not recorded" policy reads: it is asked
        before any other fact (when it could change the outcome)."""
        return self.red_flag and facts.get(self.name) is None and not self.policy_holds(facts)

    @property
    def source_rank(self) -> int:
        """Position of :attr:`source` in :data:`FACT_SOURCES`; facts without one come last."""
        return FACT_SOURCES.index(self.source) if self.source in FACT_SOURCES else len(FACT_SOURCES)

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
    ``confidence`` and ``sources`` mark a routing decision the sources leave open (``inferred``);
    empty when the answer declares none.
    """

    id: str
    source: str
    target: str
    label: str
    condition: Condition | None
    text: str = ""
    confidence: str = ""
    sources: tuple[str, ...] = ()
    loc: Location | None = field(default=None, compare=False)

    @property
    def otherwise(self) -> bool:
        return self.condition is None


@dataclass(frozen=True)
class Modifier:
    """A condition under which the guideline favours (or disfavours) a rated action for a
    patient ("CT favoured when age under 3 months or worsening"). It never changes the rating's
    category or list: it is shown beside the rating, with whether it holds for the case.

    ``when`` reads recorded facts only (no "not recorded" policy), so an unknown fact leaves the
    modifier undecided and is never read as favouring.
    """

    direction: str  # one of MODIFIER_DIRECTIONS
    when: Condition
    reason: str
    sources: tuple[str, ...] = ()
    loc: Location | None = field(default=None, compare=False)

    @property
    def words(self) -> str:
        """The modifier in words, from its condition: ``Favoured when age_months is below 3``."""
        return f"{self.direction.capitalize()} when {describe(self.when)}"


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
    #: the ACR id of the category's role (UA, MBA, UNA) when the pathway has its own scale
    role_slot: str = ""
    #: conditions that favour or disfavour the action for a patient (``modifiers:``)
    modifiers: tuple[Modifier, ...] = ()

    @property
    def slot(self) -> str:
        """UA, MBA or UNA: the role of the category, which routes and case lists use."""
        return self.role_slot or self.category


@dataclass(frozen=True)
class Rule:
    """One of a variant's rules that fire together (a decision table's "collect" hit policy):
    when ``when`` holds for a case that reaches the variant, ``ratings`` are added to the
    variant's own. Rules are independent of each other (Ottawa's ankle rule and foot rule); every
    rule must be decided before a route can end at the variant, so a rule that reads a fact
    nobody recorded stops the walk with need_info, like an undecided answer. ``when`` follows the
    facts' "not recorded" policies, as answers do.
    """

    id: str
    label: str
    when: Condition
    ratings: tuple[Rating, ...]
    text: str = ""
    confidence: str = ""
    sources: tuple[str, ...] = ()
    loc: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Downstream:
    """A step after a variant: a follow-up task, or a trigger that re-enters the graph.

    ``if_offered`` names an action the step offers: the step is left out of a route whose
    patient has that action set apart (it would mislead). ``if_set_apart`` names an action
    whose being set apart the step answers: it is shown only then.
    """

    id: str
    kind: str  # "follow_up" | "reenter"
    label: str
    text: str = ""
    target: str | None = None
    sources: tuple[str, ...] = ()
    if_offered: str | None = None
    if_set_apart: str | None = None
    loc: Location | None = field(default=None, compare=False)

    def shown(self, set_apart: "frozenset[str] | set[str]") -> bool:
        """Whether the step applies to a patient with the actions ``set_apart`` set apart."""
        if self.if_offered and self.if_offered in set_apart:
            return False
        return not self.if_set_apart or self.if_set_apart in set_apart


@dataclass(frozen=True)
class Advice:
    """What a variant or hand-off says about actions it does not rate ("MRI is generally not
    needed here"; "cement has no role without pain"), so that a service asked about such an
    order can give the pathway's own words instead of none."""

    actions: tuple[str, ...]
    text: str
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
    #: rules that each add ratings when they hold (``rules:``); all that hold fire together
    rules: tuple[Rule, ...] = ()
    # action
    modality: str = ""
    radiation: str = ""
    aliases: tuple[str, ...] = ()
    # hand-off
    urgency: str = ""
    topic: str = ""
    topic_id: int | None = None
    loc: Location | None = field(default=None, compare=False)
    #: variant / hand-off: advice on actions the node does not rate
    advice: tuple[Advice, ...] = ()

    @property
    def terminal(self) -> bool:
        return self.kind in TERMINAL_KINDS

    def advice_on(self, action: str) -> Advice | None:
        """This node's advice about ``action`` (an action it does not rate), or None."""
        return next((a for a in self.advice if action in a.actions), None)

    def rating(self, action: str) -> Rating | None:
        """This variant's own rating of ``action`` (not a rule's), or None."""
        return next((r for r in self.ratings if r.action == action), None)

    def all_ratings(self) -> Iterator[tuple["Rule | None", Rating]]:
        """Every rating this variant can give: its own (rule None), then each rule's, in file order."""
        for rating in self.ratings:
            yield None, rating
        for rule in self.rules:
            for rating in rule.ratings:
                yield rule, rating

    def rule(self, rule_id: str) -> "Rule | None":
        """This variant's rule ``rule_id``, or None."""
        return next((r for r in self.rules if r.id == rule_id), None)


@dataclass(frozen=True)
class Check:
    """A patient-level check on actions: what must hold before they are offered to a patient.

    For a case reaching a variant that rates one of ``actions`` (and is one of ``variants``,
    when given), ``requires`` is evaluated with three-valued logic:

    - true: **satisfied**, nothing changes;
    - unknown: **not established**; the action keeps its category and list and carries
      ``caution`` (no caution when that text is empty);
    - false: **failed**; with ``on_fail = "set_apart"`` the action is set apart for this patient
      with ``reason``; with ``on_fail = "caution"`` it stays and carries ``reason`` as a caution.

    The ACR category of an action is never changed by a check.
    """

    id: str
    actions: tuple[str, ...]
    requires: Condition
    reason: str
    caution: str = ""
    on_fail: str = "set_apart"
    variants: tuple[str, ...] = ()
    confidence: str = "confirmed"
    sources: tuple[str, ...] = ()
    loc: Location | None = field(default=None, compare=False)

    def applies(self, variant: str, action: str) -> bool:
        """True when this check concerns ``action`` as rated by ``variant``."""
        return action in self.actions and (not self.variants or variant in self.variants)


@dataclass(frozen=True)
class Property:
    """A safety property: every case meeting ``given`` must satisfy the expectation.

    ``expect`` is one of ``reaches`` (the terminal is one of ``targets``), ``never_reaches``,
    ``recommends`` (every target action is usually appropriate or may be appropriate and not
    set apart), ``never_recommends`` (no target action is), ``sets_apart`` (every target
    action the reached variant rates is set apart for the patient), ``never_discourages`` (the
    reached variant rates no target action in the usually-not-appropriate role) and
    ``asks_first`` (a case that stops with need_info asks first for one of the target facts).
    """

    id: str
    text: str
    given: Condition
    expect: str
    targets: tuple[str, ...]
    sources: tuple[str, ...] = ()
    loc: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Acknowledgement:
    """A finding of ``vcfgraph check`` the author marks intended (``acknowledged:``): its code,
    its subject (the node, answer or fact it is about) and why. Reports still show the finding,
    marked acknowledged with the reason; an error cannot be acknowledged."""

    code: str
    subject: str
    reason: str
    loc: Location | None = field(default=None, compare=False)


PROPERTY_EXPECTATIONS = ("reaches", "never_reaches", "recommends", "never_recommends", "sets_apart",
                         "never_discourages", "asks_first")
#: the expectations whose targets are actions (``asks_first`` names facts, the rest nodes)
ACTION_EXPECTATIONS = ("recommends", "never_recommends", "sets_apart", "never_discourages")


@dataclass(frozen=True)
class Definition:
    """A named condition of the ``definitions:`` section, used as ``{use: name}``."""

    name: str
    condition: Condition
    loc: Location | None = field(default=None, compare=False)


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
    #: source attributes of a decision support intervention: release date, developer, funding source
    released: str = ""
    developer: str = ""
    funding: str = ""


def rating_edge_id(variant: str, action: str, rule: str | None = None) -> str:
    """The id of the edge from a variant to an action it rates: ``V->a``, or ``V/rule->a`` for a
    rating one of its rules adds (an action two rules rate has one edge per rule)."""
    return f"{variant}/{rule}->{action}" if rule else f"{variant}->{action}"


@dataclass(frozen=True)
class Pathway:
    """A whole pathway, indexed for lookup. Build it with :func:`vcfgraph.io.load.load_pathway`
    or directly in memory (tests do)."""

    meta: Meta
    facts: tuple[Fact, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    checks: tuple[Check, ...] = ()
    properties: tuple[Property, ...] = ()
    sources: tuple[Source, ...] = ()
    path: str = ""
    definitions: tuple[Definition, ...] = ()
    scale: RatingScale = ACR_SCALE
    acknowledged: tuple[Acknowledgement, ...] = ()
    _facts: dict[str, Fact] = field(default_factory=dict, init=False, repr=False, compare=False)
    _nodes: dict[str, Node] = field(default_factory=dict, init=False, repr=False, compare=False)
    _out: dict[str, tuple[Edge, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _edges: dict[str, Edge] = field(default_factory=dict, init=False, repr=False, compare=False)
    #: question id -> the facts its answers read (filled on first use by :meth:`reads`)
    _reads: dict[str, tuple[str, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._facts.update((f.name, f) for f in self.facts)
        self._nodes.update((n.id, n) for n in self.nodes)
        out: dict[str, list[Edge]] = {}
        for edge in self.edges:
            out.setdefault(edge.source, []).append(edge)
            self._edges.setdefault(edge.id, edge)
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

    def edge(self, edge_id: str) -> Edge:
        """The answer with this id (the first, should a pathway built in memory repeat one);
        KeyError when there is none."""
        return self._edges[edge_id]

    def has_edge(self, edge_id: str) -> bool:
        return edge_id in self._edges

    def reads(self, node_id: str) -> tuple[str, ...]:
        """The facts a question's answers read, in reading order, without repeats (remembered)."""
        names = self._reads.get(node_id)
        if names is None:
            found: dict[str, None] = {}
            for edge in self.out_edges(node_id):
                if edge.condition is not None:
                    found.update(dict.fromkeys(facts_read(edge.condition)))
            names = self._reads[node_id] = tuple(found)
        return names

    def out_edges(self, node_id: str) -> tuple[Edge, ...]:
        """The answers of a question, in file order."""
        return self._out.get(node_id, ())

    def of_kind(self, kind: str) -> tuple[Node, ...]:
        """Every node of one kind, in file order."""
        return tuple(n for n in self.nodes if n.kind == kind)

    def checks_for(self, variant: str, action: str) -> tuple[Check, ...]:
        """The checks on ``action`` as rated by ``variant``, in file order."""
        return tuple(c for c in self.checks if c.applies(variant, action))

    def source(self, key: str) -> Source | None:
        return next((s for s in self.sources if s.key == key), None)

    def rating_edges(self) -> Iterator[tuple[str, Node, Rating]]:
        """(edge id, variant, rating) for every rating, a rule's included; the id is
        ``variant->action``, or ``variant/rule->action`` for a rating a rule adds."""
        for node in self.nodes:
            for rule, rating in node.all_ratings():
                yield rating_edge_id(node.id, rating.action, rule.id if rule else None), node, rating

    def rule_reads(self, node_id: str) -> tuple[str, ...]:
        """The facts a variant's rules read, in reading order, without repeats."""
        found: dict[str, None] = {}
        for rule in self.node(node_id).rules:
            found.update(dict.fromkeys(facts_read(rule.when)))
        return tuple(found)

    def collects(self) -> bool:
        """Whether any variant has rules that fire together."""
        return any(n.rules for n in self.nodes)

    def rates_imaging(self) -> bool:
        """Whether any action is imaging: a pathway without imaging says nothing of radiation."""
        return any(n.modality == "imaging" for n in self.nodes)

    def gives_scores(self) -> bool:
        """Whether any rating has a score: a scale without scores shows no score column."""
        return any(r.score is not None for n in self.nodes for _, r in n.all_ratings())

    # Conveniences for library and notebook users; each hands over to the module that does the work.

    def trace(self, facts: Mapping[str, Any], *, case_id: str = "case") -> Any:
        """Walk a patient, given as a plain mapping of facts, through this pathway.

        Args:
            facts: fact name -> value (a fact left out is not known).
            case_id: the id the route names.

        Returns:
            The :class:`~vcfgraph.route.Route`.

        Raises:
            CaseError: a fact is unknown or its value is outside its domain (as on the command line).
            RouteError: the pathway cannot decide the case.
        """
        from vcfgraph.engine import trace  # facade

        return trace(self, Case(case_id, dict(facts)))

    def to_networkx(self) -> Any:
        """This pathway as a ``networkx.MultiDiGraph`` (see :func:`vcfgraph.export.networkx.to_networkx`)."""
        from vcfgraph.export.networkx import to_networkx  # facade

        return to_networkx(self)

    def _repr_svg_(self) -> str | None:
        """The diagram, for notebooks; None when Graphviz ``dot`` is missing (the HTML says so)."""
        from vcfgraph.errors import UsageError
        from vcfgraph.render.api import pathway_svg  # facade

        try:
            return pathway_svg(self)
        except UsageError:
            return None

    def _repr_html_(self) -> str:
        """Title, version, size and diagram, for notebooks."""
        from vcfgraph.render.notebook import pathway_html  # facade

        return pathway_html(self)


@dataclass(frozen=True)
class Expected:
    """What a case file says the route must give.

    The three rating lists hold the actions of the favoured, neutral and disfavoured category
    (whatever the scale calls them). A list is checked as a subset of the route's (each listed
    item must be there), or, with ``exactly``, as the whole list: then every list named in
    ``given`` must equal the route's, and an empty one means "none". Fields not written are not
    checked.
    """

    outcome: str | None = None
    terminal: str | None = None
    missing: tuple[str, ...] = ()
    usually_appropriate: tuple[str, ...] = ()
    may_be_appropriate: tuple[str, ...] = ()
    usually_not_appropriate: tuple[str, ...] = ()
    contraindicated: tuple[str, ...] = ()
    cautions: tuple[str, ...] = ()
    #: the reached variant's rules that fire (hold) for the case
    rules: tuple[str, ...] = ()
    exactly: bool = False
    #: the list fields the case file wrote (an empty list written under ``exactly`` means none)
    given: tuple[str, ...] = ()


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
