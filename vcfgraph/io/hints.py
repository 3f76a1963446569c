"""Plain words for the YAML parser's two most puzzling messages: tabs and a dedented key.

When the parser rejects a file, :func:`explain` looks at the text around the failure:

- a tab in a line's indentation is named at its own place: "use spaces for indentation";
- a key indented to a column no enclosing block uses (one space short of its siblings, say) is
  reported at its own line, with the columns its neighbours use, even when the parser only
  notices the problem lines later.

Anything else keeps the parser's message. :mod:`vcfgraph.io.load` calls this; it reads no files.
"""

from __future__ import annotations

import re

__all__ = ["explain"]

_BLOCK_TROUBLE = ("expected <block end>", "mapping values are not allowed", "could not find expected ':'",
                  "did not find expected key", "expected a mapping", "did not find expected '-'")


def explain(text: str, line: int, col: int, message: str) -> tuple[int, int, str] | None:
    """A better (line, col, message) for a parser failure at ``line``:``col``, or None.

    Args:
        text: the whole file.
        line, col: where the parser failed, 1-based.
        message: the parser's words.
    """
    lines = text.splitlines()
    tab = _tab(lines, line)
    if tab is not None:
        return tab[0], tab[1], "a tab in the indentation: use spaces for indentation (YAML does not allow tabs there)"
    if any(t in message for t in _BLOCK_TROUBLE):
        return _dedent(lines, line)
    return None


def _tab(lines: list[str], line: int) -> tuple[int, int] | None:
    """The first tab in the indentation of a line up to ``line``."""
    for i, text in enumerate(lines[:max(line, 1)], 1):
        lead = re.match(r"[ \t]*", text).group()  # type: ignore[union-attr]
        if "\t" in lead and text.strip():
            return i, lead.index("\t") + 1
    return None


def _dedent(lines: list[str], line: int) -> tuple[int, int, str] | None:
    """The first key, up to ``line``, indented to a column that no open block uses."""
    stack = [0]
    scalar_above: int | None = None  # indentation of a key whose value is a block scalar (| or >)
    for i, text in enumerate(lines[:line], 1):
        stripped = text.strip()
        if not stripped or stripped.startswith("#") or stripped.startswith("---"):
            continue
        indent = len(text) - len(text.lstrip(" "))
        if scalar_above is not None:
            if indent > scalar_above:
                continue
            scalar_above = None
        if indent > stack[-1]:
            stack.append(indent)
        elif indent in stack:
            del stack[stack.index(indent) + 1:]
        else:
            key = stripped.split(":", 1)[0].lstrip("- ")
            levels = ", ".join(str(c + 1) for c in sorted(set(stack)) if c < indent + 4)
            return (i, indent + 1,
                    f"'{key}' is indented to column {indent + 1}, which lines up with no key above it "
                    f"(they start at column {levels}); indent it like the other keys of its mapping")
        if stripped.startswith("- "):
            stack.append(indent + 2)
        if re.search(r":\s*[|>][-+0-9]*\s*(#.*)?$", stripped):
            scalar_above = stack[-1] if not stripped.startswith("- ") else indent + 2
    return None
