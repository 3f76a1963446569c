"""The ``vcfgraph check`` report as text, as JSON-ready data, and as witness case files.

Everything shown comes from the :class:`~vcfgraph.analysis.verify.CheckReport`; this module
formats, it evaluates nothing (the witness files' need_info lists come from the engine).
"""

from __future__ import annotations

from typing import Any

from vcfgraph.analysis.verify import CheckReport, PathResult
from vcfgraph.analysis.witness import as_case, case_file_text, describe_example, expected_block, path_words
from vcfgraph.model import Pathway

__all__ = ["report_to_dict", "report_text", "witness_files"]


def report_to_dict(report: CheckReport) -> dict[str, Any]:
    """The report as plain data (the ``check --json`` format), in a stable key order."""
    return {
        "file": report.file,
        "summary": {"errors": report.count("error"), "warnings": report.count("warning"), "infos": report.count("info")},
        "findings": [f.to_dict() for f in report.findings],
        "properties": [p.to_dict() for p in report.properties],
        "outcomes": [o.to_dict() for o in report.outcomes],
        "paths": [p.to_dict() for p in report.paths],
        "infeasible": [{"prefix": list(i.prefix), "node": i.node, "edge": i.edge} for i in report.infeasible],
        "stats": report.stats,
    }


def report_text(report: CheckReport) -> str:
    """The report for people: findings (with example cases), properties, outcomes, summary."""
    lines = [f"vcfgraph check: {report.file}", ""]
    for f in report.findings:
        lines.append(str(f))
        if f.example is not None:
            lines.append(f"    example case: {describe_example(f.example)}")
        if f.path and report.exploration is not None:
            lines.append(f"    path: {path_words(report.exploration.pathway, f.path)}")
    if report.findings:
        lines.append("")
    lines.append("Safety properties:")
    for p in report.properties:
        lines.append(f"  {p.status:<8} {p.property.id}: {p.property.text}")
    if not report.properties:
        lines.append("  (none declared)")
    policies = [f for f in report.exploration.pathway.facts if f.unknown is not None] if report.exploration else []
    if policies:
        lines += ["", "Pathway assumptions (a fact that is not recorded is read as):"]
        lines += [f"  {f.name}: {f.unknown_word}" for f in policies]
    lines += ["", "Outcomes (facts that must be known to get there):"]
    for o in report.outcomes:
        needs = ", ".join(o.needs) or "nothing"
        lines.append(f"  {o.node} ({o.kind}, {o.paths} path{'s' if o.paths != 1 else ''}): {needs}")
    s = report.stats
    paths = s["paths"]
    total = sum(paths.values())
    lines += [
        "",
        f"Paths: {total} ({paths['variant']} to a variant, {paths['handoff']} to a hand-off, "
        f"{paths['need_info']} stop with need_info, {paths['gap'] + paths['overlap'] + paths['cycle']} end in an error); "
        f"{s['infeasible']} infeasible answer(s) along a path",
        f"Summary: {report.count('error')} error(s), {report.count('warning')} warning(s), {report.count('info')} info",
    ]
    return "\n".join(lines) + "\n"


def _file_name(p: PathResult) -> str:
    return f"path-{p.index:03d}-{p.node}.yaml"


def witness_files(report: CheckReport, pathway: Pathway) -> dict[str, str]:
    """One ready-to-run case file per path that ends at a variant, a hand-off or need_info.

    Returns:
        file name -> text, names sorted by path number.
    """
    from vcfgraph.engine import trace

    out: dict[str, str] = {}
    for p in report.paths:
        if p.outcome not in ("variant", "handoff", "need_info"):
            continue
        case_id = f"path-{p.index:03d}"
        missing: tuple[str, ...] = ()
        if p.outcome == "need_info":
            missing = trace(pathway, as_case(pathway, p.witness, case_id)).missing_facts
        expected = expected_block(pathway, p.outcome, p.node, p.witness, missing)
        where = f"stops with need_info at {p.node}" if p.outcome == "need_info" else f"reaches {p.node}"
        comments = [
            f"Witness of path {p.index} of {report.file}, written by vcfgraph check.",
            "Path: " + path_words(pathway, p.edges),
            "Every fact not listed is not known (null).",
        ]
        description = f"The case with the fewest known facts that {where}"
        out[_file_name(p)] = case_file_text(case_id, description, p.witness, expected, comments)
    return out
