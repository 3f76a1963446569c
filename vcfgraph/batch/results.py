"""What a batch says about one row, and the registry that numbers the distinct answers.

Millions of rows share a few hundred distinct results (an outcome, a terminal, the missing facts
and the recommendation lists), so rows carry a small integer into a :class:`Registry` and the
output columns are built by one ``take`` from the registry's table.

A pathway whose variants have rules that fire together gets a ``rules`` column (the rules that
fired for a variant row), and one with rating modifiers ``favoured`` and ``disfavoured`` columns
(the rated actions whose favouring or disfavouring modifier holds for the row):
:func:`result_fields` names a pathway's columns, so the output of every other pathway keeps its
columns byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass

from vcfgraph.model import MODIFIER_DIRECTIONS, Node, Pathway
from vcfgraph.route import Route
from vcfgraph.scale import OFFERED_SLOTS, SLOT_LISTS, SLOT_ORDER

__all__ = [
    "LIST_FIELDS",
    "RULE_FIELDS",
    "MODIFIER_FIELDS",
    "result_fields",
    "RowResult",
    "INVALID",
    "ROUTE_ERROR",
    "INVALID_ID",
    "ROUTE_ERROR_ID",
    "Registry",
    "result_from_route",
    "variant_result",
]

#: the list-valued fields of a result, in output order
LIST_FIELDS = ("missing", *SLOT_LISTS.values(), "contraindicated")
#: the list field of a pathway with rules that fire together: the rules that fired
RULE_FIELDS = ("rules",)
#: the list fields of a pathway with rating modifiers: the actions a holding modifier favours, disfavours
MODIFIER_FIELDS = MODIFIER_DIRECTIONS


def result_fields(pathway: Pathway) -> tuple[str, ...]:
    """The list fields of ``pathway``'s results, in output order: :data:`LIST_FIELDS`, then
    :data:`RULE_FIELDS` when a variant has rules, then :data:`MODIFIER_FIELDS` when a rating has
    modifiers."""
    rules = RULE_FIELDS if pathway.collects() else ()
    modifiers = MODIFIER_FIELDS if any(r.modifiers for n in pathway.nodes for _, r in n.all_ratings()) else ()
    return LIST_FIELDS + rules + modifiers


@dataclass(frozen=True)
class RowResult:
    """The outcome of one row: ``variant``, ``handoff``, ``need_info``, ``invalid`` (the row's
    facts are unusable) or ``route_error`` (the pathway could not decide it)."""

    outcome: str
    terminal: str | None = None
    missing: tuple[str, ...] = ()
    usually_appropriate: tuple[str, ...] = ()
    may_be_appropriate: tuple[str, ...] = ()
    usually_not_appropriate: tuple[str, ...] = ()
    contraindicated: tuple[str, ...] = ()
    #: the rules of the variant that fired (variant rows of a pathway with rules)
    rules: tuple[str, ...] = ()
    #: rated actions whose favouring (disfavouring) modifier holds for the row
    favoured: tuple[str, ...] = ()
    disfavoured: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        """True for rows that have no route (invalid facts or a route error)."""
        return self.outcome in ("invalid", "route_error")


INVALID = RowResult("invalid")
ROUTE_ERROR = RowResult("route_error")
INVALID_ID = 0
ROUTE_ERROR_ID = 1


def result_from_route(route: Route) -> RowResult:
    """The batch result of a route traced by :func:`vcfgraph.engine.trace`."""
    recs = route.recommendations()

    def leaning(direction: str) -> tuple[str, ...]:
        return tuple(r.action for r in route.ratings
                     if any(m.direction == direction and m.state == "holds" for m in r.modifiers))

    return RowResult(
        route.outcome,
        route.terminal,
        route.missing_facts,
        contraindicated=tuple(c.action for c in route.contraindicated),
        rules=route.fired() if route.outcome == "variant" else (),
        favoured=leaning("favoured"),
        disfavoured=leaning("disfavoured"),
        **recs,
    )


def variant_result(node: Node, blocked: frozenset[str]) -> RowResult:
    """The result of reaching variant ``node`` when the actions in ``blocked`` are set apart
    by a failed check; the lists are ordered as :func:`vcfgraph.engine.trace` orders them."""
    ratings = sorted(node.ratings, key=lambda r: SLOT_ORDER[r.slot])
    blocked = frozenset(r.action for r in ratings if r.action in blocked and r.slot in OFFERED_SLOTS)
    rated = [r for r in ratings if r.action not in blocked]

    def of(category: str) -> tuple[str, ...]:
        return tuple(r.action for r in rated if r.slot == category)

    contraindicated = tuple(r.action for r in ratings if r.action in blocked)
    lists = {name: of(slot) for slot, name in SLOT_LISTS.items()}
    return RowResult("variant", node.id, (), contraindicated=contraindicated, **lists)


class Registry:
    """Numbers distinct results; ids 0 and 1 are always ``invalid`` and ``route_error``."""

    def __init__(self) -> None:
        self.items: list[RowResult] = [INVALID, ROUTE_ERROR]
        self._ids: dict[RowResult, int] = {INVALID: INVALID_ID, ROUTE_ERROR: ROUTE_ERROR_ID}

    def id(self, result: RowResult) -> int:
        """The id of ``result``, numbering it when it is new."""
        found = self._ids.get(result)
        if found is None:
            found = self._ids[result] = len(self.items)
            self.items.append(result)
        return found

    def __len__(self) -> int:
        return len(self.items)
