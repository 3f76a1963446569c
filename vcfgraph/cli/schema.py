"""``vcfgraph schema``: the JSON Schema of a ``--json`` output, or of pathway or case files.

``--output NAME`` describes what a command prints with ``--json``; ``--file pathway|case``
describes the files authors write, for editors and CI. Give one of the two. ``--file case
--graph FILE`` describes the case files of one pathway: its facts with their domains, so an
editor catches ``age_months: ten``.
"""

from __future__ import annotations

import argparse
from typing import Any

from vcfgraph.cli import output
from vcfgraph.cli.common import add_command
from vcfgraph.errors import UsageError
from vcfgraph.io.load import load_pathway
from vcfgraph.io.jsonschema import SCHEMA_KINDS, schema_for
from vcfgraph.schemas import OUTPUTS, SCHEMA_VERSION, schema_text

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    p = add_command(
        sub, "schema",
        "Print a JSON Schema (draft 2020-12). With --output NAME: the schema of one of the JSON "
        f"outputs; every such output carries \"schema_version\": {SCHEMA_VERSION}. Outputs: "
        + "; ".join(f"{name}: {what}" for name, what in OUTPUTS.items()) + ". "
        "With --file pathway|case: the schema of pathway files or case files, generated from the "
        "same tables the validator uses. Point an editor at it with a first line "
        "'# yaml-language-server: $schema=PATH' (VS Code's YAML extension then completes keys and "
        "shows their shapes), or validate files in CI with check-jsonschema. The file schema checks "
        "structure only: 'vcfgraph check' still checks references and domains. With --file case "
        "--graph FILE: the case files of that pathway, with its facts and their domains (an enum's "
        "words, true/false, an int's range), its scale's category keys and its ids.",
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--output", choices=sorted(OUTPUTS), metavar="NAME",
                       help="a --json output: " + ", ".join(sorted(OUTPUTS)))
    which.add_argument("--file", choices=SCHEMA_KINDS, help="a kind of input file")
    p.add_argument("--graph", "-g", metavar="FILE", default=None,
                   help="with --file case: the pathway whose case files the schema describes")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.graph is not None and args.file != "case":
        raise UsageError("--graph goes with --file case (the case files of that pathway)")
    if args.output:
        output.write(schema_text(args.output))
        return 0
    pathway = load_pathway(args.graph) if args.graph is not None else None
    output.echo(output.to_json(schema_for(args.file, pathway), indent=2))
    return 0
