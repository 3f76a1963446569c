"""The ``vcfgraph check`` report as text, as JSON-ready data, and as witness case files.

Everything shown comes from the :class:`~vcfgraph.analysis.checker.CheckReport`; this module
formats, it evaluates nothing (the witness files' need_info lists come from the engine).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from vcfgraph.analysis.findings import CODES, Finding
from vcfgraph.analysis.checker import CheckReport, PathResult
from vcfgraph.analysis.witness import as_case, case_file_text, describe_example, expected_block, path_words
from vcfgraph.model import Pathway

__all__ = ["FORMATS", "report_to_dict", "report_text", "report_sarif", "report_github", "witness_files"]

#: the formats of ``vcfgraph check --format``
FORMATS = ("text", "json", "sarif", "github")

#: finding severity -> SARIF result level / GitHub workflow command
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_GITHUB_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def report_to_dict(report: CheckReport) -> dict[str, Any]:
    """The report as plain data (the ``check --json`` format), in a stable key order."""
    from vcfgraph.schemas import SCHEMA_VERSION

    return {
        "schema_version": SCHEMA_VERSION,
        "file": report.file,
        "summary": {"errors": report.count("error"), "warnings": report.count("warning"), "infos": report.count("info"),
                    **({"acknowledged": report.acknowledged} if report.acknowledged else {})},
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
        sets = f", {o.rule_sets} set{'s' if o.rule_sets != 1 else ''} of rules that fire" if o.rule_sets else ""
        lines.append(f"  {o.node} ({o.kind}, {o.paths} path{'s' if o.paths != 1 else ''}{sets}): {needs}")
    s = report.stats
    paths = s["paths"]
    total = sum(paths.values())
    lines += [
        "",
        f"Paths: {total} ({paths['variant']} to a variant, {paths['handoff']} to a hand-off, "
        f"{paths['need_info']} stop with need_info, {paths['gap'] + paths['overlap'] + paths['cycle']} end in an error); "
        f"{s['infeasible']} infeasible answer(s) along a path",
        f"Summary: {report.count('error')} error(s), {report.count('warning')} warning(s), {report.count('info')} info"
        + (f" ({report.acknowledged} acknowledged in the pathway file)" if report.acknowledged else ""),
    ]
    return "\n".join(lines) + "\n"


def _uri(file: str) -> str:
    """A SARIF artifact URI: a relative path with forward slashes, or a file: URI when absolute."""
    path = PurePath(file)
    return path.as_uri() if path.is_absolute() else quote(path.as_posix())


def _sarif_result(f: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(f.loc.file)}}
    if f.loc.line > 0:
        physical["region"] = {"startLine": f.loc.line, **({"startColumn": f.loc.col} if f.loc.col > 0 else {})}
    properties: dict[str, Any] = {"subject": f.subject}
    if f.example is not None:
        properties["exampleCase"] = dict(f.example)
    if f.path:
        properties["path"] = list(f.path)
    suppressed = {"suppressions": [{"kind": "inSource", "status": "accepted", "justification": f.acknowledged}]}
    return {
        "ruleId": f.code,
        "ruleIndex": rule_index[f.code],
        "level": _SARIF_LEVEL[f.severity],
        "message": {"text": f"[{f.subject}] {f.message}"},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {"vcfgraphFinding/v1": f"{f.code}:{f.subject}"},
        **(suppressed if f.acknowledged else {}),
        "properties": properties,
    }


def report_sarif(report: CheckReport, tool_version: str) -> dict[str, Any]:
    """The findings as a SARIF 2.1.0 log, so code hosts show them on the pathway's YAML lines.

    Every finding code is a rule (its name, meaning and default level from
    :data:`~vcfgraph.analysis.findings.CODES`); every finding is a result located at its
    file, line and column, with the subject, example case and path as result properties.

    Args:
        report: what :func:`~vcfgraph.analysis.checker.verify` returned.
        tool_version: the vcfgraph version to name as the tool's.
    """
    codes = sorted(CODES)
    rule_index = {code: i for i, code in enumerate(codes)}
    rules = [
        {
            "id": code,
            "name": CODES[code][0],
            "shortDescription": {"text": CODES[code][2]},
            "defaultConfiguration": {"level": _SARIF_LEVEL[CODES[code][1]]},
            "help": {"text": f"vcfgraph finding {code} ({CODES[code][0]}); every code is explained in docs/checks.md"},
        }
        for code in codes
    ]
    driver = {"name": "vcfgraph", "version": tool_version, "semanticVersion": tool_version, "rules": rules}
    return {
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "results": [_sarif_result(f, rule_index) for f in report.findings],
            "columnKind": "unicodeCodePoints",
        }],
    }


def _github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def report_github(report: CheckReport) -> str:
    """The findings as GitHub Actions workflow commands (``::error file=F,line=L,col=C,title=T::M``),
    one line each, which the Actions runner shows as annotations on the pathway's lines."""
    lines = []
    for f in report.findings:
        props = [f"file={_github_property(f.loc.file)}"]
        if f.loc.line > 0:
            props.append(f"line={f.loc.line}")
            if f.loc.col > 0:
                props.append(f"col={f.loc.col}")
        props.append(f"title={_github_property(f'{f.code} {f.name}')}")
        mark = f" (acknowledged: {f.acknowledged})" if f.acknowledged else ""
        lines.append(f"::{_GITHUB_COMMAND[f.severity]} {','.join(props)}::{_github_data(f'[{f.subject}]{mark} {f.message}')}")
    return "".join(line + "\n" for line in lines)


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
