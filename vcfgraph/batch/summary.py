"""The counts of a batch run in words (for people) and as plain data (for programs).

Both come from a :class:`~vcfgraph.batch.run.Tally`; every list is in the pathway's file order
or a fixed order, so the same input always gives the same text. A pathway whose variants have
rules that fire together also gets how often each rule fired (``rule_traffic``, and a "Rules
that fired" table after the variants); other pathways' summaries have neither.
"""

from __future__ import annotations

import textwrap
from typing import Any

from vcfgraph.batch.audit import CLASSES, rates
from vcfgraph.batch.run import Tally
from vcfgraph.model import Pathway
from vcfgraph.scale import SLOT_LISTS

__all__ = ["OUTCOME_ORDER", "summary_data", "summary_text", "audit_groups", "table_lines"]

OUTCOME_ORDER = ("variant", "handoff", "need_info", "invalid", "route_error")
_SHORT = {
    **{name: slot for slot, name in SLOT_LISTS.items()}, "contraindicated": "contra", "not_rated": "not_rated", "undetermined": "undetermined",
    "invalid": "invalid", "not_recorded": "none",
}


def audit_groups(pathway: Pathway) -> list[str]:
    """Audit groups in report order: variants, hand-offs, then the outcomes without a terminal."""
    return [n.id for n in pathway.of_kind("variant")] + [n.id for n in pathway.of_kind("handoff")] + [
        "need_info", "invalid", "route_error"]


def _group_counts(tally: Tally, group: str) -> dict[str, int]:
    return {c: tally.audit.get((group, c), 0) for c in CLASSES}


def summary_data(tally: Tally, pathway: Pathway, audit: str | None = None) -> dict[str, Any]:
    """The counts as JSON-ready data: rows, errors, outcomes, terminals, traffic and audit."""
    from vcfgraph.schemas import SCHEMA_VERSION

    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "rows": tally.rows,
        "rows_with_error": tally.errors,
        "outcomes": {o: tally.outcomes.get(o, 0) for o in OUTCOME_ORDER},
        "terminals": {n.id: tally.terminals.get(n.id, 0) for n in pathway.nodes if n.terminal},
        "node_traffic": {n.id: tally.nodes.get(n.id, 0) for n in pathway.nodes if n.kind != "action"},
        "edge_traffic": {e.id: tally.edges.get(e.id, 0) for e in pathway.edges},
    }
    if pathway.collects():
        data["rule_traffic"] = {v.id: {r.id: tally.rules.get((v.id, r.id), 0) for r in v.rules}
                                for v in pathway.of_kind("variant") if v.rules}
    if audit:
        data["audit"] = {
            "column": audit,
            "groups": {
                g: {"counts": _group_counts(tally, g), "rates": rates(_group_counts(tally, g))}
                for g in audit_groups(pathway)
            },
        }
    return data


def _percent(part: int | float | None, whole: int = 1) -> str:
    if part is None or not whole:
        return "-"
    return f"{100.0 * part / whole:.1f}%"


def table_lines(header: list[str], rows: list[list[str]]) -> list[str]:
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    return _table(header, rows)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = [(str.ljust if i == 0 else str.rjust) for i in range(len(header))]
    return ["  " + "  ".join(f(cell, w) for f, cell, w in zip(fmt, r, widths)).rstrip() for r in [header, *rows]]


def summary_text(tally: Tally, pathway: Pathway, audit: str | None = None) -> str:
    """The end-of-run summary: outcomes, rows per variant and hand-off, and the audit table."""
    n = tally.rows
    invalid = tally.outcomes.get("invalid", 0)
    route_errors = tally.outcomes.get("route_error", 0)
    lines = [f"Rows: {n} (invalid: {invalid}, route errors: {route_errors}, with an error message: {tally.errors})", ""]
    lines.append("Outcomes")
    lines += _table(["outcome", "rows", "share"],
                    [[o, str(tally.outcomes.get(o, 0)), _percent(tally.outcomes.get(o, 0), n)] for o in OUTCOME_ORDER])
    for kind, title in (("variant", "Variants"), ("handoff", "Hand-offs")):
        lines += ["", title]
        rows = [[node.id, str(tally.terminals.get(node.id, 0)), _percent(tally.terminals.get(node.id, 0), n)]
                for node in pathway.of_kind(kind)]
        lines += _table([kind, "rows", "share"], rows)
        if kind == "variant" and pathway.collects():
            lines += ["", *rules_text(tally, pathway)]
    if audit:
        lines += ["", *audit_text(tally, pathway, audit)]
    return "\n".join(lines) + "\n"


def rules_text(tally: Tally, pathway: Pathway) -> list[str]:
    """Rows for which each rule fired, and their share of the rows that reached its variant (and
    were decided there: rows that wait on a rule stop with need_info)."""
    rows = [[f"{v.id}/{r.id}", str(tally.rules.get((v.id, r.id), 0)),
             _percent(tally.rules.get((v.id, r.id), 0), tally.terminals.get(v.id, 0))]
            for v in pathway.of_kind("variant") for r in v.rules]
    return ["Rules that fired", *_table(["variant/rule", "rows", "of variant"], rows)]


def audit_text(tally: Tally, pathway: Pathway, audit: str) -> list[str]:
    """The audit table: class counts per group and the rates of inappropriate care."""
    header = ["group", "rows", *(_SHORT[c] for c in CLASSES), "UNA rate", "contra rate"]
    rows = []
    for group in audit_groups(pathway):
        counts = _group_counts(tally, group)
        total = sum(counts.values())
        if not total and group in ("route_error",):
            continue
        r = rates(counts)
        rows.append([group, str(total), *(str(counts[c]) for c in CLASSES),
                     _percent(r["usually_not_appropriate"]), _percent(r["contraindicated"])])
    totals = {c: sum(tally.audit.get((g, c), 0) for g in audit_groups(pathway)) for c in CLASSES}
    r = rates(totals)
    rows.append(["all", str(sum(totals.values())), *(str(totals[c]) for c in CLASSES),
                 _percent(r["usually_not_appropriate"]), _percent(r["contraindicated"])])
    legend = ("UA, MBA, UNA: usually / may be / usually not appropriate for the row's variant; contra: rated "
              "but contraindicated for the patient; not_rated: the variant does not rate the action, or the row "
              "reached a hand-off; none: no action recorded. Rates are shares of the rated rows (UA + MBA + UNA "
              "+ contra): not-rated, undetermined and invalid rows never dilute them.")
    return [f"Audit of '{audit}'", *_table(header, rows), "", *textwrap.wrap(legend, 100)]
