"""``vcfgraph render``: the pathway, or cases' routes on it, as SVG, PDF, PNG, DOT or HTML.

The pathway is laid out once; each case's route is drawn on that layout, so node positions are
the same in every case diagram of a teaching deck. For SVG and HTML, ``dot`` runs once for the
shared layout whatever the number of cases (the route is a restyling of that SVG); with SVG, each
case's compact route-only view for slides is one more small run. PNG and PDF cannot be restyled
after rendering, so
each case's diagram is its own run of a DOT that differs from the base only in colours, which
``dot`` lays out identically (the tests check the coordinates).
Also holds what ``vcfgraph site`` shares with this command: reading case paths, tracing, writing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Mapping, Sequence

from vcfgraph.cli.common import add_command, add_graph_option, case_files, load_graph
from vcfgraph.errors import CaseError, RouteError, UsageError
from vcfgraph.model import Pathway

__all__ = ["register", "run", "collect_cases", "write_files", "case_files"]

FORMATS = ("svg", "pdf", "png", "dot", "html")


def register(sub: Any) -> None:
    p = add_command(
        sub, "render", "draw the pathway, or cases' routes on it (SVG, PDF, PNG, DOT, HTML)",
        "Draw the pathway as a flowchart: questions (diamonds), variants with their rating tables "
        "(category as colour, icon and words; confidence marks; dashed when not confirmed), "
        "hand-offs, rated actions, and a legend. With --case, draw each case's route on the same "
        "layout (route emphasised, the rest faded) as CASE.FORMAT, and a compact route-only view "
        "for slides as CASE-route.FORMAT. --format html writes case pages with the index and "
        "pathway pages they link to. File names are the case ids (unsafe characters replaced).",
    )
    add_graph_option(p)
    p.add_argument("--case", "-c", action="append", metavar="FILE", default=[],
                   help="a case file or a folder of them (repeatable); without it the pathway alone is drawn")
    p.add_argument("--format", "-T", choices=FORMATS, default="svg", help="output format (default: svg)")
    p.add_argument("--output", "-o", metavar="DIR", required=True, help="folder to write into (created if missing)")
    p.set_defaults(func=run)


def collect_cases(pathway: Pathway, paths: Sequence[str]) -> tuple[list[Any], int]:
    """Load and trace every case; report bad files and undecidable cases on stderr.

    Returns:
        The traced cases (:class:`~vcfgraph.render.site.CaseRender`, in file order) and the exit
        status so far: 2 when a case file is invalid, 1 when a case cannot be traced or does not
        match its expectations (its page still says so).

    Raises:
        UsageError: a path does not exist, or two cases share an id.
    """
    from vcfgraph.engine import check_expected, trace
    from vcfgraph.load import load_cases
    from vcfgraph.render.site import CaseRender

    entries: list[CaseRender] = []
    status = 0
    seen: dict[str, str] = {}
    for path in case_files(paths):
        try:
            cases = load_cases(path, pathway)
        except CaseError as exc:
            print(f"vcfgraph: error: {exc}", file=sys.stderr)
            status = 2
            continue
        for case in cases:
            if case.id in seen:
                raise UsageError(f"{path}: case id '{case.id}' is already used in {seen[case.id]}")
            seen[case.id] = str(path)
            try:
                route = trace(pathway, case)
            except RouteError as exc:
                print(f"vcfgraph: error: case '{case.id}': {exc}", file=sys.stderr)
                status = max(status, exc.exit_code)
                continue
            problems = tuple(check_expected(route, case)) if case.expected else None
            if problems:
                print(f"vcfgraph: case '{case.id}' does not match its expectations: {'; '.join(problems)}",
                      file=sys.stderr)
                status = max(status, 1)
            entries.append(CaseRender(case, route, problems))
    return entries, status


def write_files(out_dir: Path, files: Mapping[str, str | bytes]) -> None:
    """Write ``files`` (relative name -> text or bytes) under ``out_dir``.

    Raises:
        UsageError: the folder cannot be created or a file cannot be written.
    """
    try:
        for name, data in sorted(files.items()):
            target = out_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, str):
                target.write_text(data, encoding="utf-8", newline="\n")
            else:
                target.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None


def _diagrams(pathway: Pathway, entries: Sequence[Any], fmt: str) -> dict[str, str | bytes]:
    from vcfgraph.cli.graphviz_run import run_dot
    from vcfgraph.render import dot, route_view
    from vcfgraph.render.site import case_svg, case_title, pathway_svg

    compact = [route_view.route_only_dot(pathway, e.route, case_title(e.case)) for e in entries]
    files: dict[str, str | bytes] = {}
    if fmt == "dot":
        files["pathway.dot"] = dot.pathway_dot(pathway)
        for e, text in zip(entries, compact):
            files[f"{e.slug}.dot"] = dot.route_dot(pathway, e.route)
            files[f"{e.slug}-route.dot"] = text
        return files
    if fmt == "svg":
        layout = run_dot(dot.pathway_dot(pathway), "svg")
        files["pathway.svg"] = pathway_svg(pathway, layout)
        for e in entries:
            files[f"{e.slug}.svg"] = case_svg(pathway, e, layout)
        from vcfgraph.render import svg

        for e, text in zip(entries, compact):
            data = run_dot(text, "svg")
            files[f"{e.slug}-route.svg"] = svg.standalone(svg.restyle(data, pathway), title=case_title(e.case))
        return files
    if not entries:
        files[f"pathway.{fmt}"] = run_dot(dot.pathway_dot(pathway), fmt)
        return files
    for e, text in zip(entries, compact):
        files[f"{e.slug}.{fmt}"] = run_dot(dot.route_dot(pathway, e.route), fmt)
        files[f"{e.slug}-route.{fmt}"] = run_dot(text, fmt)
    return files


def site_files(pathway: Pathway, entries: Sequence[Any]) -> dict[str, str]:
    """Every page of the site: one ``dot`` run, for the layout every page shares."""
    from vcfgraph.cli.graphviz_run import run_dot
    from vcfgraph.render import dot
    from vcfgraph.render.site import build_site

    return build_site(pathway, run_dot(dot.pathway_dot(pathway), "svg"), entries)


def run(args: argparse.Namespace) -> int:
    from vcfgraph.cli.graphviz_run import dot_runs

    pathway = load_graph(args)
    entries, status = collect_cases(pathway, args.case) if args.case else ([], 0)
    if args.case and not entries and status == 0:
        raise UsageError("the case files given hold no case")
    before = dot_runs()
    if args.format == "html":
        files: Mapping[str, str | bytes] = site_files(pathway, entries)
    else:
        files = _diagrams(pathway, entries, args.format)
    out = Path(args.output)
    write_files(out, files)
    print(f"vcfgraph render: wrote {len(files)} file{'s' if len(files) != 1 else ''} to {args.output} "
          f"({dot_runs() - before} dot run{'s' if dot_runs() - before != 1 else ''})")
    return status
