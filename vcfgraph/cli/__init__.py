"""The command line: the only layer that reads argv, prints, writes files, runs ``dot`` or exits.

Each command lives in its own module of this package, ``vcfgraph.cli.<command>``, listed with its
one-line help in :data:`COMMANDS`. Only the module of the command that runs is imported (the
lazy-group pattern of click): ``vcfgraph --help`` lists every command from the table alone, and
``vcfgraph trace`` loads neither Graphviz helpers nor the batch engine. So command modules import
what they use at their top; only an optional extra (uvicorn and starlette for ``serve``,
playwright for PNG, watchfiles for ``--watch``, Dask for ``batch --engine dask``) is imported
where it is used, so that its absence is a clear message.

A command module defines ``register(subparsers)``, which adds its parser (through
:func:`vcfgraph.cli.common.add_command`) with ``func`` set to the function that runs it. It may
also define ``JSON_INDENT`` (the indent of the JSON error object ``--json`` prints for an input
error: 2 unless set; ``None`` for a command that prints JSON lines) and ``wants_json(args)``
(when JSON is asked for other than by ``--json``).

The library functions a command calls raise :class:`~vcfgraph.errors.VcfgraphError`, which
:func:`main` turns into one clear message on stderr and an exit code. Everything shown on the
terminal, argparse's own usage, help and error messages included, goes through
:mod:`vcfgraph.cli.output`, which escapes terminal controls (an option value or command name
typed with them is shown escaped) and turns a failed write into an exit-2 message.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from types import ModuleType
from typing import Any, Iterable, NoReturn, Sequence

from vcfgraph import __version__
from vcfgraph.cli import output
from vcfgraph.errors import UsageError, VcfgraphError
from vcfgraph.io.load import load_pathway
from vcfgraph.schemas import error_object

__all__ = ["main", "build_parser", "version_text", "COMMANDS", "EXIT_CODES"]

#: every command, in the order ``--help`` lists them, with its one-line help; the module
#: ``vcfgraph.cli.<command>`` is imported only when that command runs or its help is asked for
COMMANDS: dict[str, str] = {
    "trace": "walk cases through the pathway and explain each step",
    "ask": "answer the pathway's questions one at a time in the terminal",
    "lookup": "find variants and actions by id or words; show how an action is rated",
    "dose": "a cumulative typical adult dose range for a list of imaging studies",
    "check": "verify a pathway: structure, gaps, overlaps, paths, safety properties",
    "coverage": "node, answer, rating and check-state coverage of a case suite",
    "diff": "what a pathway revision changes, with a witness case per change",
    "render": "draw the pathway, or cases' routes on it (SVG, PDF, PNG, DOT, HTML)",
    "site": "build the static teaching site (index, pathway page, a page per case)",
    "batch": "trace a file of cases in bulk (CSV, JSON Lines, Parquet) and audit the care given",
    "export": "write the pathway as FHIR, Mermaid or node-link JSON",
    "serve": "run the CDS Hooks service that rates imaging orders",
    "feedback": "report what clinicians did with the service's cards (shown, accepted, overridden, why)",
    "schema": "print the JSON Schema of a --json output, or of pathway or case files",
    "new": "scaffold a new pathway folder with one case and a README",
    "fmt": "rewrite pathway and case files in canonical form, keeping comments",
}

EXIT_CODES = """\
exit codes:
  0  success (every case traced and matched its expectations; no error-level finding)
  1  findings or route problems: a case did not match its expected outcome, two answers of a
     question both held, no answer held, an error-level check finding, coverage under --fail-under
  2  usage or input error: bad option, missing file, invalid pathway or case (file:line:col)
"""


class _Parser(argparse.ArgumentParser):
    """An argument parser that shows its usage, help and messages through
    :mod:`vcfgraph.cli.output` (so a value typed with terminal controls is shown escaped), and
    raises its errors as :class:`UsageError`. Only argparse's public methods are overridden;
    every sub-command's parser is of this class too."""

    def print_usage(self, file: Any = None) -> None:
        _show(self.format_usage(), file)

    def print_help(self, file: Any = None) -> None:
        _show(self.format_help(), file)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            output.write(message, err=True)
        sys.exit(status)

    def error(self, message: str) -> NoReturn:
        """Usage, then ``prog: error: message`` on stderr, as argparse does, raised as a
        :class:`UsageError` so that :func:`main` can also give it as JSON under ``--json``."""
        output.write(self.format_usage(), err=True)
        raise _ArgumentError(self.prog, message)


def _show(text: str, file: Any) -> None:
    """Write argparse's text to the stream it names (standard output when none)."""
    output.write(text, err=file is not None and file is not sys.stdout)


class _ArgumentError(UsageError):
    """A bad command line, as argparse words it; ``prog`` names the (sub)command."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog = prog


def version_text() -> str:
    """``vcfgraph X.Y.Z`` and the bundled pathway's id, version and review date."""
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


def _module(command: str) -> ModuleType:
    """The module of a command of :data:`COMMANDS`, imported on first use."""
    return importlib.import_module(f"vcfgraph.cli.{command}")


def build_parser(commands: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser, listing every command of :data:`COMMANDS`.

    Args:
        commands: the commands whose modules are imported and whose options are registered
            (default: all of them). The others are listed by name and one-line help only, which
            is all ``vcfgraph --help`` shows.
    """
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
    full = set(COMMANDS if commands is None else commands)
    for name, help in COMMANDS.items():
        if name in full:
            _module(name).register(sub)
        else:  # listed only; never parses, since main builds the command it is given in full
            sub.add_parser(name, help=help)
    return parser


def _chosen(words: Sequence[str]) -> str | None:
    """The command of a command line: the first word that names one. The top-level options
    take no value, so argparse picks this same word, or stops at an earlier word that names no
    command ('invalid choice')."""
    return next((w for w in words if w in COMMANDS), None)


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


def _print_json_error(command: str | None, exc: VcfgraphError, code: int) -> None:
    """The error as the JSON object ``--json`` promises on standard output, indented as the
    command's own JSON output is (``JSON_INDENT`` of its module; 2 by default)."""
    indent = getattr(_module(command), "JSON_INDENT", 2) if command else 2
    output.echo(output.to_json(error_object(exc, code), indent=indent))


def _wants_json(command: str, args: argparse.Namespace) -> bool:
    """The command was asked for JSON on standard output: ``--json``, or what the command's
    module's ``wants_json`` says (``check --format json``)."""
    wants = getattr(_module(command), "wants_json", None)
    return bool(wants(args)) if wants is not None else bool(getattr(args, "json", False))


def _run(argv: Sequence[str] | None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    command = _chosen(words)
    parser = build_parser([command] if command else [])
    try:
        args = parser.parse_args(words)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    except _ArgumentError as exc:
        if "--json" in words:
            _print_json_error(command, exc, 2)
        output.error(f"{exc.prog}: error: {exc}")
        return 2
    if not getattr(args, "func", None):
        output.write(parser.format_help(), err=True)
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
