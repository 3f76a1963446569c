"""``vcfgraph schema``: print the JSON Schema of a ``--json`` output."""

from __future__ import annotations

import argparse
from typing import Any

from vcfgraph.cli import output
from vcfgraph.cli.common import add_command
from vcfgraph.schemas import OUTPUTS, SCHEMA_VERSION, schema_text

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    p = add_command(
        sub, "schema", "print the JSON Schema of a --json output",
        "Print the JSON Schema (draft 2020-12) that describes one of the JSON outputs; every such "
        f"output carries \"schema_version\": {SCHEMA_VERSION}. Outputs: "
        + "; ".join(f"{name}: {what}" for name, what in OUTPUTS.items()) + ".",
    )
    p.add_argument("--output", required=True, choices=sorted(OUTPUTS), metavar="NAME",
                   help="which output: " + ", ".join(sorted(OUTPUTS)))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    output.write(schema_text(args.output))
    return 0
