"""Plain words, each with its fix, for the YAML parser's most puzzling messages.

When the parser rejects a file, :func:`explain` looks at the text around the failure:

- a tab in a line's indentation is named at its own place: "use spaces for indentation";
- a key indented to a column no enclosing block uses (one space short of its siblings, say) is
  reported at its own line, with the columns its neighbours use, even when the parser only
  notices the problem lines later;
- a key lined up with the ``- `` of the list item above it ("expected <block end>, but found
  '?'"), or a list item among a mapping's keys or short of its list's column ("... found '-'");
- ``: `` inside unquoted text ("mapping values are not allowed here"): put the text in quotes,
  with the quoted line when it is short;
- a flow mapping ``{...}`` or sequence ``[...]`` that is never closed, reported where it opens,
  or two of its entries without a ``,`` between them.

Anything else keeps the parser's message. :mod:`vcfgraph.io.yaml12` calls this; it reads no files.
"""

from __future__ import annotations

import json
import re

__all__ = ["explain"]

#: a block line holding a key and a value on it: indentation, an optional "- ", the key, the value
_KEY_VALUE = re.compile(r"^( *(?:- +)?)([^\s#'\"{\[-][^:#]*?|[-][^\s:#][^:#]*?): +(\S.*)$")
#: the longest fix quoted in full
_SHOWN = 100

_BLOCK_TROUBLE = ("expected <block end>", "mapping values are not allowed", "could not find expected ':'",
                  "did not find expected key", "expected a mapping", "did not find expected '-'")


def explain(text: str, line: int, col: int, message: str,
            start: tuple[int, int] | None = None) -> tuple[int, int, str] | None:
    """A better (line, col, message) for a parser failure at ``line``:``col``, or None.

    Args:
        text: the whole file.
        line, col: where the parser failed, 1-based.
        message: the parser's words.
        start: where the collection the parser was reading began (its context), 1-based, if known.
    """
    lines = text.splitlines()
    tab = _tab(lines, line)
    if tab is not None:
        return tab[0], tab[1], "a tab in the indentation: use spaces for indentation (YAML does not allow tabs there)"
    if "while parsing a flow" in message and start is not None:
        return _flow(lines, line, col, message, start)
    if any(t in message for t in _BLOCK_TROUBLE):
        found = _dedent(lines, line)
        if found is None and "mapping values are not allowed" in message:
            found = _colon_in_text(lines, line, col)
        if found is None and "expected <block end>, but found '?'" in message:
            found = _key_on_dash(lines, line, col)
        if found is None and "expected <block end>, but found '-'" in message:
            found = _stray_item(lines, line, col)
        return found
    return None


def _flow(lines: list[str], line: int, col: int, message: str, start: tuple[int, int]) -> tuple[int, int, str] | None:
    """An unclosed ``{...}`` / ``[...]`` (reported where it opens), or a missing ``,`` in one."""
    kind, close = ("mapping", "}") if "flow mapping" in message else ("sequence", "]")
    opened = "{" if close == "}" else "["
    if line == start[0] and message.endswith("but got ':'"):
        example = "{fact: a, eq: true}" if close == "}" else "[a, b]"
        return (line, col, f"': ' at column {col} follows a value of the '{opened}...{close}' opened at column "
                           f"{start[1]} with no ',' before it: separate the entries with ', ' ({example}), or put "
                           f"a text that holds ': ' in quotes")
    return (start[0], start[1], f"the flow {kind} '{opened}' opened here is not closed before line {line}, "
                                f"column {col}: add the missing '{close}' at its end")


def _colon_in_text(lines: list[str], line: int, col: int) -> tuple[int, int, str] | None:
    """``: `` inside unquoted text, on the key's own line or on a line continuing its text."""
    if not 0 < line <= len(lines):
        return None
    here = lines[line - 1]
    m = _KEY_VALUE.match(here)
    if m and m.end(2) < col - 1:
        return line, col, _quote_fix(m.group(1), m.group(2), m.group(3), line)
    indent = len(here) - len(here.lstrip(" "))
    for above in range(line - 1, 0, -1):  # the key whose plain text this line continues
        text = lines[above - 1]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        m = _KEY_VALUE.match(text)
        if m is None or len(text) - len(text.lstrip(" ")) >= indent:
            return None
        word = here.strip().split(":", 1)[0]
        return (line, col, f"'{word}: ' on line {line} continues the text of '{m.group(2)}' (line {above}), and YAML "
                           f"reads ': ' as the start of a key: if '{word}' is a key, indent it like '{m.group(2)}' "
                           f"(column {len(m.group(1)) + 1}) or give '{m.group(2)}' its value on a line of its own; if it "
                           f"is text, put the whole text of '{m.group(2)}' in quotes")
    return None


def _quote_fix(lead: str, key: str, value: str, line: int) -> str:
    value = value.split(" #", 1)[0].rstrip()
    fixed = f"{lead.strip()} {key}: {json.dumps(value, ensure_ascii=False)}".strip()
    shown = f": {fixed}" if len(fixed) <= _SHOWN else ""
    return (f"the text of '{key}' holds ': ', which YAML reads as the start of a key; put the text in "
            f"double quotes{shown}")


def _key_on_dash(lines: list[str], line: int, col: int) -> tuple[int, int, str] | None:
    """A key lined up with the ``- `` of the list item above, after that item's own keys."""
    for above in range(line - 1, 0, -1):
        text = lines[above - 1]
        indent = len(text) - len(text.lstrip(" "))
        if not text.strip() or text.lstrip().startswith("#") or indent > col - 1:
            continue
        if indent == col - 1 and text.lstrip().startswith("- "):
            word = lines[line - 1].strip().split(":", 1)[0]
            return (line, col, f"'{word}' at column {col} lines up with the '- ' of the list item on line {above}, "
                               f"so it belongs to no item: indent it to column {col + 2} like the item's other keys, "
                               f"or start a new item with '- '")
        return None
    return None


def _stray_item(lines: list[str], line: int, col: int) -> tuple[int, int, str] | None:
    """A list item (``- ``) among the keys of a mapping, or short of its list's column."""
    for above in range(line - 1, 0, -1):
        text = lines[above - 1]
        indent = len(text) - len(text.lstrip(" "))
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        if indent < col - 1:
            return None
        if indent > col - 1 and text.lstrip().startswith("- "):
            return (line, col, f"this list item ('- ' at column {col}) does not line up with the items of the list "
                               f"above (line {above}, column {indent + 1}): indent it to column {indent + 1}")
        if indent == col - 1 and not text.lstrip().startswith("- "):
            word = text.strip().split(":", 1)[0]
            return (line, col, f"a list item ('- ') at column {col} among the keys of a mapping (like '{word}' on "
                               f"line {above}): a mapping holds keys, not items; give the item a key, or put it "
                               f"in a list under a key")
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
