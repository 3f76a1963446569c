"""What a batch says about one row, and the registry that numbers the distinct answers.

Millions of rows share a few hundred distinct results (an outcome, a terminal, the missing facts
and the recommendation lists), so rows carry a small integer into a :class:`Registry` and the
output columns are built by one ``take`` from the registry's table.
"""

from __future__ import annotations

from dataclasses import dataclass

from vcfgraph.model import Node
from vcfgraph.route import Route
from vcfgraph.scale import OFFERED_SLOTS, SLOT_LISTS, SLOT_ORDER

__all__ = [
    "LIST_FIELDS",
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
    return RowResult(
        route.outcome,
        route.terminal,
        route.missing_facts,
        contraindicated=tuple(c.action for c in route.contraindicated),
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
