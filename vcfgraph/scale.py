"""Rating scales: the categories a pathway rates actions with, and the relative radiation scale.

A scale names each category (an id, a name, optional score band) and gives it a **role**:
``favoured`` (offered first), ``neutral`` (offered, a judgement call) or ``disfavoured`` (not
offered). The engine, the checker, coverage and batch work with roles, so a pathway can use its
own words; the ACR Appropriateness Criteria's UA / MBA / UNA on a 1-9 score is the default
(:data:`ACR_SCALE`). A scale has at most one category per role, so a route still lists its
actions in three lists (the ``usually_appropriate`` / ``may_be_appropriate`` /
``usually_not_appropriate`` lists of case files and outputs hold the favoured / neutral /
disfavoured actions).

This module is the one home of that vocabulary: the roles and their order, the slots (the ACR
ids of the roles) and their order, which roles count as offered, the name of each role's list,
and the ACR categories' names. Everything else derives its lists from here.

This module is plain data: :mod:`vcfgraph.io.scale` reads a ``rating_scale:`` section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "ROLES",
    "ROLE_SLOT",
    "OFFERED_ROLES",
    "ROLE_LIST",
    "SLOTS",
    "SLOT_ORDER",
    "OFFERED_SLOTS",
    "SLOT_LISTS",
    "RADIATION_WORDS",
    "Category",
    "RatingScale",
    "ACR_SCALE",
]

#: the roles, in the order reports list them
ROLES = ("favoured", "neutral", "disfavoured")
#: role -> the category id the ACR scale gives it (the slot the route lists use)
ROLE_SLOT = {"favoured": "UA", "neutral": "MBA", "disfavoured": "UNA"}
#: the roles whose actions a case may be offered: a failed check sets these apart, and cautions
#: are shown on these only (a disfavoured action keeps its list)
OFFERED_ROLES = ("favoured", "neutral")
#: role -> the list that holds its actions in routes, case files and outputs
ROLE_LIST = {"favoured": "usually_appropriate", "neutral": "may_be_appropriate",
             "disfavoured": "usually_not_appropriate"}
#: the slots (UA, MBA, UNA), in the order reports list them, and each slot's place in that order
SLOTS = tuple(ROLE_SLOT[role] for role in ROLES)
SLOT_ORDER = {slot: i for i, slot in enumerate(SLOTS)}
#: the slots of the offered roles (UA, MBA)
OFFERED_SLOTS = tuple(ROLE_SLOT[role] for role in OFFERED_ROLES)
#: slot -> the name of its list (UA -> usually_appropriate ...), in slot order
SLOT_LISTS = {ROLE_SLOT[role]: ROLE_LIST[role] for role in ROLES}
#: radiation entries that are not a level and every scale accepts
RADIATION_WORDS = ("not applicable", "not found")


@dataclass(frozen=True)
class Category:
    """One rating category: its id (as written in ratings), name, role and score band."""

    id: str
    name: str
    role: str
    band: tuple[int, int] | None = None

    @property
    def slot(self) -> str:
        """The ACR id of its role (UA, MBA, UNA): how routes and case files list it."""
        return ROLE_SLOT[self.role]

    @property
    def offered(self) -> bool:
        """True for favoured and neutral categories (an action a case may be offered)."""
        return self.role in OFFERED_ROLES


@dataclass(frozen=True)
class RatingScale:
    """The categories of a pathway, in the order reports list them, and its radiation levels."""

    name: str
    categories: tuple[Category, ...]
    score_min: int | None = None
    score_max: int | None = None
    radiation: tuple[str, ...] = ()

    def category(self, category_id: str) -> Category | None:
        """The category with this id, or None."""
        return next((c for c in self.categories if c.id == category_id), None)

    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)

    def names(self) -> dict[str, str]:
        """Category id -> its name, in the scale's order."""
        return {c.id: c.name for c in self.categories}

    def in_role_order(self) -> tuple[Category, ...]:
        """The categories in the order of their roles (:data:`ROLES`), the order routes list
        ratings in; a scale file may declare them in any order."""
        return tuple(sorted(self.categories, key=lambda c: ROLES.index(c.role)))

    def slot(self, category_id: str) -> str:
        """The ACR id of the category's role (the id itself when it is not declared)."""
        c = self.category(category_id)
        return c.slot if c is not None else category_id

    def of_slot(self, slot: str) -> Category | None:
        """The category whose role has this ACR id (UA, MBA, UNA), or None."""
        return next((c for c in self.categories if c.slot == slot), None)

    def accepts_radiation(self, text: str) -> bool:
        """True when ``text`` is a declared level, optionally followed by a remark in
        parentheses ("☢☢☢ (complete spine ☢☢☢☢)"), or one of :data:`RADIATION_WORDS`."""
        if text in RADIATION_WORDS:
            return True
        match = re.fullmatch(r"(\S+)(?: \(.*\))?", text)
        return match is not None and match.group(1) in self.radiation

    @property
    def is_acr(self) -> bool:
        return self == ACR_SCALE

    def list_key(self, slot: str) -> str:
        """The key a case file's ``expected:`` block lists a slot's actions under: the list name
        on the ACR scale (``usually_appropriate`` ...), else the id of the slot's category."""
        c = None if self.is_acr else self.of_slot(slot)
        return c.id if c is not None else SLOT_LISTS[slot]

    def list_title(self, slot: str) -> str:
        """How messages name a slot's list: "usually appropriate" ... on the ACR scale, else the
        name of the slot's category ("CT recommended")."""
        c = None if self.is_acr else self.of_slot(slot)
        return c.name if c is not None else SLOT_LISTS[slot].replace("_", " ")


ACR_SCALE = RatingScale(
    name="ACR Appropriateness Criteria",
    categories=(
        Category("UA", "Usually appropriate", "favoured", (7, 9)),
        Category("MBA", "May be appropriate", "neutral", (4, 6)),
        Category("UNA", "Usually not appropriate", "disfavoured", (1, 3)),
    ),
    score_min=1,
    score_max=9,
    radiation=("O", "☢", "☢☢", "☢☢☢", "☢☢☢☢", "☢☢☢☢☢"),
)
