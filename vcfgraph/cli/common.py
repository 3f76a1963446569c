"""Options and helpers shared by the commands."""

from __future__ import annotations

import argparse
from typing import Any

from vcfgraph.cli import EXIT_CODES
from vcfgraph.errors import UsageError, did_you_mean
from vcfgraph.load import DEFAULT_GRAPH, load_pathway, parse_fact_value
from vcfgraph.model import Pathway
from vcfgraph.conditions import Value

__all__ = ["add_command", "add_graph_option", "load_graph", "parse_fact_options"]


def add_command(sub: Any, name: str, help: str, description: str) -> argparse.ArgumentParser:
    """Add a sub-command whose help ends with the exit codes."""
    return sub.add_parser(
        name, help=help, description=description, epilog=EXIT_CODES,
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
