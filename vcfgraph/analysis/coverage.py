"""Coverage of a case suite: which nodes, answers, ratings and check states its routes pass.

Computed from the very :class:`~vcfgraph.route.Route` objects :func:`vcfgraph.engine.trace`
returns (``Route.nodes()``, ``Route.edges()``, ``Route.rating_edges()``, ``Route.checks``), so
the numbers, the LCOV file and the heat map cannot disagree with what the engine does. For
every node, answer or rating no case passes, the witness of the first path of the symbolic walk
that passes it is offered as the case that would cover it. Check states are counted as
``check:state`` for the states some case can be in (satisfied, not_established, failed), each
uncovered one with a minimal case in that state. A variant's rules that fire together count as
``variant/rule``, covered by a case that fires the rule (their ratings are the ``variant/rule->action``
rating edges), and a rating's modifiers as ``variant->action modifier N`` (``variant/rule->action
modifier N`` on a rule's rating), covered by a case that makes the modifier hold; both tables are
empty, and left out of every report, for a pathway without rules or modifiers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from vcfgraph.analysis.checks import check_regions
from vcfgraph.analysis.checker import PathResult, path_results
from vcfgraph.analysis.coverage_items import fired_rules, holding_modifiers, modifier_items, modifier_witness
from vcfgraph.analysis.walk import explore
from vcfgraph.analysis.witness import describe_example, path_words
from vcfgraph.conditions import Value
from vcfgraph.engine import check_expected, trace
from vcfgraph.errors import Location, RouteError
from vcfgraph.model import Case, Pathway, rating_edge_id

__all__ = ["Coverage", "coverage", "coverage_to_dict", "coverage_text", "lcov_text", "cobertura_xml", "percent"]


def percent(hit: int, total: int) -> float:
    """``hit`` of ``total`` as a percentage rounded to two places; 100 when there is nothing."""
    return round(100.0 * hit / total, 2) if total else 100.0


@dataclass(frozen=True)
class Offer:
    """The witness case that would cover an uncovered item, and the path it takes."""

    facts: Mapping[str, Value]
    path: tuple[str, ...]


@dataclass
class Coverage:
    """How a case suite covers a pathway.

    Attributes:
        pathway: the pathway.
        cases: the case ids, in the order they were traced.
        nodes / edges / ratings: id -> how many cases pass it, every id of the pathway, file order.
        checks: ``check:state`` -> how many cases put the check in that state, for every state
            some case can be in, in file order.
        rules: ``variant/rule`` -> how many cases fire the rule, every rule, file order.
        modifiers: ``variant->action modifier N`` (``variant/rule->action modifier N``) -> how
            many cases reach the rating with the modifier holding, every modifier, file order.
        errors: (case id, message) of the cases the engine rejected.
        mismatches: (case id, problem) where a route differs from its case file's expectations.
        offers: uncovered id -> the witness case that would cover it (None when no case can).
    """

    pathway: Pathway
    cases: list[str]
    nodes: dict[str, int]
    edges: dict[str, int]
    ratings: dict[str, int]
    checks: dict[str, int] = field(default_factory=dict)
    rules: dict[str, int] = field(default_factory=dict)
    modifiers: dict[str, int] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    mismatches: list[tuple[str, str]] = field(default_factory=list)
    offers: dict[str, Offer | None] = field(default_factory=dict)

    def uncovered(self, kind: str) -> list[str]:
        """Ids no case passes, in file order; kind is nodes, edges, ratings, checks, rules or modifiers."""
        return [k for k, v in getattr(self, kind).items() if v == 0]

    def pct(self, kind: str) -> float:
        hits: dict[str, int] = getattr(self, kind)
        return percent(sum(1 for v in hits.values() if v), len(hits))


def coverage(pathway: Pathway, cases: Iterable[Case]) -> Coverage:
    """Trace every case and count what its route passes.

    Args:
        pathway: the pathway.
        cases: the suite (ids should be unique; each is traced once).

    Returns:
        The coverage, with witness offers for every uncovered node, answer and rating.
    """
    modifiers = modifier_items(pathway)
    ex = explore(pathway) if pathway.checks or modifiers else None
    regions = [check_regions(ex, c) for c in pathway.checks] if ex is not None else []
    cov = Coverage(pathway, [], {n.id: 0 for n in pathway.nodes}, {e.id: 0 for e in pathway.edges},
                   {rid: 0 for rid, _, _ in pathway.rating_edges()},
                   {f"{cr.check.id}:{state}": 0 for cr in regions for state in cr.possible()},
                   {f"{n.id}/{r.id}": 0 for n in pathway.nodes for r in n.rules}, dict.fromkeys(modifiers, 0))
    for case in cases:
        cov.cases.append(case.id)
        try:
            route = trace(pathway, case)
        except RouteError as exc:
            cov.errors.append((case.id, str(exc)))
            continue
        cov.mismatches += [(case.id, p) for p in check_expected(route, case)]
        for table, ids in ((cov.nodes, route.nodes()), (cov.edges, route.edges()), (cov.ratings, route.rating_edges())):
            for item in ids:
                table[item] += 1
        for key in dict.fromkeys(f"{c.check}:{c.state}" for c in route.checks):
            if key in cov.checks:
                cov.checks[key] += 1
        for key in fired_rules(route):
            cov.rules[key] += 1
        for key in holding_modifiers(pathway, route, case.facts, modifiers):
            cov.modifiers[key] += 1
    missing = [*cov.uncovered("nodes"), *cov.uncovered("edges"), *cov.uncovered("ratings"), *cov.uncovered("rules")]
    if missing:
        cov.offers = _offers(pathway, missing)
    for cr in regions:
        for state in cr.possible():
            key = f"{cr.check.id}:{state}"
            if not cov.checks[key]:
                cov.offers[key] = Offer(cr.examples[state], cr.paths[state])
    if ex is not None:
        for key in cov.uncovered("modifiers"):
            found = modifier_witness(ex, modifiers[key])
            cov.offers[key] = Offer(*found) if found is not None else None
    return cov


def _covers(pathway: Pathway, p: PathResult) -> set[str]:
    """The nodes, answers and ratings a case following path ``p`` passes."""
    by_id = {e.id: e for e in pathway.edges}
    items = set(p.edges) | {by_id[e].source for e in p.edges} | {p.node}
    if p.outcome == "variant":
        for rule, rating in pathway.node(p.node).all_ratings():
            if rule is None or rule.id in p.rules:
                items |= {rating.action, rating_edge_id(p.node, rating.action, rule.id if rule else None)}
        items |= {f"{p.node}/{r}" for r in p.rules}
    return items


def _offers(pathway: Pathway, missing: list[str]) -> dict[str, Offer | None]:
    paths = [p for p in path_results(explore(pathway)) if p.outcome in ("variant", "handoff", "need_info")]
    out: dict[str, Offer | None] = {}
    covered = [(p, _covers(pathway, p)) for p in paths]
    for item in missing:
        first = next((p for p, items in covered if item in items), None)
        out[item] = Offer(first.witness, first.edges) if first else None
    return out


def _locations(pathway: Pathway) -> dict[str, Location | None]:
    """Where every coverage item is defined: nodes, answers, ratings, rules, modifiers and checks
    (a ``check:state`` item is found under its check id)."""
    out: dict[str, Location | None] = {c.id: c.loc for c in pathway.checks}
    for rid, node, rating in pathway.rating_edges():
        out[rid] = rating.loc
        out.update((f"{rid} modifier {i}", m.loc) for i, m in enumerate(rating.modifiers, 1))
    out.update((f"{n.id}/{r.id}", r.loc) for n in pathway.nodes for r in n.rules)
    out.update((e.id, e.loc) for e in pathway.edges)
    out.update((n.id, n.loc) for n in pathway.nodes)
    return out


def _loc(where: Mapping[str, Location | None], item: str) -> Location | None:
    check_id, colon, _state = item.partition(":")
    return where.get(check_id) if colon else where.get(item)


def coverage_to_dict(cov: Coverage, file: str) -> dict[str, Any]:
    """The ``coverage --json`` format: percentages 0-100, hit counts, uncovered ids, offers."""
    def offer(item: str) -> dict[str, Any] | None:
        o = cov.offers.get(item)
        return {"facts": dict(o.facts), "path": list(o.path)} if o else None

    from vcfgraph.schemas import SCHEMA_VERSION

    return {
        "schema_version": SCHEMA_VERSION,
        "file": file,
        "cases": len(cov.cases),
        "node_coverage": cov.pct("nodes"),
        "edge_coverage": cov.pct("edges"),
        "rating_coverage": cov.pct("ratings"),
        "check_coverage": cov.pct("checks"),
        "uncovered_nodes": cov.uncovered("nodes"),
        "uncovered_edges": cov.uncovered("edges"),
        "uncovered_ratings": cov.uncovered("ratings"),
        "uncovered_checks": cov.uncovered("checks"),
        "witnesses": {item: offer(item) for item in cov.offers},
        "node_hits": cov.nodes,
        "edge_hits": cov.edges,
        "rating_hits": cov.ratings,
        "check_hits": cov.checks,
        **_optional(cov, offer),
        "errors": [{"case": c, "error": m} for c, m in cov.errors],
        "mismatches": [{"case": c, "problem": m} for c, m in cov.mismatches],
    }


def _optional(cov: Coverage, offer: Any) -> dict[str, Any]:
    """The rule and modifier keys of ``coverage --json``, only for a pathway that has them."""
    out: dict[str, Any] = {}
    for name, kind in (("rule", "rules"), ("modifier", "modifiers")):
        if getattr(cov, kind):
            out |= {f"{name}_coverage": cov.pct(kind), f"uncovered_{kind}": cov.uncovered(kind),
                    f"{name}_hits": getattr(cov, kind)}
    return out


#: (title in the text report, table) of every kind counted, the optional ones only when present
KINDS = (("Nodes", "nodes"), ("Answers", "edges"), ("Ratings", "ratings"), ("Checks", "checks"), ("Rules", "rules"),
         ("Modifiers", "modifiers"))


def coverage_text(cov: Coverage, file: str) -> str:
    """The coverage for people: the percentages, then every uncovered item with a witness."""
    lines = [f"vcfgraph coverage: {len(cov.cases)} case(s) on {file}", ""]
    kinds = [(title, kind) for title, kind in KINDS if kind in ("nodes", "edges", "ratings") or getattr(cov, kind)]
    width = 11 if cov.modifiers else 9
    for title, kind in kinds:
        hits: dict[str, int] = getattr(cov, kind)
        lines.append(f"  {title + ':':<{width}}{sum(1 for v in hits.values() if v):>4}/{len(hits):<4} {cov.pct(kind):6.2f}%")
    if cov.checks:
        lines.append("  (checks: each state a patient-level check can be in: satisfied, not_established, failed)")
    said = [words for kind, words in (("rules", "rules: each rule of a variant, fired by some case"),
                                      ("modifiers", "modifiers: each rating modifier, holding for some case"))
            if getattr(cov, kind)]
    if said:
        lines.append(f"  ({'; '.join(said)})")
    places = _locations(cov.pathway)
    for title, kind in (("node", "nodes"), ("answer", "edges"), ("rating", "ratings"), ("check state", "checks"),
                        ("rule", "rules"), ("modifier", "modifiers")):
        for item in cov.uncovered(kind):
            loc = _loc(places, item)
            where = f"{file}:{loc.line}:{loc.col}" if loc and loc.line else file
            lines.append(f"{where}: uncovered {title} {item}")
            o = cov.offers.get(item)
            if o is None:
                lines.append("    no case can reach it (see vcfgraph check)")
            else:
                lines.append(f"    witness case: {describe_example(o.facts)}")
                lines.append(f"    path: {path_words(cov.pathway, o.path)}")
    for case, message in cov.errors:
        lines.append(f"case '{case}': the engine rejected it: {message}")
    for case, problem in cov.mismatches:
        lines.append(f"case '{case}': {problem}")
    return "\n".join(lines) + "\n"


def _line_hits(cov: Coverage) -> dict[int, int]:
    """YAML line -> the most cases passing a node, answer, rating, rule or modifier defined on it."""
    lines: dict[int, int] = {}
    places = _locations(cov.pathway)
    for kind in ("nodes", "edges", "ratings", "rules", "modifiers"):
        for item, hits in getattr(cov, kind).items():
            loc = _loc(places, item)
            if loc and loc.line:
                lines[loc.line] = max(lines.get(loc.line, 0), hits)
    return lines


def _branches(cov: Coverage) -> list[tuple[int, int, list[int | None]]]:
    """(line, block, cases per answer or None when the question is not reached) per question."""
    out = []
    for block, node in enumerate(cov.pathway.of_kind("question")):
        if not node.loc or not node.loc.line:
            continue
        reached = cov.nodes[node.id] > 0
        taken: list[int | None] = [cov.edges[e.id] if reached else None for e in cov.pathway.out_edges(node.id)]
        out.append((node.loc.line, block, taken))
    return out


def lcov_text(cov: Coverage, file: str) -> str:
    """LCOV tracefile: one ``DA`` line per YAML line defining a node, answer or rating (hits =
    number of cases passing it) and one ``BRDA`` branch per answer of each question.

    Args:
        cov: the coverage.
        file: the pathway file name for ``SF:`` (absolute, so that ``genhtml`` finds it from any
            folder, or relative to the folder the consumer runs in).
    """
    lines = _line_hits(cov)
    out = ["TN:", f"SF:{file}"]
    branches = 0
    hit_branches = 0
    for line, block, taken in _branches(cov):
        for i, hits in enumerate(taken):
            out.append(f"BRDA:{line},{block},{i},{'-' if hits is None else hits}")
            branches += 1
            hit_branches += bool(hits)
    out += [f"BRF:{branches}", f"BRH:{hit_branches}"]
    out += [f"DA:{line},{hits}" for line, hits in sorted(lines.items())]
    out += [f"LF:{len(lines)}", f"LH:{sum(1 for h in lines.values() if h)}", "end_of_record"]
    return "\n".join(out) + "\n"


def _rate(hit: int, total: int) -> str:
    return f"{hit / total:.4f}" if total else "1"


def cobertura_xml(cov: Coverage, file: str, source: str | None = None, version: str = "") -> str:
    """A Cobertura XML report of the same lines and branches as :func:`lcov_text`.

    The pathway file is one class of one package; a question's line is a branch line whose
    ``condition-coverage`` counts its answers taken. No timestamp (``timestamp="0"``), so the
    same suite writes the same bytes.

    Args:
        cov: the coverage.
        file: the pathway file: absolute, or relative to ``source``.
        source: the folder ``file`` is relative to (``<sources>``), or None when it is absolute.
        version: the producing tool's version, for the ``version`` attribute.
    """
    from xml.etree import ElementTree as ET

    from vcfgraph.analysis.junit import xml_safe

    file, source = xml_safe(file), None if source is None else xml_safe(source)
    lines = _line_hits(cov)
    branch_of = {line: taken for line, _block, taken in _branches(cov)}
    b_valid = sum(len(t) for t in branch_of.values())
    b_hit = sum(1 for t in branch_of.values() for h in t if h)
    l_hit = sum(1 for h in lines.values() if h)
    rates = {"line-rate": _rate(l_hit, len(lines)), "branch-rate": _rate(b_hit, b_valid)}
    root = ET.Element("coverage", {**rates, "lines-covered": str(l_hit), "lines-valid": str(len(lines)),
                                   "branches-covered": str(b_hit), "branches-valid": str(b_valid),
                                   "complexity": "0", "version": version, "timestamp": "0"})
    if source is not None:
        ET.SubElement(ET.SubElement(root, "sources"), "source").text = source
    package = ET.SubElement(ET.SubElement(root, "packages"), "package",
                            {"name": cov.pathway.meta.id, **rates, "complexity": "0"})
    klass = ET.SubElement(ET.SubElement(package, "classes"), "class",
                          {"name": cov.pathway.meta.id, "filename": file, **rates, "complexity": "0"})
    ET.SubElement(klass, "methods")
    xml_lines = ET.SubElement(klass, "lines")
    for number in sorted(set(lines) | set(branch_of)):
        attrs = {"number": str(number), "hits": str(lines.get(number, 0)), "branch": "false"}
        if number in branch_of:
            taken = branch_of[number]
            hit = sum(1 for h in taken if h)
            pct = round(100 * hit / len(taken)) if taken else 100
            attrs.update(branch="true", **{"condition-coverage": f"{pct}% ({hit}/{len(taken)})"})
        ET.SubElement(xml_lines, "line", attrs)
    ET.indent(root)
    doctype = '<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">'
    return '<?xml version="1.0" ?>\n' + doctype + "\n" + ET.tostring(root, encoding="unicode") + "\n"
