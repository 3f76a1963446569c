"""``vcfgraph coverage``: how well a case suite covers the pathway, with witnesses for the gaps.

With ``-q`` the text report shrinks to nothing when the suite covers everything and every case
traces and matches its expectations, and otherwise to one summary line and one located line per
gap or problem (no witnesses). Counting is :mod:`vcfgraph.analysis.coverage`'s.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from vcfgraph import __version__
from vcfgraph.analysis.coverage import cobertura_xml, coverage, coverage_text, coverage_to_dict, lcov_text
from vcfgraph.cli import output
from vcfgraph.cli.common import add_command, add_graph_option, display_path, load_graph
from vcfgraph.cli.common import case_files as common_case_files
from vcfgraph.cli.graphviz_run import run_dot
from vcfgraph.errors import UsageError
from vcfgraph.io.load import DEFAULT_GRAPH, load_cases
from vcfgraph.model import Case, Pathway
from vcfgraph.render.dot import pathway_dot
from vcfgraph.render.heatmap import heatmap_page

__all__ = ["register", "run", "case_files"]

def register(sub: Any) -> None:
    p = add_command(
        sub, "coverage",
        "Trace every case and report which nodes, answers (edges), variant ratings and states of "
        "the patient-level checks (satisfied, not established, failed) the routes pass, as the "
        "engine takes them, and, where the pathway has them, which rules of a variant some case fires "
        "and which rating modifiers some case makes hold. Every node and answer no case reaches is listed with its "
        "place in the pathway file and a witness case that would cover it. CASES are case files "
        "or folders (every .yaml, .yml and .json file below, in name order).",
    )
    p.add_argument("cases", nargs="+", metavar="CASES", help="case files or folders of case files")
    add_graph_option(p)
    p.add_argument("--json", action="store_true", help="print the coverage as one JSON object")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="print nothing when every node, answer, rating, check state, rule and modifier is covered and every "
                        "case traces and matches its expectations; else one summary line and one line per gap "
                        "or problem, without witnesses")
    p.add_argument("--lcov", metavar="FILE", help="also write an LCOV tracefile mapping hits to the pathway's lines")
    p.add_argument("--cobertura", metavar="FILE", help="also write a Cobertura XML report of the same lines and branches")
    p.add_argument("--path-base", metavar="DIR", default=None,
                   help="in --lcov and --cobertura, name the pathway file relative to DIR (default: its "
                   "absolute path, so genhtml and coverage services find it from any folder)")
    p.add_argument("--html", metavar="DIR", help="also write DIR/index.html: the pathway heat-mapped by cases per answer")
    p.add_argument("--fail-under", metavar="PCT", type=float, default=None,
                   help="exit 1 when node, answer, rating, check-state, rule or modifier coverage is below PCT (0-100)")
    p.set_defaults(func=run)


def case_files(items: list[str]) -> list[Path]:
    """The case files named, folders expanded; an empty folder is an error here.

    Raises:
        UsageError: a name is neither a file nor a folder, or a folder holds no case file.
    """
    return common_case_files(items, allow_empty_folder=False)


def report_path(graph: str | None, path_base: str | None) -> tuple[str | None, str]:
    """Where the coverage reports say the pathway file is: (base folder or None, file name).

    Without a base the name is the file's absolute path; with one, the base's absolute path and
    the file relative to it (with forward slashes; ``..`` where the file lies outside the base).

    Raises:
        UsageError: the base is not a folder.
    """
    file = (Path(graph) if graph is not None else DEFAULT_GRAPH).resolve()
    if path_base is None:
        return None, file.as_posix()
    base = Path(path_base)
    if not base.is_dir():
        raise UsageError(f"--path-base {path_base}: " + ("is not a folder" if base.exists() else "no such folder"))
    base = base.resolve()
    return base.as_posix(), Path(os.path.relpath(file, base)).as_posix()


def _cases(pathway: Pathway, items: list[str]) -> list[Case]:
    cases: list[Case] = []
    for path in case_files(items):
        cases += load_cases(pathway, path)
    return cases


def run(args: argparse.Namespace) -> int:
    if args.quiet and args.json:
        raise UsageError("--quiet shortens the text report; leave it out with --json")
    if args.fail_under is not None and not 0 <= args.fail_under <= 100:
        raise UsageError(f"--fail-under needs a percentage from 0 to 100, got {args.fail_under:g}")
    pathway = load_graph(args)
    name = display_path(args.graph)
    cov = coverage(pathway, _cases(pathway, args.cases))
    source, report_name = report_path(args.graph, args.path_base)
    if args.lcov:
        _write(Path(args.lcov), lcov_text(cov, report_name))
    if args.cobertura:
        _write(Path(args.cobertura), cobertura_xml(cov, report_name, source, f"vcfgraph {__version__}"))
    if args.html:
        _write(Path(args.html) / "index.html", _heatmap(cov, name))
    if args.json:
        output.echo(output.to_json(coverage_to_dict(cov, name), indent=2))
    elif args.quiet:
        output.write(_quiet(cov, name))
    else:
        output.write(coverage_text(cov, name))
    status = 1 if cov.errors or cov.mismatches else 0  # a case that does not match its expectations fails, as --help says
    if args.fail_under is not None:
        for title, kind in (("node", "nodes"), ("edge", "edges"), ("rating", "ratings"), ("check state", "checks"),
                            ("rule", "rules"), ("modifier", "modifiers")):
            if cov.pct(kind) < args.fail_under:
                output.error(f"vcfgraph: {title} coverage {cov.pct(kind):.2f}% is under --fail-under {args.fail_under:g}%")
                status = 1
    return status


_KINDS = (("nodes", "nodes"), ("answers", "edges"), ("ratings", "ratings"), ("check states", "checks"), ("rules", "rules"),
          ("modifiers", "modifiers"))


def _quiet(cov: Any, name: str) -> str:
    """Nothing when the suite is complete; else a summary line and the located gaps and problems
    of the full report (its lines that are not indented), without the witnesses."""
    kinds = [(title, kind) for title, kind in _KINDS if getattr(cov, kind)]
    if all(cov.pct(kind) == 100 for _, kind in kinds) and not cov.errors and not cov.mismatches:
        return ""
    numbers = ", ".join(f"{title} {cov.pct(kind):.2f}%" for title, kind in kinds)
    lines = [f"vcfgraph coverage: {len(cov.cases)} case(s) on {name}: {numbers}"]
    lines += [line for line in coverage_text(cov, name).splitlines()[2:] if line and not line.startswith(" ")]
    return "\n".join(lines) + "\n"


def _heatmap(cov: Any, name: str) -> str:
    """The pathway drawn by the renderer, shaded by how many cases pass each node, answer and rating."""
    pathway = cov.pathway
    svg = run_dot(pathway_dot(pathway), "svg")
    edges = cov.pct("edges")
    caption = (f"How many of the {len(cov.cases)} cases pass each node, answer and rating of {name}: "
               f"{cov.pct('nodes'):.2f}% of nodes, {edges:.2f}% of answers and {cov.pct('ratings'):.2f}% of "
               "ratings are covered. Dotted elements are passed by no case.")
    return heatmap_page(pathway, svg, title=f"Case coverage: {pathway.meta.title}", caption=caption,
                        node_values=cov.nodes, edge_values={**cov.edges, **cov.ratings}, value_label="cases")


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{path}: cannot create its folder {path.parent} ({exc.strerror or exc})") from None
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write ({exc.strerror or exc})") from None
