"""``diff(old, new)``: what a revision of a pathway changes, in behaviour and in structure.

Behaviour: both pathways are walked symbolically over the same classes (the facts of both, int
cut points united, see :func:`~vcfgraph.analysis.regions.merge_facts`). Each leaf is refined by
the patient-level checks that set actions apart into regions with one **result** (outcome, terminal or stopping question,
the action lists and, at a variant with rules, the rules that fire: a case for which other rules
fire is a change even when its lists stay the same). The new pathway is walked starting from the old regions, each box tagged
with the old region it came from, so every case class ends in one (old, new) pair without
intersecting every old region with every new one; wherever the results differ, the cases there
change. Changes are grouped by (before, after), each with the witness
case that has the fewest known facts and the paths it takes in both versions, and, for each
whole-number fact the witness names, the range of its values over which the change holds with the
witness's other facts as they are (:class:`FactRange`: "levels 2 to 3", "age_years 18 to 49 years").

Structure: facts, definitions, nodes, answers, rules (``variant/rule``), ratings, checks and properties added,
removed or changed, compared by id.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Iterable, Mapping, get_args

from vcfgraph import conditions as cm
from vcfgraph.analysis.properties import offered_regions
from vcfgraph.analysis.regions import Box, Domains, domains_of, merge_facts, minimal_case_facts
from vcfgraph.analysis.walk import Exploration, Leaf, explore, leaf_ratings
from vcfgraph.conditions import Value
from vcfgraph.model import Fact, Pathway
from vcfgraph.scale import OFFERED_SLOTS, SLOT_LISTS

__all__ = ["Result", "Change", "FactRange", "Structural", "DiffReport", "diff", "structural_changes", "diff_to_dict",
           "diff_text", "range_words"]

#: the key under which each box of the new walk remembers the old region it came from
_TAG = "\x00old-region"


@dataclass(frozen=True, order=True)
class Result:
    """What the engine makes of every case of a region.

    ``node`` is the terminal, or the question where the walk stops (need_info, gap, overlap,
    cycle; or a variant whose rules are undecided or rate an action twice); ``actions`` maps
    each rated action to its category, or ``contraindicated`` (set apart by a failed check);
    ``rules`` are the variant's rules that fire (for an overlap, the two that clash).
    """

    outcome: str
    node: str
    actions: tuple[tuple[str, str], ...] = ()
    rules: tuple[str, ...] = ()

    def words(self) -> str:
        where = f"{self.outcome} {self.node}" if self.outcome in ("variant", "handoff") else f"{self.outcome} at {self.node}"
        return where + (f" (rules {', '.join(self.rules)})" if self.rules else "")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"outcome": self.outcome, "node": self.node, **({"rules": list(self.rules)} if self.rules else {})}
        if self.outcome == "variant":
            for category, key in SLOT_LISTS.items():
                out[key] = [a for a, c in self.actions if c == category]
            out["contraindicated"] = [a for a, c in self.actions if c == "contraindicated"]
        return out


@dataclass(frozen=True)
class FactRange:
    """The values of one whole-number fact over which a change holds, the witness case's other
    facts kept: whole intervals of the fact (adjacent classes joined), and those in words."""

    fact: str
    intervals: tuple[tuple[int, int], ...]
    words: str

    def to_dict(self) -> dict[str, Any]:
        return {"fact": self.fact, "intervals": [list(i) for i in self.intervals], "words": self.words}


@dataclass(frozen=True)
class Change:
    """A region whose result changes, with a witness and the paths it takes before and after."""

    before: Result
    after: Result
    witness: Mapping[str, Value]
    old_path: tuple[str, ...]
    new_path: tuple[str, ...]
    boxes: int
    #: for each whole-number fact the witness names, where in its range the change holds
    ranges: tuple[FactRange, ...] = ()

    def action_changes(self) -> list[str]:
        """``action: UA -> MBA`` for every action whose category changes (same terminal only)."""
        if (self.before.outcome, self.before.node) != (self.after.outcome, self.after.node):
            return []
        old, new = dict(self.before.actions), dict(self.after.actions)
        return [f"{a}: {old.get(a, 'not rated')} -> {new.get(a, 'not rated')}"
                for a in [*old, *(a for a in new if a not in old)] if old.get(a) != new.get(a)]

    def rule_changes(self) -> list[str]:
        """At the same variant: the rules that no longer fire and those that now fire, in words."""
        same = (self.before.outcome, self.before.node) == (self.after.outcome, self.after.node) == ("variant", self.after.node)
        if not same or self.before.rules == self.after.rules:
            return []
        gone = [r for r in self.before.rules if r not in self.after.rules]
        came = [r for r in self.after.rules if r not in self.before.rules]
        out = [f"rule {r} no longer fires" for r in gone] + [f"rule {r} now fires" for r in came]
        return out or [f"rules: {', '.join(self.before.rules)} -> {', '.join(self.after.rules)}"]

    def to_dict(self) -> dict[str, Any]:
        return {"before": self.before.to_dict(), "after": self.after.to_dict(), "actions": self.action_changes(),
                **({"rules": self.rule_changes()} if self.rule_changes() else {}),
                "witness": dict(self.witness), "old_path": list(self.old_path), "new_path": list(self.new_path),
                "boxes": self.boxes, "ranges": [r.to_dict() for r in self.ranges]}


@dataclass(frozen=True, order=True)
class Structural:
    """One structural change: ``what`` (fact, node, answer, rating, check, property),
    ``how`` (added, removed, changed), the id, and for a change the fields that differ."""

    what: str
    how: str
    id: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.what} {self.how}: {self.id}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class DiffReport:
    """The behavioural and structural differences between two pathways."""

    changes: list[Change]
    structural: list[Structural]

    @property
    def exit_code(self) -> int:
        return 1 if self.changes or self.structural else 0


def diff(old: Pathway, new: Pathway) -> DiffReport:
    """Compare two versions of a pathway over the whole case space.

    Args:
        old: the earlier version.
        new: the later version.

    Returns:
        Behavioural changes grouped by (before, after) in a stable order, and structural changes.
    """
    merged = merge_facts(old.facts, new.facts)
    domains = domains_of(merged)
    before = _regions(explore(old, domains))
    tagged = tuple({**box, _TAG: frozenset({i})} for i, (_, box, _) in enumerate(before))
    groups: dict[tuple, list[_Item]] = {}
    for r_new, box, leaf_new in _regions(explore(new, domains, tagged)):
        r_old, _, leaf_old = before[next(iter(box[_TAG]))]
        if r_old != r_new:
            plain = {k: v for k, v in box.items() if k != _TAG}
            groups.setdefault(_signature(r_old, r_new), []).append((plain, leaf_old, leaf_new, r_old, r_new))
    facts = {f.name: f for f in merged}
    changes = [_change(items, domains, facts) for items in groups.values()]
    changes.sort(key=lambda c: (c.old_path, c.before, c.after))
    return DiffReport(changes, sorted(structural_changes(old, new)))


_Item = tuple[Box, Leaf, Leaf, Result, Result]


def _signature(before: Result, after: Result) -> tuple:
    """What a change is: where the cases went and where they go now; when that is the same
    terminal, which actions changed category."""
    if (before.outcome, before.node) != (after.outcome, after.node):
        return (before.outcome, before.node, after.outcome, after.node)
    old, new = dict(before.actions), dict(after.actions)
    return (before.outcome, before.node, tuple(sorted((a, old.get(a), new.get(a)) for a in {*old, *new}
                                                      if old.get(a) != new.get(a))), before.rules, after.rules)


def _change(items: list[_Item], domains: Domains, known: Mapping[str, Fact]) -> Change:
    """One change: the witness is the case with the fewest known facts over all its boxes."""
    boxes = [item[0] for item in items]
    found = minimal_case_facts(boxes, domains)
    assert found is not None
    facts, index = found
    _, leaf_old, leaf_new, r_old, r_new = items[index]
    ranges = tuple(r for name in facts if (r := _range(name, facts, boxes, known)) is not None)
    return Change(r_old, r_new, facts, leaf_old.path, leaf_new.path, len(items), ranges)


def _range(name: str, witness: Mapping[str, Value], boxes: list[Box], known: Mapping[str, Fact]) -> FactRange | None:
    """Where the change holds along one whole-number fact of the witness, its other facts kept.

    Each interval of the (merged) fact is tried through its representative, its first value
    (the class of every value in it); the intervals inside the change are joined where adjacent.
    """
    fact = known.get(name)
    if fact is None or fact.type != "int" or witness.get(name) is None:
        return None
    inside: list[tuple[int, int]] = []
    for low, high in fact.intervals():
        point = {**witness, name: low}
        if any(all(point.get(n) in values for n, values in box.items()) for box in boxes):
            if inside and inside[-1][1] + 1 == low:
                inside[-1] = (inside[-1][0], high)
            else:
                inside.append((low, high))
    return FactRange(name, tuple(inside), range_words(fact, inside)) if inside else None


def range_words(fact: Fact, intervals: Iterable[tuple[int, int]]) -> str:
    """Intervals of a whole-number fact in words, as the what-if list words one: "under 18",
    "18 to 49 years", "50 years or over", "2" (one value), "0 to 120 years (any known value)";
    several are joined with "or"."""
    unit = f" {fact.unit}" if fact.unit else ""
    parts = []
    for low, high in intervals:
        if low == high:
            parts.append(f"{low}{unit}")
        elif low == fact.min and high == fact.max:
            parts.append(f"{low} to {high}{unit} (any known value)")
        elif low == fact.min:
            parts.append(f"under {high + 1}{unit}")
        elif high == fact.max:
            parts.append(f"{low}{unit} or over")
        else:
            parts.append(f"{low} to {high}{unit}")
    return " or ".join(parts)


def _regions(ex: Exploration) -> list[tuple[Result, Box, Leaf]]:
    """Every box of every leaf with its result; variant leaves split by the checks that set
    actions apart."""
    out: list[tuple[Result, Box, Leaf]] = []
    for leaf in ex.leaves:
        if leaf.outcome != "variant":
            out += [(Result(leaf.outcome, leaf.node, rules=leaf.rules), box, leaf) for box in leaf.boxes]
            continue
        ratings = [rating for _, rating in leaf_ratings(ex.pathway, leaf)]
        parts: list[tuple[dict[str, str], list[Box]]] = [({r.action: r.slot for r in ratings}, list(leaf.boxes))]
        for rating in ratings:
            if rating.slot not in OFFERED_SLOTS:
                continue
            nxt = []
            for actions, boxes in parts:
                free, blocked = offered_regions(ex.pathway, leaf.node, rating.action, boxes, ex.domains)
                if free:
                    nxt.append((actions, free))
                if blocked:
                    nxt.append(({**actions, rating.action: "contraindicated"}, blocked))
            parts = nxt
        for actions, boxes in parts:
            result = Result("variant", leaf.node, tuple(sorted(actions.items())), leaf.rules)
            out += [(result, box, leaf) for box in boxes]
    return out


# --------------------------------------------------------------------------- structure


def _differing(a: Any, b: Any, skip: Iterable[str] = ()) -> list[str]:
    names = [f.name for f in fields(a) if f.compare and f.name not in skip and not f.name.startswith("_")]
    return [n for n in names if _plain(getattr(a, n)) != _plain(getattr(b, n))]


#: every condition kind, read from the :data:`~vcfgraph.conditions.Condition` union so a new kind is never missed
_CONDITION_KINDS: tuple[type[cm.Condition], ...] = get_args(cm.Condition)


def _plain(value: Any) -> Any:
    """Conditions compare by their words, so a moved test (another ``path``) is no change."""
    if isinstance(value, _CONDITION_KINDS):
        return cm.describe(value)
    return value


def _compare(what: str, old: Mapping[str, Any], new: Mapping[str, Any], skip: Iterable[str] = ()) -> list[Structural]:
    out = [Structural(what, "removed", k) for k in old if k not in new]
    out += [Structural(what, "added", k) for k in new if k not in old]
    for k in old:
        if k in new:
            changed = _differing(old[k], new[k], skip)
            if changed:
                out.append(Structural(what, "changed", k, ", ".join(_detail(old[k], new[k], n) for n in changed)))
    return out


def _detail(a: Any, b: Any, name: str) -> str:
    va, vb = _plain(getattr(a, name)), _plain(getattr(b, name))
    short = (str, int, bool, type(None))
    if isinstance(va, short) and isinstance(vb, short) and len(str(va)) + len(str(vb)) < 160:
        return f"{name}: {cm.format_value(va)} -> {cm.format_value(vb)}"
    return name


def structural_changes(old: Pathway, new: Pathway) -> list[Structural]:
    """Facts, definitions, nodes, answers, rules, ratings, patient-level checks and properties added,
    removed, changed.

    Ratings are compared on their own (``variant->action``, ``variant/rule->action``) and so are
    a variant's rules (``variant/rule``, without their ratings), so a node counts as changed only
    when something other than its ratings and rules differs.
    """
    ratings_old = {rid: r for rid, _, r in old.rating_edges()}
    ratings_new = {rid: r for rid, _, r in new.rating_edges()}
    out = _compare("pathway", {"meta": old.meta}, {"meta": new.meta})
    out += _compare("fact", {f.name: f for f in old.facts}, {f.name: f for f in new.facts})
    out += _compare("definition", {d.name: d for d in old.definitions}, {d.name: d for d in new.definitions})
    out += _compare("node", {n.id: n for n in old.nodes}, {n.id: n for n in new.nodes}, skip=("ratings", "rules"))
    out += _compare("answer", {e.id: e for e in old.edges}, {e.id: e for e in new.edges})
    out += _compare("rule", {f"{n.id}/{r.id}": r for n in old.nodes for r in n.rules},
                    {f"{n.id}/{r.id}": r for n in new.nodes for r in n.rules}, skip=("ratings",))
    out += _compare("rating", ratings_old, ratings_new)
    out += _compare("check", {c.id: c for c in old.checks}, {c.id: c for c in new.checks})
    out += _compare("property", {p.id: p for p in old.properties}, {p.id: p for p in new.properties})
    return out


# --------------------------------------------------------------------------- output


def diff_to_dict(report: DiffReport, old_file: str, new_file: str) -> dict[str, Any]:
    """The ``diff --json`` format."""
    from vcfgraph.schemas import SCHEMA_VERSION

    return {
        "schema_version": SCHEMA_VERSION,
        "old": old_file,
        "new": new_file,
        "behavioural": [c.to_dict() for c in report.changes],
        "structural": [{"what": s.what, "how": s.how, "id": s.id, "detail": s.detail or None} for s in report.structural],
    }


def diff_text(report: DiffReport, old: Pathway, new: Pathway, old_file: str, new_file: str) -> str:
    """The differences for people: each behavioural change with its witness, then the structure."""
    from vcfgraph.analysis.witness import describe_example, path_words

    lines = [f"vcfgraph diff: {old_file} -> {new_file}", ""]
    lines.append(f"Behavioural changes: {len(report.changes)}")
    for i, c in enumerate(report.changes, 1):
        lines.append(f"  {i}. {c.before.words()} -> {c.after.words()}")
        for action in c.action_changes():
            lines.append(f"     {action}")
        for rule in c.rule_changes():
            lines.append(f"     {rule}")
        if c.ranges:
            ranges = "; ".join(f"{r.fact} {r.words}" for r in c.ranges)
            lines.append(f"     range: {ranges} (other facts as in the witness case)")
        lines.append(f"     witness case: {describe_example(c.witness)}")
        lines.append(f"     old path: {path_words(old, c.old_path)}")
        lines.append(f"     new path: {path_words(new, c.new_path)}")
    lines += ["", f"Structural changes: {len(report.structural)}"]
    lines += [f"  {s}" for s in report.structural]
    return "\n".join(lines) + "\n"
