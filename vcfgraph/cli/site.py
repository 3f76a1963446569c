"""``vcfgraph site``: the static teaching site (index, pathway page, one page per case).

The folder keeps a manifest (:data:`~vcfgraph.cli.files.MANIFEST`) of the files the build wrote:
a later build removes the pages it no longer makes, and only those, so files a person keeps in the
same folder are never touched.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vcfgraph.cli import output
from vcfgraph.cli.common import add_command, add_graph_option, load_graph
from vcfgraph.cli.files import MANIFEST, read_manifest, refuse_clashes, remove_files, write_files, write_manifest
from vcfgraph.cli.graphviz_run import dot_runs
from vcfgraph.cli.render import collect_cases, site_files
from vcfgraph.cli.watching import run_watching
from vcfgraph.errors import UsageError
from vcfgraph.io import bundled
from vcfgraph.render.site import page_names

__all__ = ["register", "run", "DEFAULT_CASES", "DEFAULT_OUTPUT"]

#: the case library that ships with the bundled pathway
DEFAULT_CASES = bundled.cases_folder()
DEFAULT_OUTPUT = "renders"


def register(sub: Any) -> None:
    p = add_command(
        sub, "site",
        "Build a static site that works offline from the file system: index.html (the pathway, "
        "its source and revision, links to every page), pathway.html (the clickable diagram, the "
        "legend, every variant's ratings, criteria, implications, pitfalls, red flags and FAQs), "
        "pathway.svg, and cases/CASE.html per case (vignette, facts, step-by-step explanation, "
        "the route on the diagram, recommendations, radiation, next steps, red flags; prints as "
        "a one-to-two-page handout). Two builds of the same inputs are byte-identical. "
        f"DIR/{MANIFEST} lists the files the build wrote: the next build removes the pages of "
        "cases no longer given, and no other file.",
    )
    add_graph_option(p)
    p.add_argument("--output", "-o", metavar="DIR", default=DEFAULT_OUTPUT,
                   help=f"folder to write into (default: {DEFAULT_OUTPUT})")
    p.add_argument("--cases", nargs="+", metavar="PATH", default=None,
                   help="case files or folders of them (default: the bundled case library with the bundled "
                   "pathway; with --graph, no cases: the pathway pages only)")
    p.add_argument("--watch", action="store_true",
                   help="build again every time the pathway or a case file is saved (Ctrl-C stops)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.watch:
        graph = Path(args.graph) if getattr(args, "graph", None) else bundled.pathway_file()
        default = [str(DEFAULT_CASES)] if args.graph is None else []
        cases = [Path(p) for p in (args.cases if args.cases is not None else default)]
        return run_watching("site", [graph, *cases], lambda: _once(args))
    return _once(args)


def _once(args: argparse.Namespace) -> int:
    pathway = load_graph(args)
    if args.cases is not None:
        paths = args.cases
    else:  # the bundled case library is written for the bundled pathway only
        paths = [] if args.graph is not None else [str(DEFAULT_CASES)]
    entries, status = collect_cases(pathway, paths) if paths else ([], 0)
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{args.output}: is a file, not a folder")
    refuse_clashes(page_names(entries))
    before = dot_runs()
    files = site_files(pathway, entries)
    old, warning = read_manifest(out)
    if warning:
        output.error(f"vcfgraph: warning: {warning}")
    write_manifest(out, old | set(files))  # a build that stops half-way still knows every file it wrote
    write_files(out, files)
    write_manifest(out, files)
    remove_files(out, old - set(files))
    runs = dot_runs() - before
    output.echo(f"vcfgraph site: {len(files)} files for {len(entries)} case{'s' if len(entries) != 1 else ''} "
                f"in {args.output} ({runs} dot run{'s' if runs != 1 else ''}); open {args.output}/index.html")
    return status
