"""What the engine makes of one case: the route, its steps, ratings and patient-level checks.

Plain frozen dataclasses, no I/O. :func:`vcfgraph.engine.trace` builds a :class:`Route`;
reports, renderers, the batch engine and the author tools read it. Nothing here evaluates a
condition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from vcfgraph.conditions import Value
from vcfgraph.model import Downstream, Pathway, rating_edge_id
from vcfgraph.scale import SLOT_LISTS

__all__ = [
    "BranchCheck",
    "Step",
    "ModifierResult",
    "RuleResult",
    "RatedAction",
    "Contraindicated",
    "Caution",
    "CheckResult",
    "NeededFact",
    "Route",
]


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
    note: str = ""
    confidence: str = ""
    sources: tuple[str, ...] = ()

    @property
    def not_taken(self) -> tuple[BranchCheck, ...]:
        return tuple(b for b in self.branches if b.edge != self.edge)


@dataclass(frozen=True)
class ModifierResult:
    """One modifier of a rating, for one case.

    ``state`` is ``holds``, ``does_not_hold`` or ``undecided`` (a fact it reads is not known:
    ``facts`` names them; an unknown never makes a modifier hold). For a decided modifier
    ``facts`` are the ones that decided it. ``explanation`` is the sentence every output shows
    (:func:`vcfgraph.engine.modifier_results` writes it from the condition); ``reason`` is the
    author's text.
    """

    direction: str
    state: str
    explanation: str
    reason: str
    facts: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleResult:
    """One of the reached variant's rules that fire together, for one case.

    ``state`` is ``holds`` (its ratings are in the route), ``does_not_hold`` or ``undecided`` (the
    route then stops with need_info; ``facts`` names the unknown ones). For a decided rule
    ``facts`` are the ones that decided it. ``explanation`` is written from the condition.
    """

    rule: str
    label: str
    state: str
    explanation: str
    facts: tuple[str, ...] = ()
    confidence: str = ""
    sources: tuple[str, ...] = ()

    @property
    def holds(self) -> bool:
        return self.state == "holds"


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
    #: the ACR id of the category's role (UA, MBA, UNA) when the pathway has its own scale
    role_slot: str = ""
    #: the rating's modifiers as evaluated for this case, in file order
    modifiers: tuple[ModifierResult, ...] = ()
    #: the variant's rule that added this rating; empty for the variant's own rating
    rule: str = ""

    @property
    def slot(self) -> str:
        """UA, MBA or UNA: the role of the category, which the route's lists use."""
        return self.role_slot or self.category


@dataclass(frozen=True)
class Contraindicated:
    """A rated action that is set apart for this patient, and why.

    ``check`` is the id of the patient-level check that failed; ``facts`` are the facts that
    decided it.
    """

    action: str
    label: str
    category: str
    reason: str
    confidence: str = ""
    sources: tuple[str, ...] = ()
    check: str = ""
    facts: tuple[str, ...] = ()
    #: the variant's rule that added this rating; empty for the variant's own rating
    rule: str = ""


@dataclass(frozen=True)
class Caution:
    """A rated action that keeps its category but carries a caution for this patient.

    ``state`` is ``not_established`` (a fact the check reads is not known: ``facts`` names them)
    or ``failed`` (a check whose failure only cautions: ``facts`` are the deciding ones).
    """

    action: str
    label: str
    check: str
    reason: str
    facts: tuple[str, ...]
    state: str
    confidence: str = "confirmed"
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckResult:
    """One patient-level check on one rated action, for one case."""

    check: str
    action: str
    state: str  # satisfied | not_established | failed
    facts: tuple[str, ...] = ()


@dataclass(frozen=True)
class NeededFact:
    """A fact the walk needs and the case does not give."""

    fact: str
    question: str
    help: str
    allowed: str
    source: str = ""


@dataclass(frozen=True)
class Route:
    """The result of walking one case through a pathway.

    ``pathway`` is the pathway it was traced on (set by :func:`vcfgraph.engine.trace`; it takes
    no part in comparisons): :meth:`to_dict` and the notebook pictures read its labels.
    """

    case: str
    outcome: str
    terminal: str | None
    steps: tuple[Step, ...]
    missing: tuple[NeededFact, ...] = ()
    possible: tuple[str, ...] = ()
    ratings: tuple[RatedAction, ...] = ()
    contraindicated: tuple[Contraindicated, ...] = ()
    downstream: tuple[Downstream, ...] = ()
    cautions: tuple[Caution, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    pathway: Pathway | None = field(default=None, compare=False, repr=False)
    facts: Mapping[str, Value] | None = field(default=None, compare=False, repr=False)
    #: facts with an ``unknown:`` policy, not recorded, that an answer taken or a check relied on
    assumed: tuple[str, ...] = ()
    #: the reached variant's rules that fire together, each with its state, in file order (also
    #: when the route stops with need_info because one of them is undecided)
    rules: tuple[RuleResult, ...] = ()

    def fired(self) -> tuple[str, ...]:
        """The ids of the rules that hold: the contributions the route's ratings came from."""
        return tuple(r.rule for r in self.rules if r.holds)

    @property
    def missing_facts(self) -> tuple[str, ...]:
        return tuple(m.fact for m in self.missing)

    def actions(self, category: str) -> tuple[str, ...]:
        """Action ids of one category (UA, MBA, UNA), set-apart ones left out."""
        return tuple(r.action for r in self.ratings if r.slot == category)

    def recommendations(self) -> dict[str, tuple[str, ...]]:
        """{usually_appropriate: [...], may_be_appropriate: [...], usually_not_appropriate: [...]}"""
        return {name: self.actions(slot) for slot, name in SLOT_LISTS.items()}

    def red_flags(self) -> tuple[str, ...]:
        """The red-flag facts (``red_flag: true``) recorded as present for this case, in the
        pathway's fact order; empty when the route does not know its pathway."""
        if self.pathway is None or self.facts is None:
            return ()
        return tuple(f.name for f in self.pathway.facts if f.red_flag and self.facts.get(f.name) is True)

    def cautions_of(self, action: str) -> tuple[Caution, ...]:
        """The cautions this route attaches to ``action``."""
        return tuple(c for c in self.cautions if c.action == action)

    def radiation(self) -> tuple[tuple[str, str], ...]:
        """(action, relative radiation level) of every usually-appropriate imaging action."""
        return tuple(
            (r.action, r.radiation) for r in self.ratings if r.slot == "UA" and r.modality == "imaging"
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
        """Ids (``variant->action``, ``variant/rule->action``) of the ratings shown for the
        reached variant."""
        if self.outcome != "variant" or not self.terminal:
            return ()
        terminal = self.terminal
        shown = [(r.action, r.rule) for r in self.ratings] + [(c.action, c.rule) for c in self.contraindicated]
        return tuple(rating_edge_id(terminal, a, rule or None) for a, rule in shown)

    def _pathway(self) -> Pathway:
        if self.pathway is None:
            raise ValueError(f"route of case '{self.case}' does not know its pathway: "
                             "make it with vcfgraph.trace(pathway, case)")
        return self.pathway

    def to_dict(self, problems: list[str] | None = None, imaging: Any = None) -> dict[str, Any]:
        """The route as plain data: exactly what ``vcfgraph trace --json`` prints for it
        (:func:`vcfgraph.report.route_to_dict`).

        Args:
            problems: differences from the case's expectations
                (:func:`vcfgraph.engine.check_expected`), to include as ``expected``.
            imaging: the pathway's imaging companion, when it has one (``imaging`` in the output).

        Raises:
            ValueError: the route was not made by :func:`vcfgraph.engine.trace`.
        """
        from vcfgraph.report import route_to_dict  # notebook convenience: report formats routes

        return route_to_dict(self, self._pathway(), problems, imaging)

    def _repr_svg_(self) -> str | None:
        """The pathway with this route highlighted, for notebooks; None when ``dot`` is missing
        (:meth:`_repr_html_` then says so)."""
        from vcfgraph.render.api import pathway_svg  # facade: drawing needs the renderer
        from vcfgraph.errors import UsageError

        try:
            return pathway_svg(self._pathway(), self)
        except UsageError:
            return None

    def _repr_html_(self) -> str:
        """The route's outcome and its picture (or why there is none), for notebooks."""
        from vcfgraph.render.notebook import route_html  # facade

        return route_html(self._pathway(), self)
