"""``vcfgraph trace``: walk cases through the pathway and explain every step."""

from __future__ import annotations

import argparse
from typing import Any

from vcfgraph.cli import output
from vcfgraph.cli.common import add_command, add_graph_option, load_graph, parse_fact_options
from vcfgraph.engine import check_expected, trace
from vcfgraph.errors import CaseError, RouteError, UsageError
from vcfgraph.load import load_cases
from vcfgraph.model import Case
from vcfgraph.report import route_text, route_to_dict


def register(sub: Any) -> None:
    p = add_command(
        sub, "trace", "walk cases through the pathway and explain each step",
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
    p.add_argument("--json", action="store_true", help="print one JSON object per case, one per line")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    pathway = load_graph(args)
    overrides = parse_fact_options(pathway, args.fact)
    if not args.cases and not args.fact:
        raise UsageError("give at least one case file, or facts with --fact name=value")
    status = 0
    batches: list[tuple[str, list[Case]]] = []
    if args.cases:
        for path in args.cases:
            try:
                batches.append((path, load_cases(path, pathway)))
            except CaseError as exc:
                output.error(f"vcfgraph: error: {exc}")
                status = 2
    else:
        facts = {f.name: None for f in pathway.facts}
        batches.append(("--fact", [Case("command-line", facts)]))
    first = True
    for _path, cases in batches:
        for case in cases:
            if overrides:
                case = case.with_facts(overrides)
            status = max(status, _one(pathway, case, args.json, first))
            first = False
    return status


def _one(pathway: Any, case: Case, as_json: bool, first: bool) -> int:
    try:
        route = trace(pathway, case)
    except RouteError as exc:
        if as_json:
            output.echo(output.to_json({"case": case.id, "error": str(exc), "node": exc.node, "edges": list(exc.edges)}))
        else:
            output.error(f"vcfgraph: error: case '{case.id}': {exc}")
        return exc.exit_code
    problems = check_expected(route, case) if case.expected else None
    if as_json:
        output.echo(output.to_json(route_to_dict(route, pathway, problems)))
    else:
        if not first:
            output.echo("-" * 72)
        output.write(route_text(route, pathway, case, problems))
    return 1 if problems else 0
