"""``vcfgraph schema``: the JSON Schema of pathway files or case files, for editors and CI.

Another part of the command (``--output``, the schemas of JSON outputs) may join this one; each
option is independent.
"""

from __future__ import annotations

import argparse
from typing import Any

from vcfgraph.cli import output
from vcfgraph.cli.common import add_command

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    from vcfgraph.schema_json import SCHEMA_KINDS

    p = add_command(
        sub, "schema", "print the JSON Schema of pathway files or case files",
        "Print the JSON Schema (draft 2020-12) of pathway files (--file pathway) or case files "
        "(--file case), generated from the same tables the validator uses. Point an editor at it "
        "with a first line '# yaml-language-server: $schema=PATH' (VS Code's YAML extension then "
        "completes keys and shows their shapes), or validate files in CI with check-jsonschema. "
        "The schema checks structure only: 'vcfgraph check' still checks references and domains.",
    )
    p.add_argument("--file", choices=SCHEMA_KINDS, required=True, help="which kind of input file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from vcfgraph.schema_json import schema_for

    output.echo(output.to_json(schema_for(args.file), indent=2))
    return 0
