"""Practice audit: was the action actually taken in each row appropriate for that row's route?

Each row names the action taken (an action id of the pathway, or one of its aliases). Against
the row's own result it is classified as one of :data:`CLASSES`:

========================== ===================================================================
usually_appropriate        the reached variant rates it usually appropriate
may_be_appropriate         ... may be appropriate
usually_not_appropriate    ... usually not appropriate
contraindicated            the variant rates it, but a contraindication of the patient rules it out
not_rated                  the variant does not rate it, or the route ended at a hand-off
undetermined               the route stopped with need_info: the facts do not settle the variant
invalid                    the row's facts are invalid, the pathway could not route it, or the
                           action is not one of the pathway's (or is an alias of several)
not_recorded               the row names no action
========================== ===================================================================

Per group (each variant, each hand-off, ``need_info``, ``invalid``) :func:`audit_rows` counts the
classes; :func:`rates` gives the share of usually-not-appropriate and contraindicated care among
the rows whose action was recorded and known. At a variant with rules that fire together,
:func:`count_rule_taken` also credits each audited action to the rule that rated it for the row.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vcfgraph.batch.arrays import as_text, strings
from vcfgraph.batch.columns import primitive
from vcfgraph.batch.results import Registry, RowResult
from vcfgraph.errors import did_you_mean
from vcfgraph.model import Pathway
from vcfgraph.scale import OFFERED_SLOTS, SLOT_LISTS

__all__ = ["CLASSES", "Auditor", "group_of", "rates", "INAPPROPRIATE", "count_rule_taken"]

#: the route's lists (usually_appropriate, may_be_appropriate, usually_not_appropriate) and contraindicated
_LISTED = (*SLOT_LISTS.values(), "contraindicated")
CLASSES = (
    *_LISTED,
    "not_rated",
    "undetermined",
    "invalid",
    "not_recorded",
)
#: the classes counted as inappropriate care
INAPPROPRIATE = (*(name for slot, name in SLOT_LISTS.items() if slot not in OFFERED_SLOTS), "contraindicated")
_CLASS = {name: i for i, name in enumerate(CLASSES)}
_RATED = CLASSES[:4]  # usually / may be / usually not appropriate, contraindicated
_NOT_RECORDED, _UNKNOWN, _AMBIGUOUS = -1, -2, -3


def group_of(result: RowResult) -> str:
    """The audit group of a result: its terminal, or its outcome when it has none."""
    return result.terminal or result.outcome


def _classify(result: RowResult, action: str) -> str:
    if result.failed:
        return "invalid"
    if result.outcome == "need_info":
        return "undetermined"
    for name in _LISTED:
        if action in getattr(result, name):
            return name
    return "not_rated"


class Auditor:
    """Classifies the action column of chunks against their results."""

    def __init__(self, pathway: Pathway, column: str) -> None:
        self.column = column
        self.actions = [n.id for n in pathway.of_kind("action")]
        self._meanings: dict[str, set[int]] = {}
        for i, node in enumerate(pathway.of_kind("action")):
            for name in (node.id, *node.aliases):
                self._meanings.setdefault(name, set()).add(i)
                self._meanings.setdefault(name.lower(), set()).add(i)
        for i, action in enumerate(self.actions):  # an id always means its own action
            self._meanings[action] = {i}
        self._table = np.zeros((0, len(self.actions) + 3), dtype=np.int8)
        #: the action index of every row of the last chunk classified
        self.last_actions = np.zeros(0, dtype=np.int64)

    def action_index(self, value: Any) -> int:
        """The index of an action named in a row (by id or alias, exactly or ignoring case);
        -1 when none is named, -2 when the name is unknown, -3 when it is an alias of several."""
        if value is None:
            return _NOT_RECORDED
        word = str(value).strip()
        if not word:
            return _NOT_RECORDED
        meanings = self._meanings.get(word) or self._meanings.get(word.lower())
        if not meanings:
            return _UNKNOWN
        return next(iter(meanings)) if len(meanings) == 1 else _AMBIGUOUS

    def problem(self, value: Any) -> str:
        """The error of a row naming an unknown action, or an alias shared by several actions."""
        word = str(value).strip()
        meanings = self._meanings.get(word) or self._meanings.get(word.lower())
        if meanings:
            names = ", ".join(sorted(self.actions[i] for i in meanings))
            return f"action '{word}' in column '{self.column}' is ambiguous: it may be {names}; name the action id"
        return (f"unknown action '{word}' in column '{self.column}'{did_you_mean(word, self.actions)}; "
                f"name an action id of the pathway or one of its aliases")

    def _lookup(self, registry: Registry) -> np.ndarray:
        """Class per (result id, action index), with the last three columns for "not recorded",
        "unknown action" and "ambiguous alias"."""
        have = self._table.shape[0]
        if have < len(registry):
            extra = np.zeros((len(registry) - have, len(self.actions) + 3), dtype=np.int8)
            for r, result in enumerate(registry.items[have:]):
                for a, action in enumerate(self.actions):
                    extra[r, a] = _CLASS[_classify(result, action)]
                extra[r, _NOT_RECORDED] = _CLASS["invalid" if result.failed else "not_recorded"]
                extra[r, _UNKNOWN] = extra[r, _AMBIGUOUS] = _CLASS["invalid"]
            self._table = np.concatenate([self._table, extra])
        return self._table

    def classify(self, column: Any, ids: np.ndarray, registry: Registry) -> tuple[np.ndarray, pa.Array, dict[int, str]]:
        """Classify one chunk.

        Args:
            column: the chunk's action column (Arrow array or list of values).
            ids: the result id of every row.
            registry: where the ids point.

        Returns:
            The class index of every row (into :data:`CLASSES`), the action column as text for
            the output, and row -> error for rows naming an unknown action or an ambiguous alias.
        """
        values = column if isinstance(column, list) else column.to_pylist() if not _is_text(column) else None
        if values is None:
            encoded = pc.dictionary_encode(column) if not pa.types.is_dictionary(column.type) else column
            words = encoded.dictionary.to_pylist()
            lut = np.array([self.action_index(w) for w in words] + [_NOT_RECORDED], dtype=np.int64)
            indices, valid = primitive(encoded.indices)  # (pc.fill_null would import pandas)
            action = lut[indices if valid is None else np.where(valid, indices, -1)]
            text = pc.cast(encoded, pa.string())
        else:
            action = np.array([self.action_index(v) for v in values], dtype=np.int64).reshape(-1)
            text = strings([as_text(v) for v in values])
        classes = self._lookup(registry)[ids, action]
        self.last_actions = action
        errors = {}
        for row in np.flatnonzero(action <= _UNKNOWN):
            errors[int(row)] = self.problem(text[int(row)].as_py())
        return classes, text, errors


def _is_text(column: Any) -> bool:
    kind = column.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def rates(counts: Mapping[str, int]) -> dict[str, float | None]:
    """Shares of usually-not-appropriate and contraindicated care among the *rated* rows of a group
    (the reached variant rates the action taken; None when there are none). Rows whose action the
    variant does not rate, hand-offs among them, are counted apart and never dilute a rate, as in
    :mod:`vcfgraph.batch.stats`."""
    recorded = sum(counts.get(c, 0) for c in _RATED)
    if not recorded:
        return {"usually_not_appropriate": None, "contraindicated": None, "inappropriate": None}
    una = counts.get("usually_not_appropriate", 0)
    ci = counts.get("contraindicated", 0)
    return {"usually_not_appropriate": una / recorded, "contraindicated": ci / recorded,
            "inappropriate": (una + ci) / recorded}


def count_classes(classes: np.ndarray, ids: np.ndarray, registry: Registry) -> Counter[tuple[str, str]]:
    """(group, class) -> rows, for one chunk."""
    width = len(CLASSES)
    flat = np.bincount(ids.astype(np.int64) * width + classes, minlength=len(registry) * width)
    out: Counter[tuple[str, str]] = Counter()
    for k in np.flatnonzero(flat):
        result = registry.items[int(k) // width]
        out[(group_of(result), CLASSES[int(k) % width])] += int(flat[k])
    return out


def count_taken(classes: np.ndarray, actions: np.ndarray, ids: np.ndarray, registry: Registry,
                names: list[str]) -> Counter[tuple[str, str, str]]:
    """(group, action, class) -> rows, for the rows of one chunk that name a known action."""
    known = actions >= 0
    width, kinds = len(names), len(CLASSES)
    key = (ids[known].astype(np.int64) * width + actions[known]) * kinds + classes[known]
    flat = np.bincount(key, minlength=0)
    out: Counter[tuple[str, str, str]] = Counter()
    for k in np.flatnonzero(flat):
        rest, cls = divmod(int(k), kinds)
        result_id, action = divmod(rest, width)
        out[(group_of(registry.items[result_id]), names[action], CLASSES[cls])] += int(flat[k])
    return out


def count_rule_taken(classes: np.ndarray, actions: np.ndarray, ids: np.ndarray, registry: Registry,
                     names: list[str], pathway: Pathway) -> Counter[tuple[str, str, str, str]]:
    """(variant, rule, action, class) -> rows, for the rows of one chunk whose known action a rule
    that fired for the row rates (the variant's own ratings are left to :func:`count_taken`)."""
    known = actions >= 0
    width, kinds = len(names), len(CLASSES)
    key = (ids[known].astype(np.int64) * width + actions[known]) * kinds + classes[known]
    flat = np.bincount(key, minlength=0)
    out: Counter[tuple[str, str, str, str]] = Counter()
    for k in np.flatnonzero(flat):
        rest, cls = divmod(int(k), kinds)
        result_id, action = divmod(rest, width)
        result = registry.items[result_id]
        if not result.rules or result.terminal is None:
            continue
        node = pathway.node(result.terminal)
        rule = next((r.id for r in node.rules if r.id in result.rules
                     and any(g.action == names[action] for g in r.ratings)), None)
        if rule is not None:
            out[(result.terminal, rule, names[action], CLASSES[cls])] += int(flat[k])
    return out
