"""``vcfgraph check``: verify a pathway over the whole case space and report every finding.

The printed report is kept in the cache (:mod:`vcfgraph.io.cache`: signed plain JSON) under a key
made of the file's bytes (read once, and checked from those very bytes), the package, the format
and the file name shown; a run with the same key prints the kept text instead of checking again,
so warm and cold output are the same bytes. ``--witness-dir`` always checks anew (it writes files
from the report), and ``--watch`` looks the key up on every save. The checking itself is left to
:mod:`vcfgraph.analysis`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vcfgraph import __version__
from vcfgraph.analysis.check_report import report_github, report_sarif, report_text, report_to_dict, witness_files
from vcfgraph.analysis.checker import verify
from vcfgraph.cli import output
from vcfgraph.cli.common import add_command, add_graph_option, display_path
from vcfgraph.cli.watching import run_watching
from vcfgraph.errors import UsageError
from vcfgraph.io.cache import CachedReport, TreeCache, report_key
from vcfgraph.io.load import DEFAULT_GRAPH
from vcfgraph.io.pathway import build_pathway
from vcfgraph.io.source import read_bytes, tree_of

__all__ = ["register", "run", "wants_json", "display_path"]


def register(sub: Any) -> None:
    p = add_command(
        sub, "check",
        "Check a pathway over every possible case (each fact any value of its domain, or not known): "
        "unreachable nodes, dead ends, cycles, variants without ratings, unused facts, unrated actions; "
        "per question the gaps (no answer holds) and overlaps (two hold), each with an example case; "
        "every path from the entry with a witness case, and paths no case can follow; where a "
        "missing fact stops the walk; and the safety properties declared in the file, proven or "
        "refuted with a minimal counterexample. Finding codes are listed in docs/checks.md.",
    )
    p.add_argument("graph_file", nargs="?", metavar="GRAPH", default=None,
                   help="pathway file, shorthand for --graph GRAPH")
    add_graph_option(p)
    p.add_argument("--format", choices=("text", "json", "sarif", "github"), default=None,
                   help="text (default), json (one object), sarif (SARIF 2.1.0, for code scanning) or "
                   "github (::error file=...,line=...:: workflow commands, shown as annotations)")
    p.add_argument("--json", action="store_true", help="the same as --format json")
    p.add_argument("--witness-dir", metavar="DIR", default=None,
                   help="write one ready-to-run case file per path (with its expected outcome) into DIR")
    p.add_argument("--watch", action="store_true", help="check again every time the file is saved (Ctrl-C stops)")
    p.set_defaults(func=run)


def wants_json(args: argparse.Namespace) -> bool:
    """JSON on standard output was asked for, by ``--json`` or ``--format json``: an input error
    is then given as a JSON object too."""
    return bool(args.json) or args.format == "json"


def run(args: argparse.Namespace) -> int:
    if args.watch:
        target = args.graph_file or args.graph
        return run_watching("check", [Path(target) if target else DEFAULT_GRAPH], lambda: _once(args))
    return _once(args)


def _once(args: argparse.Namespace) -> int:
    if args.json and args.format not in (None, "json"):
        raise UsageError(f"check: --json and --format {args.format} ask for two formats; give one")
    fmt = "json" if args.json else args.format or "text"
    if args.graph_file is not None:
        if args.graph is not None and args.graph != args.graph_file:
            raise UsageError(f"check: give the pathway once, as GRAPH or as --graph (got '{args.graph_file}' "
                             f"and '{args.graph}')")
        args.graph = args.graph_file
    path = Path(args.graph) if args.graph is not None else DEFAULT_GRAPH
    shown = display_path(args.graph)
    data = read_bytes(path)
    store = None if args.witness_dir else TreeCache.open()
    key = _key(data, fmt, shown) if store is not None else None
    kept = store.get_report(key) if store is not None and key is not None else None
    if kept is None:
        kept = _checked(args, data, str(path), shown, fmt)
        if store is not None and key is not None:
            store.put_report(key, kept)
    (output.echo if kept.newline else output.write)(kept.text)
    return kept.exit_code


def _key(data: bytes, fmt: str, shown: str) -> bytes | None:
    """The report's cache key, or None (no cache) when the package's files cannot be read."""
    try:
        return report_key("check", [data], {"format": fmt, "file": shown})
    except OSError:
        return None


def _checked(args: argparse.Namespace, data: bytes, name: str, shown: str, fmt: str) -> CachedReport:
    """Check the pathway of these bytes; the report as it is to be printed."""
    pathway = build_pathway(tree_of(data, name, cache=True), name)
    report = verify(pathway, shown)
    if args.witness_dir:
        _write(Path(args.witness_dir), witness_files(report, pathway))
    if fmt == "json":
        return CachedReport(output.to_json(report_to_dict(report), indent=2), True, report.exit_code)
    if fmt == "sarif":
        return CachedReport(output.to_json(report_sarif(report, __version__), indent=2), True, report.exit_code)
    if fmt == "github":
        return CachedReport(report_github(report), False, report.exit_code)
    return CachedReport(report_text(report), False, report.exit_code)


def _write(folder: Path, files: dict[str, str]) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{folder}: cannot create the folder for witness files ({exc.strerror or exc})") from None
    for name, text in files.items():
        try:
            (folder / name).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{folder / name}: cannot write the witness file ({exc.strerror or exc})") from None
