"""The ``rating_scale:`` section of a pathway file: categories, roles, score bands, radiation.

::

    rating_scale:
      name: Ottawa ankle and foot rules
      categories:
        - {id: xray, name: Radiographs indicated, role: favoured}
        - {id: no_xray, name: Radiographs not needed, role: disfavoured}
      score: {min: 1, max: 9}          # optional; then each category may have a band
      radiation: ["O", "☢"]            # optional: the relative radiation levels

Without the section a pathway uses :data:`~vcfgraph.scale.ACR_SCALE`. Problems are reported
with their place, like the rest of the file (:mod:`vcfgraph.io.pathway` calls :func:`read_scale`).
"""

from __future__ import annotations

from typing import Any, Mapping

from vcfgraph.conditions import format_value
from vcfgraph.io.located import Reader
from vcfgraph.scale import ACR_SCALE, ROLES, Category, RatingScale
from vcfgraph.io.spec import SECTIONS

__all__ = ["read_scale"]


def read_scale(r: Reader, root: Mapping[str, Any]) -> RatingScale:
    """The pathway's rating scale (the ACR one when ``rating_scale`` is not given)."""
    if root.get("rating_scale") is None:
        return ACR_SCALE
    what = "'rating_scale'"
    m = r.mapping(root["rating_scale"], r.at(root, "rating_scale"), what, required=SECTIONS["rating_scale"].required,
                  optional=SECTIONS["rating_scale"].optional)
    if m is None:
        return ACR_SCALE
    low = high = None
    if m.get("score") is not None:
        s = r.mapping(m["score"], r.at(m, "score"), f"'score' of {what}", required=SECTIONS["score_range"].required) or {}
        low, high = r.integer(s, "min", f"'score' of {what}"), r.integer(s, "max", f"'score' of {what}")
        if low is not None and high is not None and low > high:
            r.report(r.at(s, "min"), f"'score' of {what} has min {low} above max {high}")
    levels = r.texts(m, "radiation", what)
    categories = _categories(r, m, what, low, high)
    return RatingScale(r.text(m, "name", what), categories, low, high, levels) if categories else ACR_SCALE


def _categories(r: Reader, m: Mapping[str, Any], what: str, low: int | None, high: int | None) -> tuple[Category, ...]:
    items = r.sequence(m.get("categories"), r.at(m, "categories"), f"'categories' of {what}")
    out: list[Category] = []
    for i, item in enumerate(items):
        sub = f"category {i + 1} of {what}"
        c = r.mapping(item, r.at(items, i), sub, required=SECTIONS["category"].required,
                      optional=SECTIONS["category"].optional)
        if c is None:
            continue
        cid, role = r.identifier(c, "id", sub), r.choice(c, "role", sub, ROLES)
        band = _band(r, c, sub, low, high)
        if cid and any(x.id == cid for x in out):
            r.report(r.at(c, "id"), f"category id '{cid}' is declared twice in {what}")
        elif role and any(x.role == role for x in out):
            r.report(r.at(c, "role"), f"{sub}: role '{role}' already has a category; a scale has at most one "
                                      f"category per role ({', '.join(ROLES)})")
        elif cid and role:
            out.append(Category(cid, r.text(c, "name", sub), role, band))
    if items and not out and not r.problems:
        r.report(r.at(m, "categories"), f"{what} needs at least one category")
    return tuple(out)


def _band(r: Reader, c: Mapping[str, Any], sub: str, low: int | None, high: int | None) -> tuple[int, int] | None:
    if "band" not in c:
        return None
    raw = c["band"]
    ok = (isinstance(raw, list) and len(raw) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in raw)
          and raw[0] <= raw[1])
    if ok and (low is None or high is None):
        r.report(r.at(c, "band"), f"{sub} has a band, but the scale declares no 'score' range")
        return None
    if not ok or not (low <= raw[0] and raw[1] <= high):
        r.report(r.at(c, "band"), f"'band' of {sub} must be [low, high] within the score range {low}-{high}, got {format_value(raw)}")
        return None
    return (raw[0], raw[1])

