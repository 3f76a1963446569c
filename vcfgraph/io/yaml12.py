"""YAML 1.2 text to a located tree: parser events in, :class:`~vcfgraph.io.tree.Map` /
:class:`~vcfgraph.io.tree.Seq` out, with bounded work.

Events come from libyaml (PyYAML's C parser) when it is installed, else from ruamel.yaml's pure
parser; both give the same events with the same line and column marks. When libyaml finds a
syntax error the text is parsed again by ruamel.yaml, so every syntax message reads the same
whichever parser ran. The tree is built here, without a composer or constructor:

- scalars are resolved by the YAML 1.2 core schema (``yes``/``no``/``on``/``off`` stay text),
  plus plain ``YYYY-MM-DD`` dates, which must exist;
- an explicit tag must fit its value (``!!int abc`` is an error) and only the core tags exist;
- the tree is built with a loop, not recursion, and nesting is capped (:data:`MAX_DEPTH`);
- an alias shares the value it names (never copied), and the values aliases stand for are
  counted: more than :data:`MAX_ALIASED` is an error, so an alias bomb stops at once;
- integers longer than :data:`MAX_DIGITS` digits, control characters in text, duplicate keys
  and collections used as keys are errors.

Every error is one located :class:`~vcfgraph.errors.PathwayError`; a message never holds more
than a short, escaped piece of the file.
"""

from __future__ import annotations

import datetime
import math
import re
from typing import Any, Iterable

from vcfgraph.errors import Location, PathwayError, Problem
from vcfgraph.io.collector import paused
from vcfgraph.io.tree import Map, Seq
from vcfgraph.io.hints import explain

__all__ = ["parse_yaml", "MAX_DEPTH", "MAX_ALIASED", "MAX_DIGITS", "excerpt"]

#: deepest nesting of mappings and lists
MAX_DEPTH = 100
#: most values that aliases may stand for in one file, counted as if written out
MAX_ALIASED = 100_000
#: longest integer, in digits (Python's own limit for reading integers)
MAX_DIGITS = 4300

_CORE = "tag:yaml.org,2002:"
_NULL = re.compile(r"(?:~|null|Null|NULL|)\Z")
_TRUE = ("true", "True", "TRUE")
_FALSE = ("false", "False", "FALSE")
_INT10 = re.compile(r"[-+]?[0-9]+\Z")
_INT8 = re.compile(r"0o[0-7]+\Z")
_INT16 = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"[-+]?\.(?:inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(?:nan|NaN|NAN)\Z")
_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})\Z")
#: C0 controls but tab and newline, DEL and C1, line/paragraph separators, bidi embeddings,
#: overrides and isolates, and lone surrogates
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


class _Stop(Exception):
    """One located problem; ends the reading."""

    def __init__(self, mark: Any, message: str) -> None:
        super().__init__(message)
        self.pos = (mark.line, mark.column)
        self.message = message


def excerpt(text: str, limit: int = 40) -> str:
    """A short, visible piece of ``text`` for a message: controls escaped, long text cut."""
    cut = text[:limit]
    shown = "".join(c if c.isprintable() and not _CONTROL.match(c) else _escape(c) for c in cut)
    return shown + ("..." if len(text) > limit else "")


def _escape(c: str) -> str:
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


# ------------------------------------------------------------------------------ scalars


_WORDS: dict[str, Any] = {"null": None, "Null": None, "NULL": None, "~": None, "": None,
                          **{w: True for w in _TRUE}, **{w: False for w in _FALSE}}


def _plain(value: str, mark: Any) -> Any:
    """The YAML 1.2 core-schema reading of a plain scalar."""
    if value in _WORDS:
        return _WORDS[value]
    if value[0].isalpha() or value[0] == "_":  # the common case: a word, which only text can be
        return _text(value, mark)
    if _NULL.match(value):
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if _INT10.match(value) or _INT8.match(value) or _INT16.match(value):
        return _int(value, mark)
    if _FLOAT.match(value):
        return float(value)
    if _INF.match(value):
        return -math.inf if value[0] == "-" else math.inf
    if _NAN.match(value):
        return math.nan
    if _DATE.match(value):
        return _date(value, mark)
    return _text(value, mark)


def _int(value: str, mark: Any) -> int:
    if len(value) > MAX_DIGITS:
        raise _Stop(mark, f"a number of {len(value)} digits is longer than the {MAX_DIGITS} digits vcfgraph reads")
    if value.startswith("0o"):
        return int(value[2:], 8)
    if value.startswith("0x"):
        return int(value[2:], 16)
    return int(value, 10)


def _date(value: str, mark: Any) -> datetime.date:
    year, month, day = (int(g) for g in _DATE.match(value).groups())  # type: ignore[union-attr]
    try:
        return datetime.date(year, month, day)
    except ValueError as exc:
        raise _Stop(mark, f"'{value}' is not a real date ({exc}); write a date that exists, or quote it to keep it as text") from None


def _text(value: str, mark: Any) -> str:
    bad = _CONTROL.search(value)
    if bad:
        raise _Stop(mark, f"text '{excerpt(value)}' holds the invisible control character U+{ord(bad.group()):04X}; "
                          "labels and texts must be plain text, so remove it")
    return value


def _tagged(tag: str, value: str, mark: Any) -> Any:
    """A scalar with an explicit core tag: its value must fit the tag."""
    kind = tag[len(_CORE):] if tag.startswith(_CORE) else None
    if kind == "str":
        return _text(value, mark)
    if kind in ("int", "float", "bool", "null", "timestamp"):
        read = _plain(value, mark)
        fits = {
            "int": lambda v: type(v) is int,
            "float": lambda v: type(v) in (int, float),
            "bool": lambda v: type(v) is bool,
            "null": lambda v: v is None,
            "timestamp": lambda v: isinstance(v, datetime.date),
        }[kind]
        if fits(read):
            return float(read) if kind == "float" else read
        raise _Stop(mark, f"'{excerpt(value)}' does not fit its tag !!{kind}; remove the tag or fix the value")
    raise _Stop(mark, f"unknown tag '{_tag_name(tag)}' on a scalar; vcfgraph reads plain YAML data (text, numbers, true/false, null, lists and mappings)")


def _tag_name(tag: str) -> str:
    return excerpt("!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag)


def _collection_tag(tag: str | None, kind: str, mark: Any) -> None:
    if tag in (None, "!", _CORE + kind):
        return
    raise _Stop(mark, f"unknown tag '{_tag_name(tag or '')}' on a {'mapping' if kind == 'map' else 'list'}; "
                      "vcfgraph reads plain YAML data (text, numbers, true/false, null, lists and mappings)")


# ------------------------------------------------------------------------------ the tree


class _Frame:
    """A collection being read: its node, where its items and their positions go, and for a
    mapping the key read last (waiting for its value)."""

    __slots__ = ("node", "start", "anchor", "key", "key_pos", "has_key", "size", "is_seq", "keys", "values")

    def __init__(self, node: Any, start: Any, anchor: str | None) -> None:
        self.node = node
        self.start = start
        self.anchor = anchor
        self.key: Any = None
        self.key_pos = (0, 0)
        self.has_key = False
        self.size = 1
        self.is_seq = node.__class__ is Seq
        self.keys = node.lc._keys
        self.values = node.lc._values


_SCALAR, _ALIAS, _START_MAP, _START_SEQ, _END, _DOC, _SKIP = range(7)
_CODES = {"ScalarEvent": _SCALAR, "AliasEvent": _ALIAS, "MappingStartEvent": _START_MAP,
          "SequenceStartEvent": _START_SEQ, "MappingEndEvent": _END, "SequenceEndEvent": _END,
          "DocumentStartEvent": _DOC, "StreamStartEvent": _SKIP, "StreamEndEvent": _SKIP, "DocumentEndEvent": _SKIP}
_NOT_A_WORD = object()


def _build(events: Iterable[Any]) -> Any:
    """Turn parser events into one located tree (the first document; an empty stream is None).

    This loop sees every scalar of the file, so the common cases are inlined: a plain word (a
    scalar that starts with a letter can only be text) and adding an item to the innermost
    collection."""
    stack: list[_Frame] = []
    top: _Frame | None = None  # stack[-1]
    anchors: dict[str, tuple[Any, int]] = {}
    aliased = 0
    root: Any = None
    done = False
    codes: dict[type, int] = {}
    words_get = _WORDS.get
    control = _CONTROL.search
    for ev in events:
        code = codes.get(ev.__class__)
        if code is None:
            code = codes[ev.__class__] = _CODES.get(ev.__class__.__name__, -1)
        mark = ev.start_mark
        if code == _SCALAR:
            if not ev.style and ev.tag is None and ev.implicit[0]:
                raw = ev.value
                value = words_get(raw, _NOT_A_WORD)
                if value is _NOT_A_WORD:
                    first = raw[0]
                    if (first.isalpha() or first == "_") and not control(raw):  # a word: text (as _plain says)
                        value = raw
                    else:
                        value = _plain(raw, mark)
            elif ev.style == ">":  # ruamel.yaml marks folds with BEL, which a block scalar cannot hold
                folded = ev.value.replace("\a", "")
                value = _text(folded, mark) if ev.tag in (None, "!") else _tagged(ev.tag, folded, mark)
            elif ev.tag in (None, "!"):
                value = _text(ev.value, mark)
            else:
                value = _tagged(ev.tag, ev.value, mark)
            size, pos = 1, (mark.line, mark.column)
            if ev.anchor is not None:
                anchors[ev.anchor] = (value, 1)
        elif code == _END:
            frame = stack.pop()
            top = stack[-1] if stack else None
            value, size, pos = frame.node, frame.size, (frame.start.line, frame.start.column)
            if frame.anchor is not None:
                anchors[frame.anchor] = (value, size)
        elif code == _START_MAP or code == _START_SEQ:
            if len(stack) >= MAX_DEPTH:
                raise _Stop(mark, f"the data nests deeper than {MAX_DEPTH} levels, the most vcfgraph reads")
            is_map = code == _START_MAP
            _collection_tag(ev.tag, "map" if is_map else "seq", mark)
            top = _Frame((Map if is_map else Seq)(mark.line, mark.column), mark, ev.anchor)
            stack.append(top)
            continue
        elif code == _ALIAS:
            if ev.anchor not in anchors:
                raise _Stop(mark, f"alias '*{excerpt(str(ev.anchor))}' names no anchor defined before it (or its own collection)")
            value, size = anchors[ev.anchor]
            aliased += size
            if aliased > MAX_ALIASED:
                raise _Stop(mark, f"aliases in this file stand for more than {MAX_ALIASED:,} values, the most vcfgraph "
                                  "expands; write the repeated part out, or use fewer nested aliases")
            pos = (mark.line, mark.column)
        elif code == _DOC:
            if done:
                raise _Stop(mark, "the file holds more than one YAML document; keep one")
            continue
        elif code == _SKIP:
            continue
        else:
            raise _Stop(mark, f"unexpected YAML event {ev.__class__.__name__}")
        if top is None:
            root, done = value, True
            continue
        top.size += size
        if top.is_seq:
            top.node.append(value)
            top.values.append(pos)
        elif top.has_key:
            key = top.key
            top.node[key] = value
            top.keys[key] = top.key_pos
            top.values[key] = pos
            top.has_key = False
        else:
            _key(top, value, pos, mark)
    return root


def _key(parent: _Frame, value: Any, pos: tuple[int, int], mark: Any) -> None:
    """Take ``value`` as the next key of the mapping being read."""
    if value.__class__ is Map or value.__class__ is Seq:
        raise _Stop(mark, "a mapping key must be text or a number, not a list or mapping")
    if value in parent.node:
        raise _Stop(mark, f"key '{excerpt(str(value))}' is given twice in the mapping that starts at line "
                          f"{parent.start.line + 1}; keep one")
    parent.key, parent.key_pos, parent.has_key = value, pos, True


# ------------------------------------------------------------------------------ parsers


def _c_events(text: str) -> Iterable[Any] | None:
    try:
        from yaml._yaml import CParser
    except ImportError:
        return None

    return iter(CParser(text).get_event, None)  # None once the stream has ended


def _pure_events(text: str) -> Iterable[Any]:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt", pure=True)
    yaml.version = (1, 2)
    return yaml.parse(text)


def _syntax_error(exc: Exception, file: str, text: str) -> PathwayError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    position = getattr(exc, "position", None)
    if not mark and isinstance(position, int):  # a character YAML does not allow
        line = text.count("\n", 0, position) + 1
        col = position - (text.rfind("\n", 0, position) + 1) + 1
        code = getattr(exc, "character", None)
        shown = f"U+{ord(code):04X}" if isinstance(code, str) and len(code) == 1 else "a character"
        return PathwayError([Problem(Location(file, line, col),
                                     f"YAML syntax error: {shown} is not allowed in a YAML file; remove it")])
    what = " ".join(str(x) for x in (getattr(exc, "context", None), getattr(exc, "problem", None)) if x)
    what = excerpt(what.replace("\n", " "), 300) if what else excerpt(str(exc), 300)
    start = getattr(exc, "context_mark", None)
    opened = (start.line + 1, start.column + 1) if start is not None and mark is not start else None
    better = explain(text, line, col, what, opened)  # a tab, a dedented key, an unquoted ': ' ...: say so and how to fix it
    if better is not None:
        return PathwayError([Problem(Location(file, better[0], better[1]), better[2])])
    return PathwayError([Problem(Location(file, line, col), f"YAML syntax error: {what}")])


def parse_yaml(text: str, file: str, *, use_c: bool = True) -> Any:
    """Read YAML 1.2 (or JSON) text into a located tree.

    Args:
        text: the whole text.
        file: the name used in every location.
        use_c: parse with libyaml when it is installed (else, and on any syntax error, with
            ruamel.yaml's pure parser).

    Raises:
        PathwayError: one located problem.
    """
    with paused():  # the tree holds no cycles: nothing for the collector to find (vcfgraph.io.collector)
        return _parse(text, file, use_c)


def _parse(text: str, file: str, use_c: bool) -> Any:
    events = _c_events(text) if use_c else None
    try:
        if events is not None:
            try:
                return _build(events)
            except _Stop:
                raise
            except Exception as exc:  # libyaml found a syntax error: let ruamel.yaml word it
                if type(exc).__module__.split(".")[0] != "yaml":
                    raise
        return _build(_pure_events(text))
    except _Stop as stop:
        raise PathwayError([Problem(Location(file, stop.pos[0] + 1, stop.pos[1] + 1), stop.message)]) from None
    except Exception as exc:
        if type(exc).__module__.split(".")[0] != "ruamel":
            raise
        raise _syntax_error(exc, file, text) from None
