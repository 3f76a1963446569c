"""``vcfgraph fmt``: rewrite pathway and case files in canonical form (comments kept)."""

from __future__ import annotations

import argparse
from typing import Any

from vcfgraph.cli import output
from vcfgraph.cli.common import add_command
from vcfgraph.errors import UsageError
from vcfgraph.io import fmt
from vcfgraph.io.fmt import DEFAULT_WIDTH
from vcfgraph.io.source import decode

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    p = add_command(
        sub, "fmt",
        "Rewrite each FILE in canonical form: known keys in the order of the format's sections "
        "(docs/pathway-format.md), two-space indentation, a flow mapping or list on one line when it fits "
        "the width and holds no comment (block style otherwise). Scalars, anchors and comments are kept as "
        "written. The result is read back first: unless it means exactly what the file meant, with the same "
        "comments, the file is refused (exit 2) and left as it is. The file is replaced in one step (a "
        "temporary file renamed over it), never while another program has just saved it. Formatting a "
        "formatted file changes nothing. With --check, nothing is written: the files that would "
        "change are listed and the exit code is 1.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="pathway or case files")
    p.add_argument("--check", action="store_true", help="only report the files that are not in canonical form")
    p.add_argument("--width", type=int, default=DEFAULT_WIDTH, metavar="N",
                   help=f"the width a flow mapping or list must fit to stay on one line (default {DEFAULT_WIDTH})")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.width < 40:
        raise UsageError(f"--width {args.width} is too narrow; give 40 or more")
    changed = []
    for name in args.files:
        original = fmt.read_original(name)
        text = decode(original.data, name)
        new = fmt.format_text(text, name, args.width)
        if new == text:
            continue
        changed.append(name)
        if not args.check:
            fmt.replace_file(original, new.encode("utf-8"))
    verb = "would reformat" if args.check else "reformatted"
    for name in changed:
        output.echo(f"vcfgraph fmt: {verb} {name}")
    output.echo(f"vcfgraph fmt: {len(changed)} of {len(args.files)} file(s) {verb}")
    return 1 if args.check and changed else 0
