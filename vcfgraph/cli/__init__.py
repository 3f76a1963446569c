"""The command line: the only layer that reads argv, prints, writes files, runs ``dot`` or exits.

Each command lives in its own module of this package with ``register(subparsers)``; the
library functions it calls raise :class:`~vcfgraph.errors.VcfgraphError`, which :func:`main`
turns into one clear message on stderr and an exit code. Command modules import heavy
libraries inside their run functions, so ``vcfgraph trace`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from vcfgraph.errors import VcfgraphError

__all__ = ["main", "build_parser", "COMMANDS", "EXIT_CODES"]

#: command modules, in the order ``--help`` lists them
COMMANDS = ("trace", "ask", "lookup", "check", "coverage", "diff", "render", "site", "batch")

EXIT_CODES = """\
exit codes:
  0  success (every case traced and matched its expectations; no error-level finding)
  1  findings or route problems: a case did not match its expected outcome, two answers of a
     question both held, no answer held, an error-level check finding, coverage under --fail-under
  2  usage or input error: bad option, missing file, invalid pathway or case (file:line:col)
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available command registered."""
    parser = argparse.ArgumentParser(
        prog="vcfgraph",
        description="Model a clinical guideline as an executable, checkable, drawable decision graph. "
        "The bundled pathway is the ACR Appropriateness Criteria topic 'Management of Vertebral "
        "Compression Fractures' (topic 171, revision 2022).",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"vcfgraph.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"vcfgraph.cli.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code instead of exiting."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except VcfgraphError as exc:
        print(f"vcfgraph: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("vcfgraph: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
