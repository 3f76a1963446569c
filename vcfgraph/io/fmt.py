"""Canonical form of a pathway or case file: ``vcfgraph fmt``, with its own emitter.

The text is parsed into parser events (with their places in the text) and its comments are found
between them; a small syntax tree keeps every scalar exactly as written (quotes, escapes, block
scalars with their trailing spaces, anchors, tags, ``<<`` keys) and the emitter lays it out again:

- the keys of each known mapping come in the order of :data:`vcfgraph.io.spec.SECTIONS`, with
  ``label`` before ``to`` in answers; keys the format does not know keep their place after them;
  a mapping is not reordered when that would put an alias before its anchor;
- two-space indentation, ``- `` items indented under their key, ``- key: value`` compact;
- a mapping or list written in flow style (``{fact: x, eq: true}``) stays on one line when it fits
  the width and holds no comment; otherwise it is written in block style, one key or item a line.
  Block style stays block style. Text is never rewrapped: a long string keeps its lines;
- comments stay where they were (before the key or item they precede, after the one they
  follow on its line); one blank line is kept where the source had one or more.

Then the result is checked: read again, it must give the same data as the source (by the YAML
1.2 reader every command uses) and hold the same comments. A file it cannot lay out faithfully is
refused with a located :class:`~vcfgraph.errors.PathwayError`, never changed. Formatting is
idempotent. Work is bounded by the reader's limits (nesting, aliases) and :data:`MAX_BYTES`.

This module works on text; :func:`replace_file` is the one careful write (temporary file in the
same folder, fsync, rename over the original only when the original is unchanged).
"""

from __future__ import annotations

import gc
import math
import os
import re
import stat
import tempfile
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vcfgraph.errors import Location, PathwayError, Problem, UsageError
from vcfgraph.io.source import MAX_BYTES, read_bytes
from vcfgraph.io.spec import NODE_BY_KIND, NODE_COMMON, SECTIONS
from vcfgraph.io.tree import Map, Seq
from vcfgraph.io.yaml12 import parse_yaml

#: largest file fmt lays out: its work grows with the file (a 6 MB file takes about 16 s and
#: 740 MB), and pathway and case files are far smaller (the bundled pathway is under 200 kB)
MAX_FMT_BYTES = 4 * 1024 * 1024

__all__ = ["DEFAULT_WIDTH", "MAX_BYTES", "MAX_FMT_BYTES", "Original", "format_text", "read_original", "replace_file"]

DEFAULT_WIDTH = 100
_CORE = "tag:yaml.org,2002:"
_LIST_OF = {"nodes": "node", "checks": "check", "contraindications": "contraindication", "properties": "property",
            "answers": "answer", "ratings": "rating", "rules": "rule", "modifiers": "modifier", "downstream": "downstream", "faqs": "faq",
            "implications": "implication", "categories": "category"}
_SECTION_OF = {"pathway": "pathway", "guideline": "guideline", "rating_scale": "rating_scale", "score": "score_range",
               "expect": "expect"}
#: where fmt's order differs from the table's: an answer reads "label, then where it goes"
_FIRST = {"answer": ("label", "to")}
#: line breaks other than LF (and CRLF, which becomes LF): libyaml and Python count lines by other rules
_ODD_BREAK = re.compile("[\r\x85\u2028\u2029]")


# ------------------------------------------------------------------------------ the syntax tree


@dataclass(eq=False, slots=True)
class _Comment:
    text: str
    index: int
    line: int
    col: int
    own_line: bool
    blank: bool  # a blank line before it in the source
    gap: str = " "  # the spaces between the code and a comment after it


@dataclass(eq=False, slots=True)
class _Node:
    kind: str  # "scalar", "alias", "map" or "seq"
    start: int
    end: int
    line: int
    col: int
    raw: str = ""  # scalars and aliases: the source text, properties included
    value: Any = None  # scalars: the parser's text
    style: str = ""
    flow: bool = False
    props: str = ""  # collections: "&anchor !!tag"
    anchor: str | None = None
    block_n: int = -1  # block scalars: the indentation of the block collection around them
    items: Any = ()  # collections: a list of _Item; () for scalars and aliases, which have none


@dataclass(eq=False, slots=True)
class _Item:
    key: _Node | None
    value: _Node
    line: int
    start: int
    before: Any = ()  # a list of _Comment once there is one
    after: Any = ()
    blank: bool = False
    depth: int = 0

    @property
    def end(self) -> int:
        return self.value.end


@dataclass
class _Doc:
    preamble: list[str]
    root: _Node
    items: list[_Item]  # every entry and item, in source order
    content: int = 0  # where the document's content begins
    head: list[_Comment] = field(default_factory=list)
    tail: list[_Comment] = field(default_factory=list)


def _events(text: str) -> Iterable[Any]:
    try:
        from yaml._yaml import CParser
    except ImportError:  # pragma: no cover - without libyaml
        from ruamel.yaml import YAML

        return YAML(typ="rt", pure=True).parse(text)
    return iter(CParser(text).get_event, None)


def _props(anchor: str | None, tag: str | None) -> str:
    parts = [f"&{anchor}"] if anchor else []
    if tag:
        parts.append("!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag)
    return " ".join(parts)


def _build(text: str) -> tuple[_Doc, list[tuple[int, int]]]:
    """The syntax tree of ``text`` (read once by :func:`parse_yaml` already, so it is valid YAML),
    and the spans of its scalars and aliases (where a ``#`` is text, not a comment)."""
    stack: list[tuple[_Node, list[_Node]]] = []  # (collection, [its pending key])
    items: list[_Item] = []
    spans: list[tuple[int, int]] = []
    root: _Node | None = None
    content = 0
    for ev in _events(text):
        name = ev.__class__.__name__
        s, e = ev.start_mark, ev.end_mark
        if name == "DocumentStartEvent":
            content = e.index if ev.explicit else s.index
            continue
        if name in ("MappingEndEvent", "SequenceEndEvent"):
            value, _ = stack.pop()
            value.end = e.index
        elif name in ("MappingStartEvent", "SequenceStartEvent"):
            node = _Node("map" if name[0] == "M" else "seq", s.index, e.index, s.line, s.column,
                         flow=bool(ev.flow_style), props=_props(ev.anchor, ev.tag), anchor=ev.anchor, items=[])
            stack.append((node, []))
            continue
        elif name == "ScalarEvent":
            is_key = bool(stack) and stack[-1][0].kind == "map" and not stack[-1][1]
            value = _Node("scalar", s.index, e.index, s.line, s.column, raw=text[s.index:e.index],
                          value=ev.value if is_key else None, style=ev.style or "", anchor=ev.anchor)
            if value.style in ("|", ">"):
                value.block_n = _block_indent(stack, text, s.index)
            spans.append((s.index, e.index))
        elif name == "AliasEvent":
            value = _Node("alias", s.index, e.index, s.line, s.column, raw=text[s.index:e.index])
            spans.append((s.index, e.index))
        else:
            continue
        if not stack:
            root = value
            continue
        parent, pending = stack[-1]
        if parent.kind == "map" and not pending:
            pending.append(value)
            continue
        key = pending.pop() if pending else None
        first = key if key is not None else value
        item = _Item(key, value, first.line, first.start, depth=len(stack))
        if parent.kind == "seq" and not parent.flow:  # the dash begins the item
            dash = _dash(text, value.start)
            if dash is not None:
                item.start = dash
        parent.items.append(item)
        items.append(item)
    assert root is not None
    for item in items:
        item.blank = _blank_before(text, item.start)
    preamble = _preamble(text[:content])
    items.sort(key=lambda it: (it.start, it.depth))
    return _Doc(preamble, root, items, content), spans


def _blank_before(text: str, index: int) -> bool:
    """Whether ``index`` begins its line (after spaces) and the line before it is blank."""
    line_start = text.rfind("\n", 0, index) + 1
    if line_start == 0 or text[line_start:index].strip():
        return False
    prev = text.rfind("\n", 0, line_start - 1) + 1
    return not text[prev:line_start - 1].strip()


def _spans(text: str) -> list[tuple[int, int]]:
    """Where the scalars and aliases of ``text`` are (without building its tree)."""
    return [(ev.start_mark.index, ev.end_mark.index) for ev in _events(text)
            if ev.__class__.__name__ in ("ScalarEvent", "AliasEvent")]


def _dash(text: str, index: int) -> int | None:
    """The index of the ``-`` that begins the block list item whose value starts at ``index``
    (on the value's line, or on an earlier line with only blank and comment lines between)."""
    line_start = text.rfind("\n", 0, index) + 1
    dash = text.rfind("-", line_start, index)
    if dash >= 0:
        return dash
    pos = line_start
    while pos > 0:
        prev = text.rfind("\n", 0, pos - 1) + 1
        line = text[prev:pos - 1]
        stripped = line.lstrip()
        if stripped.startswith("-"):  # "- - # note": the last dash before the comment
            code = re.split(r"[ \t]#", line, maxsplit=1)[0]
            return prev + code.rfind("-")
        if stripped and not stripped.startswith("#"):
            return None
        pos = prev
    return None


def _block_indent(stack: list[tuple[_Node, list[_Node]]], text: str, index: int) -> int:
    """The column of the innermost block collection around ``index`` (what ``|2`` counts from)."""
    for node, pending in reversed(stack):
        if node.flow:
            continue
        if node.items:
            return _column(text, node.items[0].start)
        if pending:  # the first key of a mapping
            return pending[0].col
        dash = _dash(text, index) if node.kind == "seq" else None
        return _column(text, dash) if dash is not None else node.col
    return -1


def _column(text: str, index: int) -> int:
    return index - (text.rfind("\n", 0, index) + 1)


def _preamble(head: str) -> list[str]:
    """Directives, ``---`` and the comments before the document, blank runs made one blank line."""
    out: list[str] = []
    lines = head.split("\n")
    if not lines[-1].strip():  # the start of the line the document begins on
        lines.pop()
    for line in lines:
        line = line.rstrip()
        if line or (out and out[-1]):
            out.append(line)
    return out


# ------------------------------------------------------------------------------ comments


def _scan(text: str, spans: list[tuple[int, int]], start: int = 0) -> list[_Comment]:
    """Every comment of ``text`` from ``start``: a ``#`` after a space or at a line start, outside
    the scalars."""
    starts = [a for a, _ in spans]
    hash_ = re.compile(r"(?:^|(?<=[ \t]))#", re.MULTILINE)
    out: list[_Comment] = []
    pos = start
    line, counted = 0, 0  # the line number at index ``counted``
    while True:
        m = hash_.search(text, pos)
        if m is None:
            return out
        p = m.start()
        i = bisect_right(starts, p) - 1
        if i >= 0 and p < spans[i][1]:
            pos = spans[i][1]
            continue
        eol = text.find("\n", p)
        eol = len(text) if eol < 0 else eol
        line_start = text.rfind("\n", 0, p) + 1
        line += text.count("\n", counted, p)
        counted = p
        prev_start = text.rfind("\n", 0, max(line_start - 1, 0)) + 1
        blank = line_start > 0 and not text[prev_start:line_start - 1].strip()
        before = text[line_start:p]
        gap = before[len(before.rstrip(" \t")):]
        out.append(_Comment(text[p:eol].rstrip(), p, line, p - line_start, not before.strip(), blank,
                            gap if gap and "\t" not in gap else " "))
        pos = eol


def _attach(doc: _Doc, comments: list[_Comment]) -> None:
    """Give each comment to the key or item it belongs to (see the module docstring)."""
    items = doc.items
    starts = [it.start for it in items]
    by_end = sorted(items, key=lambda it: (it.end, -it.depth))
    ends = [it.end for it in by_end]
    for c in comments:
        if c.own_line:
            i = bisect_right(starts, c.index)
            if i < len(items):
                _note(items[i], "before", c)
            else:
                doc.tail.append(c)
            continue
        line_start = c.index - c.col
        lo = bisect_right(starts, line_start - 1)
        hi = bisect_right(starts, c.index)
        on_line = items[lo:hi]
        ended = [it for it in on_line if it.end <= c.index]
        if ended:
            target = min(ended, key=lambda it: (it.depth, -it.start))
        elif on_line:
            target = max(on_line, key=lambda it: (it.depth, it.start))
        else:
            j = bisect_right(ends, c.index) - 1
            if j < 0:
                doc.head.append(c)
                continue
            target = by_end[j]
        _note(target, "after", c)


def _note(item: _Item, where: str, c: _Comment) -> None:
    found = getattr(item, where)
    if not found:
        found = []
        setattr(item, where, found)
    found.append(c)


# ------------------------------------------------------------------------------ key order


def _keys_of(section: str) -> list[str]:
    if section == "node":
        known = list(NODE_COMMON) + [k for keys in NODE_BY_KIND.values() for k in keys]
    else:
        known = list(SECTIONS[section].keys)
    first = list(_FIRST.get(section, ()))
    return first + [k for k in known if k not in first]


def _key(it: _Item) -> Any:
    return it.key.value if it.key is not None and it.key.kind == "scalar" else None


def _order(m: _Node, section: str) -> bool:
    """Put the known keys of ``m`` in the table's order, then walk into its known children.

    Returns:
        whether any mapping changed its order.
    """
    known = _keys_of(section)
    rank = {k: i for i, k in enumerate(known)}
    want = sorted(m.items, key=lambda it: (0, rank[_key(it)]) if _key(it) in rank else (1, 0))
    changed = want != m.items
    m.items = want
    for it in m.items:
        key, value = _key(it), it.value
        child = _LIST_OF.get(key)
        if child and value.kind == "seq":
            for sub in value.items:
                if sub.value.kind == "map":
                    changed |= _order(sub.value, child)
        elif key in _SECTION_OF and value.kind == "map":
            changed |= _order(value, _SECTION_OF[key])
        elif section == "root" and key in ("facts", "sources") and value.kind == "map":
            for sub in value.items:
                if sub.value.kind == "map":
                    changed |= _order(sub.value, "fact" if key == "facts" else "source")
    return changed


# ------------------------------------------------------------------------------ the emitter


class _Refuse(Exception):
    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


_PROPS = re.compile(r"(?:(?:&\S+|!<[^>]*>|!\S*)[ \t]+)*")
_HEADER = re.compile(r"([|>])([1-9]?)([+-]?)([1-9]?)(.*)\Z", re.DOTALL)


class _Emitter:
    """Lays a syntax tree out as lines (see the module docstring for the layout)."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.lines: list[str] = []
        self.after_keep = False  # the last line ends a block scalar that keeps its final blank lines
        self._commented: dict[int, bool] = {}

    def put(self, line: str) -> None:
        self.lines.append(line)
        self.after_keep = False

    def blank(self, wanted: bool) -> None:
        if wanted and self.lines and self.lines[-1] and not self.after_keep:
            self.lines.append("")

    def comment(self, c: _Comment, indent: int) -> None:
        self.blank(c.blank)
        self.put(" " * indent + c.text)

    def commented(self, node: _Node) -> bool:
        """Whether a comment belongs inside ``node`` (then it cannot be written on one line)."""
        found = self._commented.get(id(node))
        if found is None:
            found = any(it.before or it.after or self.commented(it.value)
                        or (it.key is not None and self.commented(it.key)) for it in node.items)
            self._commented[id(node)] = found
        return found

    def inline(self, node: _Node) -> str | None:
        """``node`` on one line, or None when it must be written in block style."""
        if node.kind in ("scalar", "alias"):
            return None if node.style in ("|", ">") or "\n" in node.raw else node.raw
        if node.items and (not node.flow or self.commented(node)):
            return None
        parts = []
        for it in node.items:
            value = self.inline(it.value)
            if value is None:
                return None
            if it.key is None:
                parts.append(value)
                continue
            key = self.inline(it.key)
            if key is None:
                return None
            parts.append(_pair(key, it.key, value))
        body = ("{%s}" if node.kind == "map" else "[%s]") % ", ".join(parts)
        return f"{node.props} {body}" if node.props else body

    def document(self, doc: _Doc) -> list[str]:
        for line in doc.preamble:
            self.put(line)
        for c in doc.head:
            self.comment(c, 0)
        root = doc.root
        text = self.inline(root)
        if text is not None and (len(text) <= self.width or not root.items):
            self.put(text)
        else:
            if root.props:
                self.put(root.props)
            for it in root.items:
                self.item(it, 0, "")
        for c in doc.tail:
            self.comment(c, 0)
        while self.lines and not self.lines[-1] and not self.after_keep:
            self.lines.pop()
        return self.lines

    def item(self, it: _Item, indent: int, lead: str) -> None:
        """One key and its value, or one list item, starting at column ``indent`` after ``lead``."""
        if not lead:
            for c in it.before:
                self.comment(c, indent)
            self.blank(it.blank)
        col = indent + len(lead)
        if it.key is None:
            head = "-"
        else:
            key = self.inline(it.key)
            if key is None or len(key) > 1024:
                raise _Refuse(it.key.line, it.key.col, "a key that spans lines or is longer than 1024 characters "
                              "cannot be written in block style; make it a short, one-line key")
            head = key + (" :" if it.key.kind == "alias" else ":")
        line = " " * indent + lead + head
        value = it.value
        text = self.inline(value)
        if text is not None and (value.kind in ("scalar", "alias") or not value.items
                                 or len(line) + 1 + len(text) <= self.width):
            self.put(line + (" " + text if text else "") + self.trail(it.after[:1]))
            self.rest(it.after[1:], col)
        elif value.kind == "scalar" and value.style in ("|", ">"):
            self.block_scalar(line, value, col, it.after)
        elif value.kind == "scalar":
            parts = value.raw.split("\n")
            self.put(line + " " + parts[0])
            for part in parts[1:]:
                part = part.lstrip(" \t")
                self.put(" " * (col + 2) + part if part else "")
            self.lines[-1] += self.trail(it.after[:1])
            self.rest(it.after[1:], col)
        elif it.key is None and not value.props and not it.after:  # "- key: value" or "- - item"
            first = value.items[0]
            for c in first.before:
                self.comment(c, indent)
            self.item(first, indent, lead + "- ")
            for sub in value.items[1:]:
                self.item(sub, col + 2, "")
        else:
            self.put(line + (" " + value.props if value.props else "") + self.trail(it.after[:1]))
            self.rest(it.after[1:], col)
            for sub in value.items:
                self.item(sub, col + 2, "")

    def trail(self, after: list[_Comment]) -> str:
        return "".join(c.gap + c.text for c in after)

    def rest(self, after: list[_Comment], col: int) -> None:
        for c in after:
            self.put(" " * col + c.text)

    def block_scalar(self, line: str, value: _Node, col: int, after: list[_Comment]) -> None:
        """A ``|`` or ``>`` scalar, its lines moved to the new indentation, byte for byte otherwise."""
        header, _, body = value.raw.partition("\n")
        at = _PROPS.match(header).end()  # type: ignore[union-attr]
        props, rest = header[:at].rstrip(), header[at:]
        m = _HEADER.match(rest)
        if m is None:
            raise _Refuse(value.line, value.col, "this block scalar's header cannot be read again; write it as '|' or '>'")
        style, d1, chomp, d2, tail = m.groups()
        lines = body.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        digit = d1 or d2
        if digit:
            old = max(value.block_n + 1, 1) + int(digit) - 1
        else:
            first = next((ln for ln in lines if ln.strip(" ")), "")
            old = len(first) - len(first.lstrip(" "))
        new = col + 2
        moved = []
        for n, ln in enumerate(lines):
            if len(ln) <= old:
                if ln.strip(" "):
                    raise _Refuse(value.line + n + 1, 1, "a line of this block scalar is less indented than its first line")
                moved.append("")
            elif ln[:old].strip(" "):
                raise _Refuse(value.line + n + 1, 1, "a line of this block scalar is less indented than its first line")
            else:
                moved.append(" " * new + ln[old:])
        trail, later = (after[:1], after[1:]) if "#" not in tail else ([], after)
        head = (props + " " if props else "") + style + chomp + ("2" if digit else "") + tail.rstrip()
        self.put(f"{line} {head}{self.trail(trail)}")
        self.lines.extend(moved)
        self.after_keep = chomp == "+"
        self.rest(later, col)


def _pair(key: str, key_node: _Node, value: str) -> str:
    sep = " :" if key_node.kind == "alias" else ":"
    return f"{key}{sep} {value}"  # "{a: , b: 1}": libyaml reads "a:," as a plain "a:"


# ------------------------------------------------------------------------------ the check


def _differ(a: Any, b: Any) -> tuple[int, int] | None:
    """Where tree ``a`` (0-based line, column) first differs from ``b``; None when they hold the
    same data (types too: ``1``, ``1.0`` and ``true`` differ; NaN equals NaN; key order aside)."""
    stack = [(a, b, (a.lc.line, a.lc.col) if isinstance(a, (Map, Seq)) else (0, 0))]
    while stack:
        x, y, pos = stack.pop()
        if type(x) is not type(y):
            return pos
        if isinstance(x, Map):
            if len(x) != len(y) or any(k not in y or type(k) is not type(_key_of(y, k)) for k in x):
                return pos
            stack.extend((x[k], y[k], x.lc.value(k)) for k in x)
        elif isinstance(x, Seq):
            if len(x) != len(y):
                return pos
            stack.extend((i, j, x.lc.item(n)) for n, (i, j) in enumerate(zip(x, y)))
        elif isinstance(x, float) and math.isnan(x):
            if not math.isnan(y):
                return pos
        elif x != y:
            return pos
    return None


def _key_of(m: Map, key: Any) -> Any:
    return next(k for k in m if k == key)


def _check(source: str, data: Any, comments: list[str], out: str, file: str) -> Problem | None:
    """Why ``out`` may not replace ``source``, or None: it must read as the same data with the same
    comments."""
    try:
        again = parse_yaml(out, file)
    except PathwayError as exc:
        return Problem(Location(file, 1, 1), f"fmt's layout of this file does not read back ({exc.problems[0].message}, "
                                             f"at line {exc.problems[0].loc.line} of the result); the file is left as it is")
    pos = _differ(data, again)
    if pos is not None:
        return Problem(Location(file, pos[0] + 1, pos[1] + 1),
                       "fmt cannot lay this value out without changing what it means; the file is left as it is")
    kept = sorted(c.text for c in _scan(out, _spans(out)))
    if kept != comments:
        missing = sorted(set(comments) - set(kept)) or comments
        line = source[:source.find(missing[0])].count("\n") if missing and missing[0] in source else 0
        return Problem(Location(file, line + 1, 1), "fmt cannot keep this comment in place; the file is left as it is")
    return None


# ------------------------------------------------------------------------------ the entry points


def format_text(text: str, file: str = "<text>", width: int = DEFAULT_WIDTH) -> str:
    """The canonical form of a pathway or case file's text.

    Args:
        text: the file's text.
        file: the name used in messages.
        width: the line width a flow mapping or list must fit to stay on one line.

    Returns:
        the formatted text; ``text`` itself when its document is a lone scalar or empty.

    Raises:
        PathwayError: the text is not YAML vcfgraph reads (the reader's located message), or it
            holds something fmt cannot lay out without changing its meaning or losing a comment
            (located; nothing is written then).
    """
    if len(text) > MAX_FMT_BYTES:
        raise PathwayError([Problem(Location(file), f"the file is larger than {MAX_FMT_BYTES // (1024 * 1024)} MiB, "
                                                    "the most fmt lays out (its time and memory grow with the file)")])
    text = text.replace("\r\n", "\n")
    odd = _ODD_BREAK.search(text)
    if odd:
        line = text.count("\n", 0, odd.start())
        raise PathwayError([Problem(Location(file, line + 1, odd.start() - text.rfind("\n", 0, odd.start())),
                                    f"U+{ord(odd.group()):04X} is a line break fmt does not keep; "
                                    "use plain line ends (LF or CRLF)")])
    collecting = gc.isenabled()
    gc.disable()  # the trees hold no cycles; collecting while they grow makes the work quadratic
    try:
        return _format(text, file, width)
    finally:
        if collecting:
            gc.enable()


def _format(text: str, file: str, width: int) -> str:
    data = parse_yaml(text, file)
    if not isinstance(data, (Map, Seq)):
        return text
    doc, spans = _build(text)
    found = _scan(text, spans)
    comments = sorted(c.text for c in found)
    problem = None
    for ordered in (True, False):
        if not ordered:
            doc, _ = _build(text)
        _attach(doc, [c for c in found if c.index >= doc.content])
        changed = ordered and doc.root.kind == "map" and "nodes" in {_key(it) for it in doc.root.items} \
            and _order(doc.root, "root")
        emitter = _Emitter(width)
        try:
            out = "\n".join(emitter.document(doc)) + "\n"
        except _Refuse as refuse:
            raise PathwayError([Problem(Location(file, refuse.line + 1, refuse.col + 1), refuse.message)]) from None
        del emitter, doc  # the check reads the result again: keep one tree at a time
        problem = _check(text, data, comments, out, file)
        if problem is None:
            return out
        if not changed:
            break
    raise PathwayError([problem])  # type: ignore[list-item]


# ------------------------------------------------------------------------------ the careful write


@dataclass(frozen=True)
class Original:
    """A file as fmt read it: where it really is, its bytes, and its size and times then."""

    name: str
    path: Path
    data: bytes
    stamp: tuple[int, int, int, int]  # device, inode, size, modification time (ns)


def _stamp(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def read_original(path: str | Path) -> Original:
    """Read a file for :func:`replace_file` (at most :data:`MAX_BYTES`; a symbolic link is read,
    and later rewritten, at its target).

    Raises:
        UsageError: the file cannot be read, or it changed while it was read.
        PathwayError: it is larger than the limit.
    """
    name = str(path)
    real = Path(os.path.realpath(path))
    try:
        before = os.stat(real)
    except OSError as exc:
        raise UsageError(f"{name}: cannot read the file ({exc.strerror or exc})") from None
    data = read_bytes(real)
    if len(data) > MAX_FMT_BYTES:
        raise PathwayError([Problem(Location(name), f"the file is larger than {MAX_FMT_BYTES // (1024 * 1024)} MiB, "
                                                    "the most fmt lays out (its time and memory grow with the file)")])
    try:
        after = os.stat(real)
    except OSError as exc:
        raise UsageError(f"{name}: cannot read the file ({exc.strerror or exc})") from None
    if stat.S_ISREG(after.st_mode) and _stamp(before) != _stamp(after):
        raise UsageError(f"{name}: the file changed while fmt read it; run fmt again when it is saved")
    return Original(name, real, data, _stamp(after))


def replace_file(original: Original, new: bytes) -> None:
    """Put ``new`` in place of ``original`` in one step, only if the file still holds what was read.

    The new bytes go to a temporary file in the same folder (with the original's permissions),
    are flushed to the disk, and the temporary file is renamed over the original. A full disk, a
    file size limit or any other failed write leaves the original as it was.

    Raises:
        UsageError: the file is not a regular file, it changed since it was read (a save made
            meanwhile is kept, nothing is written), or the new content could not be written.
    """
    name, path = original.name, original.path
    try:
        st = os.stat(path)
    except OSError as exc:
        raise UsageError(f"{name}: cannot write ({exc.strerror or exc}); nothing was changed") from None
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(f"{name}: is not a regular file; fmt rewrites files only (use --check)")
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".fmt", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), stat.S_IMODE(st.st_mode))
            f.write(new)
            f.flush()
            os.fsync(f.fileno())
        if not _unchanged(original):
            raise UsageError(f"{name}: the file changed while fmt ran (saved by another program?); "
                             "it was not rewritten, so that save is kept; run fmt again")
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise UsageError(f"{name}: cannot write the formatted file ({exc.strerror or exc}); "
                         "the original is unchanged") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    _sync_folder(path.parent)


def _unchanged(original: Original) -> bool:
    try:
        st = os.stat(original.path)
        with open(original.path, "rb") as f:
            now = f.read(len(original.data) + 1)
    except OSError:
        return False
    return _stamp(st) == original.stamp and now == original.data


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the system allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
