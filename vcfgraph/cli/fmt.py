"""``vcfgraph fmt``: rewrite pathway and case files in canonical form (comments kept)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vcfgraph.cli import output
from vcfgraph.cli.common import add_command
from vcfgraph.errors import UsageError
from vcfgraph.io.fmt import DEFAULT_WIDTH, format_text

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    p = add_command(
        sub, "fmt",
        "Rewrite each FILE in canonical form: known keys in the order of the format's sections "
        "(docs/pathway-format.md), two-space indentation, long lines wrapped at the width where "
        "YAML can break them (a long word, URL or comment stays whole), no trailing spaces. Comments, quoting "
        "and flow or block style are kept, and the file means exactly what it meant. Formatting a "
        "formatted file changes nothing. With --check, nothing is written: the files that would "
        "change are listed and the exit code is 1.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="pathway or case files")
    p.add_argument("--check", action="store_true", help="only report the files that are not in canonical form")
    p.add_argument("--width", type=int, default=DEFAULT_WIDTH, metavar="N",
                   help=f"the line width to wrap at (default {DEFAULT_WIDTH})")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.width < 40:
        raise UsageError(f"--width {args.width} is too narrow; give 40 or more")
    changed = []
    for name in args.files:
        path = Path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{name}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
        new = format_text(text, name, args.width)
        if new == text:
            continue
        changed.append(name)
        if not args.check:
            try:
                path.write_text(new, encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"{name}: cannot write ({exc.strerror or exc})") from None
    verb = "would reformat" if args.check else "reformatted"
    for name in changed:
        output.echo(f"vcfgraph fmt: {verb} {name}")
    output.echo(f"vcfgraph fmt: {len(changed)} of {len(args.files)} file(s) {verb}")
    return 1 if args.check and changed else 0
