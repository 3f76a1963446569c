"""The command line: the only layer that reads argv, prints, writes files, runs ``dot`` or exits.

Each command lives in its own module of this package with ``register(subparsers)``; the
library functions it calls raise :class:`~vcfgraph.errors.VcfgraphError`, which :func:`main`
turns into one clear message on stderr and an exit code. Everything shown on the terminal,
argparse's own messages included, goes through :mod:`vcfgraph.cli.output`, which escapes
terminal controls and turns a failed write into an exit-2 message. Command modules import heavy
libraries inside their run functions, so ``vcfgraph trace`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any, Sequence

from vcfgraph.cli import output
from vcfgraph.errors import VcfgraphError

__all__ = ["main", "build_parser", "COMMANDS", "EXIT_CODES"]

#: command modules, in the order ``--help`` lists them
COMMANDS = ("trace", "ask", "lookup", "check", "coverage", "diff", "render", "site", "batch", "schema", "new", "fmt")

EXIT_CODES = """\
exit codes:
  0  success (every case traced and matched its expectations; no error-level finding)
  1  findings or route problems: a case did not match its expected outcome, two answers of a
     question both held, no answer held, an error-level check finding, coverage under --fail-under
  2  usage or input error: bad option, missing file, invalid pathway or case (file:line:col)
"""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose help and error messages go through :mod:`vcfgraph.cli.output`
    (an option value typed with terminal controls is shown escaped)."""

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            output.write(message, err=file is not None and file is not sys.stdout)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available command registered."""
    parser = _Parser(
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
    """Run the command line; returns the exit code instead of exiting.

    Output that cannot be written (``> /dev/full``) is an error with exit code 2, reported on
    stderr; a closed pipe (``| head``) ends the command quietly.
    """
    try:
        code = _run(argv)
    except BrokenPipeError:
        code = 0
    except VcfgraphError as exc:  # an output error while reporting a usage error
        output.error(f"vcfgraph: error: {exc}")
        code = exc.exit_code
    return output.finish(code)


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except VcfgraphError as exc:
        output.error(f"vcfgraph: error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        output.error("vcfgraph: interrupted")
        return 130
