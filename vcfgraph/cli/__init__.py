"""The command line: the only layer that reads argv, prints, writes files, runs ``dot`` or exits.

Each command lives in its own module of this package with ``register(subparsers)``; the
library functions it calls raise :class:`~vcfgraph.errors.VcfgraphError`, which :func:`main`
turns into one clear message on stderr and an exit code. A command module may also define
``JSON_INDENT`` (the indent of the JSON error object ``--json`` prints for an input error: 2
unless set; ``None`` for a command that prints JSON lines) and ``wants_json(args)`` (when JSON
is asked for other than by ``--json``). Everything shown on the terminal,
argparse's own messages included, goes through :mod:`vcfgraph.cli.output`, which escapes
terminal controls and turns a failed write into an exit-2 message. Command modules import heavy
libraries inside their run functions, so ``vcfgraph trace`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from types import ModuleType
from typing import Any, NoReturn, Sequence

from vcfgraph.cli import output
from vcfgraph.errors import UsageError, VcfgraphError

__all__ = ["main", "build_parser", "version_text", "COMMANDS", "EXIT_CODES"]

#: command modules, in the order ``--help`` lists them
COMMANDS = ("trace", "ask", "lookup", "check", "coverage", "diff", "render", "site", "batch", "export", "serve", "schema", "new", "fmt")

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

    def error(self, message: str) -> NoReturn:
        """Usage, then ``prog: error: message`` on stderr, as argparse does, raised as a
        :class:`UsageError` so that :func:`main` can also give it as JSON under ``--json``."""
        output.write(self.format_usage(), err=True)
        raise _ArgumentError(self.prog, message)


class _ArgumentError(UsageError):
    """A bad command line, as argparse words it; ``prog`` names the (sub)command."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog = prog


def version_text() -> str:
    """``vcfgraph X.Y.Z`` and the bundled pathway's id, version and review date."""
    from vcfgraph import __version__
    from vcfgraph.io.load import load_pathway

    meta = load_pathway().meta
    return (f"vcfgraph {__version__}\n"
            f"bundled pathway: {meta.id} version {meta.version or 'not given'}, "
            f"reviewed {meta.reviewed or 'not given'} ({meta.title})\n")


class _VersionAction(argparse.Action):
    """``--version``: print :func:`version_text` and stop with exit code 0."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        output.write(version_text())
        parser.exit(0)


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
    parser.add_argument("--version", action=_VersionAction,
                        help="print the package version and the bundled pathway's id, version and review date")
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


def _module(command: str) -> ModuleType:
    """The module of a command."""
    return importlib.import_module(f"vcfgraph.cli.{command}")


def _print_json_error(command: str | None, exc: VcfgraphError, code: int) -> None:
    """The error as the JSON object ``--json`` promises on standard output, indented as the
    command's own JSON output is (``JSON_INDENT`` of its module; 2 by default)."""
    from vcfgraph.schemas import error_object

    indent = getattr(_module(command), "JSON_INDENT", 2) if command else 2
    output.echo(output.to_json(error_object(exc, code), indent=indent))


def _wants_json(command: str, args: argparse.Namespace) -> bool:
    """The command was asked for JSON on standard output: ``--json``, or what the command's
    module's ``wants_json`` says (``check --format json``)."""
    wants = getattr(_module(command), "wants_json", None)
    return bool(wants(args)) if wants is not None else bool(getattr(args, "json", False))


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(words)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    except _ArgumentError as exc:
        if "--json" in words:
            _print_json_error(next((w for w in words if w in COMMANDS), None), exc, 2)
        output.error(f"{exc.prog}: error: {exc}")
        return 2
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except VcfgraphError as exc:
        if exc.exit_code == 2 and _wants_json(args.command, args):
            _print_json_error(args.command, exc, exc.exit_code)
        output.error(f"vcfgraph: error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        output.error("vcfgraph: interrupted")
        return 130
