"""Options and helpers shared by the commands."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Sequence

from vcfgraph.cli import COMMANDS, EXIT_CODES
from vcfgraph.errors import UsageError, did_you_mean
from vcfgraph.io.load import DEFAULT_GRAPH, load_pathway
from vcfgraph.validate import parse_fact_value
from vcfgraph.model import Pathway
from vcfgraph.conditions import Value

__all__ = ["add_command", "add_graph_option", "load_graph", "parse_fact_options", "case_files", "display_path", "CASE_SUFFIXES"]

CASE_SUFFIXES = (".yaml", ".yml", ".json")


def add_command(sub: Any, name: str, description: str) -> argparse.ArgumentParser:
    """Add the sub-command ``name``, with its one-line help from :data:`vcfgraph.cli.COMMANDS`
    and a help page that ends with the exit codes."""
    return sub.add_parser(
        name, help=COMMANDS[name], description=description, epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def add_graph_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--graph", "-g", metavar="FILE", default=None,
        help=f"pathway file (default: the bundled {DEFAULT_GRAPH.name})",
    )


def load_graph(args: argparse.Namespace) -> Pathway:
    """The pathway named by ``--graph``, or the bundled one."""
    return load_pathway(getattr(args, "graph", None))


def parse_fact_options(pathway: Pathway, items: list[str] | None) -> dict[str, Value]:
    """Read ``--fact name=value`` options, checked against the pathway's facts."""
    out: dict[str, Value] = {}
    for item in items or ():
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--fact needs name=value, got '{item}'")
        if not pathway.has_fact(name):
            names = [f.name for f in pathway.facts]
            raise UsageError(f"--fact: unknown fact '{name}'{did_you_mean(name, names)}")
        out[name] = parse_fact_value(pathway.fact(name), text)
    return out


def case_files(items: Sequence[str], *, allow_empty_folder: bool = True) -> list[Path]:
    """The case files named: files as given, folders as their case files in sorted order.

    Raises:
        UsageError: a name is neither a file nor a folder, or (unless ``allow_empty_folder``)
            a folder holds no case file.
    """
    out: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in CASE_SUFFIXES)
            if not found and not allow_empty_folder:
                raise UsageError(f"{item}: the folder holds no case file (.yaml, .yml or .json)")
            out += found
        elif path.exists():
            out.append(path)
        else:
            raise UsageError(f"{item}: no such file or folder")
    return out


def display_path(path: str | Path | None) -> str:
    """A file name for reports: relative to the current folder when inside it, the bundled
    pathway as ``graphs/<name>``, otherwise as given."""
    if path is None:
        return f"graphs/{DEFAULT_GRAPH.name}"
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        pass
    if p.resolve() == DEFAULT_GRAPH:
        return f"graphs/{DEFAULT_GRAPH.name}"
    return str(path)
