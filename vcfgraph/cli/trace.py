"""``vcfgraph trace``: walk cases through the pathway and explain every step."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vcfgraph import whatif
from vcfgraph.analysis.junit import CaseResult, junit_xml
from vcfgraph.cli import output
from vcfgraph.cli.common import (
    add_command,
    add_graph_option,
    load_graph,
    parse_fact_options,
)
from vcfgraph.engine import check_expected, trace
from vcfgraph.errors import CaseError, RouteError, UsageError
from vcfgraph.imaging.report import route_imaging_lines
from vcfgraph.io.imaging import load_imaging
from vcfgraph.io.load import load_cases
from vcfgraph.model import Case
from vcfgraph.report import route_text, route_to_dict
from vcfgraph.schemas import SCHEMA_VERSION, error_object

#: ``--json`` prints JSON lines (one object per case), so an input error's JSON object is one line too
JSON_INDENT = None


def _what_if_text(pathway: Any, case: Case) -> str:
    """The what-if changes and the ranked questions, as text for the terminal: changes a work-up
    can still establish first, then "if this were different" for the past and the person."""
    lines = ["", "What if (one fact changed):"]
    changes = whatif.what_if(pathway, case.facts)
    for hypothetical in (False, True):
        rows = [c for c in changes if c.hypothetical is hypothetical]
        if rows and hypothetical:
            lines.append("If this were different (the past or the person, not something to find out):")
        for c in rows:
            words = whatif.value_words(pathway.fact(c.fact), c.value)
            line = f"  {c.fact} = {words}: {c.outcome} {c.terminal or ''}".rstrip()
            if c.outcome == "variant":
                line += f" (usually appropriate: {_ua_words(pathway, c)})"
            lines.append(line)
    if not changes:
        lines.append("  no single change of one fact changes the outcome or the usually-appropriate list")
    ranked = whatif.questions_ranked(pathway, case.facts)
    if ranked:
        lines.append("Best next questions (red flags first, then expected outcomes ruled out):")
        lines += [f"  {q.fact}: {q.expected:.2f}" for q in ranked]
    return "\n".join(lines) + "\n"


def _ua_words(pathway: Any, c: Any) -> str:
    """The usually-appropriate actions of a what-if row, an inferred rating marked as such."""
    if not c.ua:
        return "none"
    variant = pathway.node(c.terminal)
    marks = {a: " (inferred)" for a in c.ua if (r := variant.rating(a)) is not None and r.confidence != "confirmed"}
    return ", ".join(a + marks.get(a, "") for a in c.ua)


def register(sub: Any) -> None:
    p = add_command(
        sub, "trace",
        "Walk each case through the pathway: which question read which facts, which answer was "
        "taken and why, and where the walk ended (a variant with its rated actions, a hand-off, "
        "or need_info with the missing facts). A case file is YAML or JSON: a mapping with id, "
        "description and facts, or a list of them under 'cases:' or 'vignettes:'. When a case "
        "file records an expected outcome, a mismatch makes the exit code 1.",
    )
    p.add_argument("cases", nargs="*", metavar="CASE_FILE", help="case files (YAML or JSON)")
    add_graph_option(p)
    p.add_argument("--fact", "-f", action="append", metavar="NAME=VALUE",
                   help="set or override a fact (repeatable); with no case file, trace these facts alone")
    p.add_argument("--json", action="store_true", help="print one JSON object per case, one per line (with "
                   "'what_if': the single-fact changes that change the outcome or the usually-appropriate "
                   "list, and 'questions_ranked': in need_info, the unknown facts best question first)")
    p.add_argument("--what-if", action="store_true",
                   help="also list every single-fact change that would change the outcome or the "
                   "usually-appropriate list, and in need_info the best next questions")
    p.add_argument("--protocols", action="store_true",
                   help="give the full protocol note of each usually-appropriate study (default: one line each)")
    p.add_argument("--junit", metavar="FILE", default=None,
                   help="also write a JUnit XML report to FILE: one test case per case, failed when it "
                   "misses its expected outcome, an error when it cannot be traced or read")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    pathway = load_graph(args)
    overrides = parse_fact_options(pathway, args.fact)
    if not args.cases and not args.fact:
        raise UsageError("give at least one case file, or facts with --fact name=value")
    if args.junit and Path(args.junit).is_dir():
        raise UsageError(f"--junit {args.junit}: is a folder, not a file")
    status = 0
    results: list[CaseResult] = []
    batches: list[tuple[str, list[Case]]] = []
    if args.cases:
        for path in args.cases:
            try:
                batches.append((path, load_cases(pathway, path)))
            except CaseError as exc:
                if args.json:
                    output.echo(output.to_json(error_object(exc, 2)))
                output.error(f"vcfgraph: error: {exc}")
                results.append(CaseResult(path, Path(path).stem, "error", "the case file is invalid", (str(exc),)))
                status = 2
    else:
        facts = {f.name: None for f in pathway.facts}
        batches.append(("--fact", [Case("command-line", facts)]))

    imaging = load_imaging(pathway)  # the protocol notes and dose aid, when the pathway has them
    first = True
    for path, cases in batches:
        for case in cases:
            if overrides:
                case = case.with_facts(overrides)
            result = _one(pathway, case, path, args.json, first, args.what_if, imaging, args.protocols)
            status = max(status, {"passed": 0, "failed": 1}.get(result.status, 1))
            results.append(result)
            first = False
    if args.junit:
        _write(Path(args.junit), junit_xml(results))
    return status


def _one(pathway: Any, case: Case, path: str, as_json: bool, first: bool, what_if: bool = False,
         imaging: Any = None, protocols: bool = False) -> CaseResult:
    try:
        route = trace(pathway, case, validate=False)  # load_cases and --fact checked the facts
    except RouteError as exc:
        if as_json:
            output.echo(output.to_json({"schema_version": SCHEMA_VERSION, "case": case.id, "error": str(exc),
                                        "node": exc.node, "edges": list(exc.edges)}))
        else:
            output.error(f"vcfgraph: error: case '{case.id}': {exc}")
        return CaseResult(path, case.id, "error", f"the pathway cannot decide the case at '{exc.node}'", (str(exc),))
    problems = check_expected(route, case) if case.expected else None

    if as_json:
        data = route_to_dict(route, pathway, problems, imaging)
        output.echo(output.to_json(data))
    else:
        if not first:
            output.echo("-" * 72)
        output.write(route_text(route, pathway, case, problems))
        if imaging is not None and route.outcome == "variant":
            output.write("".join(line + "\n" for line in route_imaging_lines(imaging, route, full=protocols)))
        if what_if:
            output.write(_what_if_text(pathway, case))
    where = f"{route.outcome} at {route.terminal}" if route.terminal else route.outcome
    if problems:
        return CaseResult(path, case.id, "failed", f"the route ({where}) misses the expected outcome", tuple(problems))
    return CaseResult(path, case.id, "passed", outcome=where)


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the JUnit report ({exc.strerror or exc})") from None
