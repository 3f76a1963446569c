"""``vcfgraph render``: the pathway, or cases' routes on it, as SVG, PDF, PNG, DOT or HTML.

The pathway is laid out once; each case's route is drawn on that layout, so node positions are
the same in every case diagram of a teaching deck. ``dot`` runs once for the shared layout
whatever the number of cases (a route is a restyling of that SVG), and once more per case for its
compact route-only view for slides. PNG is those same SVG files drawn by Chromium
(:mod:`vcfgraph.cli.raster`), all in one browser. PDF is vector output that ``dot`` writes fast,
so each case's diagram is a ``dot`` run of a DOT that differs from the base only in colours
(laid out identically; the tests check the coordinates), with the dates fixed. Two cases that would write the same file name
stop the run before anything is drawn. Also holds what ``vcfgraph site`` shares with this
command: reading case paths and tracing.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Mapping, Sequence

from vcfgraph.cli import output
from vcfgraph.cli.common import add_command, add_graph_option, case_files, load_graph
from vcfgraph.cli.files import refuse_clashes, write_files
from vcfgraph.cli.graphviz_run import dot_runs, run_dot, run_dots
from vcfgraph.cli.raster import Picture, rasterise
from vcfgraph.engine import check_expected, trace
from vcfgraph.errors import CaseError, RouteError, UsageError
from vcfgraph.io.imaging import load_imaging
from vcfgraph.io.load import load_cases
from vcfgraph.model import Pathway
from vcfgraph.render import dot, route_view, svg
from vcfgraph.render.site import CaseRender, build_site, case_svg, case_title, page_names, pathway_svg

__all__ = ["register", "run", "collect_cases", "write_files", "case_files", "planned_names"]

FORMATS = ("svg", "pdf", "png", "dot", "html")


def register(sub: Any) -> None:
    p = add_command(
        sub, "render",
        "Draw the pathway as a flowchart: questions (diamonds), variants with their rating tables "
        "(category as colour, icon and words; confidence marks; dashed when not confirmed), "
        "hand-offs, rated actions, and a legend. With --case, draw each case's route on the same "
        "layout (route emphasised, the rest faded) as CASE.FORMAT, and a compact route-only view "
        "for slides as CASE-route.FORMAT. --format html writes case pages with the index and "
        "pathway pages they link to. File names are the case ids; an id that is not a plain lowercase "
        "file name (letters, digits, '.', '_', '-') gets its safe characters and a short hash. PNG is drawn "
        "by Chromium (apt-get install chromium; pip install 'vcfgraph[raster]').",
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
    entries: list[CaseRender] = []
    status = 0
    seen: dict[str, str] = {}
    for path in case_files(paths):
        try:
            cases = load_cases(pathway, path)
        except CaseError as exc:
            output.error(f"vcfgraph: error: {exc}")
            status = 2
            continue
        for case in cases:
            if case.id in seen:
                raise UsageError(f"{path}: case id '{case.id}' is already used in {seen[case.id]}")
            seen[case.id] = str(path)
            try:
                route = trace(pathway, case)
            except RouteError as exc:
                output.error(f"vcfgraph: error: case '{case.id}': {exc}")
                status = max(status, exc.exit_code)
                continue
            problems = tuple(check_expected(route, case)) if case.expected else None
            if problems:
                output.error(f"vcfgraph: case '{case.id}' does not match its expectations: {'; '.join(problems)}")
                status = max(status, 1)
            entries.append(CaseRender(case, route, problems))
    return entries, status


def planned_names(entries: Sequence[Any], fmt: str) -> list[tuple[str, str]]:
    """Every file a render writes, with who writes it, before anything is drawn.

    Returns:
        (file name, writer) pairs: ``pathway.<fmt>`` (for SVG and DOT always, for PNG and PDF
        when no case is given), ``<slug>.<fmt>`` and ``<slug>-route.<fmt>`` per case; for HTML
        the site's pages.
    """
    if fmt == "html":
        return page_names(entries)
    names = [] if entries and fmt in ("png", "pdf") else [(f"pathway.{fmt}", "the pathway diagram")]
    for e in entries:
        names += [(f"{e.slug}.{fmt}", f"case '{e.case.id}'"), (f"{e.slug}-route.{fmt}", f"case '{e.case.id}'")]
    return names


def _svg_files(pathway: Pathway, entries: Sequence[Any], *, with_pathway: bool) -> list[Any]:
    """The SVG diagrams as :class:`~vcfgraph.cli.raster.Picture` (name without extension)."""
    titles = [case_title(e.case) for e in entries]
    # the shared layout and every route view, laid out on all cores at once
    layout, *views = run_dots([dot.pathway_dot(pathway)] + [route_view.route_only_dot(pathway, e.route, title)
                                                           for e, title in zip(entries, titles)], "svg")
    out = [Picture("pathway", pathway_svg(pathway, layout), pathway.meta.title)] if with_pathway else []
    for e, title, data in zip(entries, titles, views):
        out.append(Picture(e.slug, case_svg(pathway, e, layout), title))
        out.append(Picture(f"{e.slug}-route", svg.standalone(svg.restyle(data, pathway), title=title), title))
    return out


def _diagrams(pathway: Pathway, entries: Sequence[Any], fmt: str) -> dict[str, str | bytes]:
    if fmt in ("dot", "pdf"):
        texts: dict[str, str] = {} if entries and fmt == "pdf" else {f"pathway.{fmt}": dot.pathway_dot(pathway)}
        for e in entries:
            texts[f"{e.slug}.{fmt}"] = dot.route_dot(pathway, e.route)
            texts[f"{e.slug}-route.{fmt}"] = route_view.route_only_dot(pathway, e.route, case_title(e.case))
        if fmt == "dot":
            return dict(texts)
        return dict(zip(texts, run_dots(list(texts.values()), "pdf")))  # on all cores at once
    pictures = _svg_files(pathway, entries, with_pathway=fmt == "svg" or not entries)
    if fmt == "svg":
        return {f"{p.name}.svg": p.svg for p in pictures}
    return {f"{name}.{fmt}": data for name, data in rasterise(pictures, fmt).items()}


def site_files(pathway: Pathway, entries: Sequence[Any]) -> dict[str, str]:
    """Every page of the site: one ``dot`` run, for the layout every page shares."""
    return build_site(pathway, run_dot(dot.pathway_dot(pathway), "svg"), entries, load_imaging(pathway))


def run(args: argparse.Namespace) -> int:
    pathway = load_graph(args)
    entries, status = collect_cases(pathway, args.case) if args.case else ([], 0)
    if args.case and not entries and status == 0:
        raise UsageError("the case files given hold no case")
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{args.output}: is a file, not a folder")
    refuse_clashes(planned_names(entries, args.format))
    before = dot_runs()
    if args.format == "html":
        files: Mapping[str, str | bytes] = site_files(pathway, entries)
    else:
        files = _diagrams(pathway, entries, args.format)
    write_files(out, files)
    runs = dot_runs() - before
    output.echo(f"vcfgraph render: wrote {len(files)} file{'s' if len(files) != 1 else ''} to {args.output} "
                f"({runs} dot run{'s' if runs != 1 else ''})")
    return status
