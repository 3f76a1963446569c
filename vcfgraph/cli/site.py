"""``vcfgraph site``: the static teaching site (index, pathway page, one page per case)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vcfgraph.cli.common import add_command, add_graph_option, load_graph
from vcfgraph.cli.render import collect_cases, site_files, write_files
from vcfgraph.errors import UsageError
from vcfgraph.load import DEFAULT_GRAPH

__all__ = ["register", "run", "DEFAULT_CASES", "DEFAULT_OUTPUT"]

#: the case library next to the bundled pathway
DEFAULT_CASES = DEFAULT_GRAPH.parent.parent / "cases"
DEFAULT_OUTPUT = "renders"


def register(sub: Any) -> None:
    p = add_command(
        sub, "site", "build the static teaching site (index, pathway page, a page per case)",
        "Build a static site that works offline from the file system: index.html (the pathway, "
        "its source and revision, links to every page), pathway.html (the clickable diagram, the "
        "legend, every variant's ratings, criteria, implications, pitfalls, red flags and FAQs), "
        "pathway.svg, and cases/CASE.html per case (vignette, facts, step-by-step explanation, "
        "the route on the diagram, recommendations, radiation, next steps, red flags; prints as "
        "a one-to-two-page handout). Two builds of the same inputs are byte-identical. Case pages "
        "of cases no longer given are removed from DIR/cases/.",
    )
    add_graph_option(p)
    p.add_argument("--output", "-o", metavar="DIR", default=DEFAULT_OUTPUT,
                   help=f"folder to write into (default: {DEFAULT_OUTPUT})")
    p.add_argument("--cases", nargs="+", metavar="PATH", default=None,
                   help="case files or folders of them (default: the case library, cases/)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from vcfgraph.cli.graphviz_run import dot_runs

    pathway = load_graph(args)
    paths = args.cases if args.cases is not None else [str(DEFAULT_CASES)]
    entries, status = collect_cases(pathway, paths)
    before = dot_runs()
    files = site_files(pathway, entries)
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{args.output}: is a file, not a folder")
    _remove_stale(out, files)
    write_files(out, files)
    runs = dot_runs() - before
    print(f"vcfgraph site: {len(files)} files for {len(entries)} case{'s' if len(entries) != 1 else ''} "
          f"in {args.output} ({runs} dot run{'s' if runs != 1 else ''}); open {args.output}/index.html")
    return status


def _remove_stale(out: Path, files: dict[str, str]) -> None:
    folder = out / "cases"
    if not folder.is_dir():
        return
    for page in sorted(folder.glob("*.html")):
        if f"cases/{page.name}" not in files:
            page.unlink()
