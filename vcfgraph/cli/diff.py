"""``vcfgraph diff``: the behavioural and structural difference between two pathway versions."""

from __future__ import annotations

import argparse
from typing import Any

from vcfgraph.analysis.diff import diff, diff_text, diff_to_dict
from vcfgraph.cli import output
from vcfgraph.cli.common import add_command, add_graph_option, display_path
from vcfgraph.errors import UsageError
from vcfgraph.io.load import load_pathway

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    p = add_command(
        sub, "diff",
        "Compare two versions of a pathway over every possible case: each region of cases whose "
        "outcome, terminal or recommended actions change is listed with a witness case (the one "
        "with the fewest known facts), the range of each whole-number fact over which the change holds "
        "(\"age_years 18 to 49 years\") and the paths it takes before and after; then the nodes, "
        "answers, ratings, facts, contraindications and properties added, removed or changed. "
        "Exits 0 when the versions do not differ, 1 when they do.",
    )
    p.add_argument("old", metavar="OLD", help="the earlier pathway file")
    p.add_argument("new", metavar="NEW", nargs="?", default=None,
                   help="the later pathway file (default: --graph, else the bundled pathway)")
    add_graph_option(p)
    p.add_argument("--json", action="store_true", help="print the differences as one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.new is not None and args.graph is not None and args.new != args.graph:
        raise UsageError(f"diff: give the later pathway once, as NEW or as --graph (got '{args.new}' and '{args.graph}')")
    if args.new is None:
        args.new = args.graph
    old, new = load_pathway(args.old), load_pathway(args.new)
    names = display_path(args.old), display_path(args.new)
    report = diff(old, new)
    if args.json:
        output.echo(output.to_json(diff_to_dict(report, *names), indent=2))
    else:
        output.write(diff_text(report, old, new, *names))
    return report.exit_code
