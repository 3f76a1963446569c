"""Witness cases: concrete cases picked from regions, and the case files that carry them.

A witness is the point of a region with the fewest known facts (every other fact null), so it
shows which facts a path, a defect or a counterexample really needs. :func:`case_file_text`
writes one as a case file that ``vcfgraph trace`` runs, with an ``expected:`` block stating what
the analysis claims the engine will do with it.
"""

from __future__ import annotations

import io
from typing import Any, Iterable, Mapping

from vcfgraph import conditions as cm
from vcfgraph.analysis.regions import Box, Domains, minimal_case_facts
from vcfgraph.conditions import Value
from vcfgraph.engine import check_states, rule_results
from vcfgraph.model import Case, Pathway
from vcfgraph.scale import OFFERED_SLOTS, SLOT_LISTS

__all__ = ["witness", "as_case", "describe_example", "path_words", "expected_block", "case_file_text"]


def witness(boxes: Iterable[Box], domains: Domains) -> dict[str, Value] | None:
    """The minimal point of a region (known facts only), or None when it is empty."""
    found = minimal_case_facts(boxes, domains)
    return found[0] if found else None


def as_case(pathway: Pathway, facts: Mapping[str, Value], case_id: str = "witness") -> Case:
    """A case with these facts known and every other fact of the pathway null."""
    return Case(case_id, {**{f.name: None for f in pathway.facts}, **facts})


def describe_example(facts: Mapping[str, Value], names: Iterable[str] | None = None) -> str:
    """``pain = true, levels = 1`` for the named facts (all known ones by default); a named
    fact that is not known shows as ``not known``."""
    keys = list(names) if names is not None else list(facts)
    parts = [f"{n} = {cm.format_value(facts[n]) if facts.get(n) is not None else 'not known'}" for n in keys]
    return ", ".join(parts) if parts else "every fact not known"


def path_words(pathway: Pathway, edges: tuple[str, ...]) -> str:
    """``q_a [Yes] -> q_b [No] -> V_x``: the questions passed, each with the answer taken."""
    parts = [f"{pathway.edge(e).source} [{pathway.edge(e).label}]" for e in edges]
    parts.append(pathway.edge(edges[-1]).target if edges else pathway.entry)
    return " -> ".join(parts)


def expected_block(pathway: Pathway, outcome: str, node: str, facts: Mapping[str, Value],
                   missing: tuple[str, ...] = ()) -> dict[str, Any]:
    """What a case with ``facts`` must give, as the ``expected:`` block of a case file.

    For a variant the action lists are its ratings by category (its own and those of the rules
    that fire for these facts, which ``rules`` lists), with the actions a failed patient-level
    check sets apart for these facts moved to ``contraindicated``.
    """
    out: dict[str, Any] = {"outcome": outcome}
    if outcome in ("variant", "handoff"):
        out["terminal"] = node
    if outcome == "need_info" and missing:
        out["missing"] = list(missing)
    if outcome != "variant":
        return out
    variant = pathway.node(node)
    fired = [r.rule for r in rule_results(variant, facts) if r.holds]
    ratings = [r for rule, r in variant.all_ratings() if rule is None or rule.id in fired]
    if fired:
        out["rules"] = fired
    blocked = {r.action for r in ratings if r.slot in OFFERED_SLOTS
               and any(state == "failed" and c.on_fail == "set_apart" for c, state, _ in check_states(pathway, node, r.action, facts))}
    for category in SLOT_LISTS:
        actions = [r.action for r in ratings if r.slot == category and r.action not in blocked]
        if actions:
            out[pathway.scale.list_key(category)] = actions
    hit = [r.action for r in ratings if r.action in blocked]
    if hit:
        out["contraindicated"] = hit
    return out


def case_file_text(case_id: str, description: str, facts: Mapping[str, Value], expected: Mapping[str, Any],
                   comments: Iterable[str] = ()) -> str:
    """A case file (YAML) with known facts only; comments go first, one ``#`` line each.

    Args:
        case_id: the case id.
        description: one line saying what the case shows.
        facts: the known facts (every other fact is null when the file is read).
        expected: the ``expected:`` block.
        comments: lines to put at the top as comments.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    def flow(items: list[Any]) -> CommentedSeq:
        seq = CommentedSeq(items)
        seq.fa.set_flow_style()
        return seq

    exp = CommentedMap((k, flow(v) if isinstance(v, list) else v) for k, v in expected.items())
    data = CommentedMap([("id", case_id), ("description", description), ("facts", CommentedMap(facts)),
                         ("expected", exp)])
    yaml = YAML(typ="rt", pure=True)
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    buf = io.StringIO()
    yaml.dump(data, buf)
    head = "".join(f"# {line}\n".replace("# \n", "#\n") for line in comments)
    return head + buf.getvalue()
