"""``vcfgraph ask``: an interactive walk that asks only the questions the route needs."""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable

from vcfgraph.cli.common import add_command, add_graph_option, load_graph, parse_fact_options
from vcfgraph.engine import trace
from vcfgraph.errors import CaseError
from vcfgraph.load import parse_fact_value
from vcfgraph.model import Case, Pathway
from vcfgraph.route import Route
from vcfgraph.report import route_text


def register(sub: Any) -> None:
    p = add_command(
        sub, "ask", "answer the pathway's questions one at a time in the terminal",
        "Walk the pathway interactively: only the facts the route needs are asked, in order, with "
        "their wording, help and allowed values. Answer 'unknown' (or press Enter) when a fact is "
        "not known; the walk then ends with need_info. Ends with the same report as 'trace'.",
    )
    add_graph_option(p)
    p.add_argument("--fact", "-f", action="append", metavar="NAME=VALUE", help="facts already known (repeatable)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    pathway = load_graph(args)
    facts = {f.name: None for f in pathway.facts}
    facts.update(parse_fact_options(pathway, args.fact))
    route = interview(pathway, facts, _prompt)
    sys.stdout.write("\n" + route_text(route, pathway))
    return 0


def _prompt(text: str) -> str | None:
    try:
        return input(text)
    except EOFError:
        return None


def interview(pathway: Pathway, facts: dict[str, Any], ask: Callable[[str], str | None]) -> Route:
    """Ask for missing facts until the route ends or the person does not know.

    Args:
        pathway: the pathway to walk.
        facts: the facts known so far (changed in place).
        ask: shows a prompt and returns the answer, or None at end of input.

    Returns:
        The final route.
    """
    asked: set[str] = set()
    while True:
        route = trace(pathway, Case("interactive", facts))
        pending = [m for m in route.missing if m.fact not in asked]
        if route.outcome != "need_info" or not pending:
            return route
        need = pending[0]
        print(f"\n{need.question}")
        if need.help:
            print(f"  {need.help}")
        print(f"  ({need.allowed}; 'unknown' if not known)")
        while True:
            answer = ask(f"{need.fact}> ")
            if answer is None:
                return route
            try:
                facts[need.fact] = parse_fact_value(pathway.fact(need.fact), answer)
                break
            except CaseError as exc:
                print(f"  {exc}")
        asked.add(need.fact)
