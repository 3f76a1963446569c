"""``vcfgraph ask``: an interactive walk that asks only the questions the route needs.

Answers are read as UTF-8; bytes that are not valid UTF-8 (a terminal set to another encoding, a
pasted binary) give a message and the question again, never a traceback.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any, Callable

from vcfgraph.cli import output
from vcfgraph.cli.common import add_command, add_graph_option, load_graph, parse_fact_options
from vcfgraph.cli.files import write_files
from vcfgraph.conditions import Value
from vcfgraph.engine import trace
from vcfgraph.errors import CaseError
from vcfgraph.export.common import DEFAULT_BASE, to_json
from vcfgraph.export.response import response
from vcfgraph.validate import parse_fact_value
from vcfgraph.model import Case, Pathway
from vcfgraph.route import NeededFact, Route
from vcfgraph.whatif import questions_ranked
from vcfgraph.report import route_text


def register(sub: Any) -> None:
    p = add_command(
        sub, "ask",
        "Walk the pathway interactively: only the facts the route needs are asked, the best question "
        "first (the one whose answer rules out most of the outcomes still possible), with "
        "their wording, help and allowed values. Answer 'unknown' (or press Enter) when a fact is "
        "not known; the walk then ends with need_info. Ends with the same report as 'trace'.",
    )
    add_graph_option(p)
    p.add_argument("--fact", "-f", action="append", metavar="NAME=VALUE", help="facts already known (repeatable)")
    p.add_argument("--fhir", metavar="FILE", default=None,
                   help="also write the answers as a FHIR QuestionnaireResponse to FILE (a case for trace and batch)")
    p.set_defaults(func=run)


#: what undecodable input bytes become once standard input reads with ``surrogateescape``
_UNDECODABLE = re.compile("[\udc80-\udcff]")
NOT_UTF8 = "  that answer is not valid UTF-8 text; type it again ('unknown' if not known)"


def run(args: argparse.Namespace) -> int:
    _decode_leniently()
    pathway = load_graph(args)
    facts: dict[str, Value] = {f.name: None for f in pathway.facts}
    facts.update(parse_fact_options(pathway, args.fact))
    asked: list[str] = []

    def ask(text: str) -> str | None:
        asked.append(text.removesuffix("> "))
        return _prompt(text)

    route = interview(pathway, facts, ask)
    output.write("\n" + route_text(route, pathway))
    if args.fhir:
        _write_response(pathway, facts, asked, args.fhir, "in-progress" if route.outcome == "need_info" else "completed")
    return 0


def _write_response(pathway: Pathway, facts: dict[str, Any], asked: list[str], path: str, status: str) -> None:
    """Write the answers as a QuestionnaireResponse (``in-progress`` while the walk needs more
    facts); facts asked and left unknown say so."""
    unknown = [name for name in asked if facts.get(name) is None]
    target = Path(path)
    write_files(target.parent, {target.name: to_json(response(pathway, "interactive", facts, DEFAULT_BASE, unknown, status))})
    output.echo(f"vcfgraph ask: answers written to {path} (a QuestionnaireResponse)")


def _decode_leniently() -> None:
    """Let standard input keep bytes that are not UTF-8 (as lone surrogates) instead of raising."""
    reconfigure = getattr(sys.stdin, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors="surrogateescape")
        except (OSError, ValueError):
            pass


def _prompt(text: str) -> str | None:
    return output.prompt(text)


def _best(pathway: Pathway, facts: dict[str, Any], pending: list[NeededFact]) -> NeededFact:
    """The needed fact whose answer rules out most still-possible outcomes (``questions_ranked``);
    the engine's order (cheapest source first) breaks ties and covers facts that rule out none."""
    rank = {q.fact: i for i, q in enumerate(questions_ranked(pathway, facts))}
    return min(pending, key=lambda m: (rank.get(m.fact, len(rank)), pending.index(m)))


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
        need = _best(pathway, facts, pending)
        output.echo(f"\n{need.question}")
        if need.help:
            output.echo(f"  {need.help}")
        output.echo(f"  ({need.allowed}; 'unknown' if not known)")
        while True:
            answer = ask(f"{need.fact}> ")
            if answer is None:
                return route
            if _UNDECODABLE.search(answer):
                output.echo(NOT_UTF8)
                continue
            try:
                facts[need.fact] = parse_fact_value(pathway.fact(need.fact), answer)
                break
            except CaseError as exc:
                output.echo(f"  {exc}")
        asked.add(need.fact)
