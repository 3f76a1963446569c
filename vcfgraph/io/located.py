"""Checked reading of a located data tree: every problem is kept with its file:line:column.

The tree is what ruamel.yaml's round-trip loader gives (mappings and sequences that know where
each key and item stood); plain dicts and lists work too, with line 0. :class:`Reader` checks
shapes and types, collects every problem instead of stopping at the first, and suggests the
closest allowed word for an unknown one. It reads no files: :mod:`vcfgraph.io.load` does.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from vcfgraph.conditions import format_value
from vcfgraph.errors import Location, Problem, did_you_mean, short, suggest
from vcfgraph.io.tree import Map, Seq

__all__ = ["Reader", "IDENTIFIER", "MAX_MESSAGE", "MAX_CONDITION_PARTS", "MAX_CONDITION_DEPTH", "MAX_PROBLEMS", "url_problem", "condition_size_problem"]

#: the longest message a reader keeps: a value from a file is never formatted into it unbounded
MAX_MESSAGE = 1000
#: most problems one file's report lists; past them, their number
MAX_PROBLEMS = 200
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
#: most parts (mappings, lists and values) in one condition
MAX_CONDITION_PARTS = 2000
#: deepest nesting of one condition, in mappings and lists
MAX_CONDITION_DEPTH = 32
#: the schemes a source address may have; anything else (javascript:, data:, file:) is refused
_URL_SCHEMES = ("http", "https")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_URL_BAD = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def _pos(pair: Any) -> tuple[int, int]:
    if not pair:
        return (0, 0)
    line, col = pair[0], pair[1]
    return (line + 1, col + 1) if line is not None else (0, 0)


class Reader:
    """Collects located problems while walking a tree."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.left_out = 0
        self._left_out_at: Location | None = None

    # ----------------------------------------------------------------- positions

    def at(self, container: Any, key: Any = None, *, of_key: bool = False) -> Location:
        """Location of ``container[key]`` (its value, or its key with ``of_key``), or of
        the container itself when ``key`` is None."""
        if container.__class__ is Map:  # the common case, without exceptions: a key often is absent
            marks = container.lc
            try:
                pair = marks.find(key, of_key) if key is not None else None
            except TypeError:  # an unhashable key
                pair = None
            if pair is None:
                return Location(self.file, marks.line + 1, marks.col + 1)
            return Location(self.file, pair[0] + 1, pair[1] + 1)
        lc = getattr(container, "lc", None)
        if lc is None:
            return Location(self.file)
        try:
            if key is None:
                return Location(self.file, *_pos((lc.line, lc.col)))
            if isinstance(container, Mapping):
                return Location(self.file, *_pos(lc.key(key) if of_key else lc.value(key)))
            return Location(self.file, *_pos(lc.item(key)))
        except (KeyError, IndexError, TypeError, AttributeError):
            return Location(self.file, *_pos((lc.line, lc.col)))

    def at_path(self, root: Any, path: Sequence[Any]) -> Location:
        """Location of the item reached from ``root`` by following ``path``."""
        node, loc = root, self.at(root)
        for step in path:
            try:
                child = node[step]
            except (KeyError, IndexError, TypeError):
                return self.at(node, step, of_key=True) if isinstance(node, Mapping) else loc
            loc = self.at(node, step)
            node = child
        return loc

    @property
    def full(self) -> bool:
        """Whether the report holds all the problems it lists: a further problem is only counted."""
        return bool(self.left_out) or len(self.problems) >= MAX_PROBLEMS

    def hint(self, word: str, choices: Iterable[str]) -> str:
        """``"; did you mean 'x'?"`` for a message about ``word``; nothing once the report is
        :attr:`full` (the message would only be counted, and a close match costs time)."""
        return "" if self.full else did_you_mean(word, choices)

    def report(self, loc: Location, message: str) -> None:
        """Keep a problem; a message is never longer than :data:`MAX_MESSAGE` characters, and
        past :data:`MAX_PROBLEMS` problems only their number is kept (one last problem, at the
        first one left out, says how many), so no file can make an unbounded report."""
        if self.left_out or len(self.problems) >= MAX_PROBLEMS:
            if not self.left_out:  # the last place makes room for the count
                self._left_out_at = self.problems.pop().loc
                self.left_out = 1
            self.left_out += 1
            count = Problem(self._left_out_at or loc, f"... and {self.left_out} more problems "
                                                      f"(only the first {MAX_PROBLEMS - 1} are listed)")
            if self.left_out == 2:
                self.problems.append(count)
            else:
                self.problems[-1] = count
            return
        if len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE] + "... (message cut)"
        self.problems.append(Problem(loc, message))

    # ----------------------------------------------------------------- shapes

    def mapping(
        self,
        data: Any,
        loc: Location,
        what: str,
        required: Iterable[str] = (),
        optional: Iterable[str] = (),
    ) -> Mapping[str, Any] | None:
        """Check that ``data`` is a mapping with only the allowed keys and every required one."""
        required = tuple(required)
        allowed = required + tuple(optional)
        if data.__class__ is not Map and not isinstance(data, Mapping):
            self.report(loc, f"{what} must be a mapping of keys to values, got {_kind(data)}")
            return None
        meant = set()
        for key in data:
            if key not in allowed:
                hint = did_you_mean(str(key), allowed)
                meant.add(suggest(str(key), allowed))
                self.report(self.at(data, key, of_key=True), f"unknown key '{key}' in {what}{hint}")
        for key in required:
            if key not in data and key not in meant:
                self.report(loc, f"{what} is missing the required key '{key}'")
        return data

    def sequence(self, data: Any, loc: Location, what: str) -> Sequence[Any]:
        """Check that ``data`` is a list; an absent (None) list is empty."""
        if data is None:
            return ()
        if data.__class__ is Seq or isinstance(data, Sequence) and not isinstance(data, str):
            return data
        self.report(loc, f"{what} must be a list, got {_kind(data)}")
        return ()

    # ----------------------------------------------------------------- scalars

    def text(self, data: Mapping[str, Any], key: str, what: str, default: str = "") -> str:
        """A text value; dates are accepted and written as YYYY-MM-DD."""
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, (int, float)) and not isinstance(value, bool) and key in ("version", "revision"):
            self.report(self.at(data, key), f"'{key}' of {what} must be text, got {_kind(value)}; quote it "
                                            f"(\"1.10\") so that it is read as written, not as a number")
            return default
        self.report(self.at(data, key), f"'{key}' of {what} must be text, got {_kind(value)}")
        return default

    def identifier(self, data: Mapping[str, Any], key: str, what: str) -> str:
        """An id: a letter, then letters, digits and underscores."""
        value = data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str) or not IDENTIFIER.match(value):
            self.report(
                self.at(data, key),
                f"'{key}' of {what} must be an id (a letter, then letters, digits or _), got {_show(value)}",
            )
            return ""
        return value

    def integer(self, data: Mapping[str, Any], key: str, what: str, low: int | None = None, high: int | None = None) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            self.report(self.at(data, key), f"'{key}' of {what} must be a whole number, got {_show(value)}")
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            self.report(self.at(data, key), f"'{key}' of {what} must be from {low} to {high}, got {value}")
            return None
        return value

    def choice(self, data: Mapping[str, Any], key: str, what: str, choices: Sequence[str], default: str = "") -> str:
        """One word of ``choices``."""
        value = data.get(key)
        if value is None:
            return default
        if not isinstance(value, str) or value not in choices:
            self.report(
                self.at(data, key),
                f"'{key}' of {what} must be one of {', '.join(choices)}; got {_show(value)}"
                f"{did_you_mean(str(value), choices)}",
            )
            return default
        return value

    def texts(self, data: Mapping[str, Any], key: str, what: str) -> tuple[str, ...]:
        """A list of texts (a single text is taken as a list of one)."""
        value = data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value.strip(),)
        items = self.sequence(value, self.at(data, key), f"'{key}' of {what}")
        out = []
        for i, item in enumerate(items):
            if isinstance(item, str):
                out.append(item.strip())
            else:
                self.report(self.at(items, i), f"item {i + 1} of '{key}' in {what} must be text, got {_kind(item)}")
        return tuple(out)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"true/false ({format_value(value)})"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, (int, float)):
        return f"a number ({short(str(value))})"
    return f"'{short(str(value))}'"


def _show(value: Any) -> str:
    return f"'{short(value)}'" if isinstance(value, str) else short(format_value(value))


def condition_size_problem(raw: Any) -> str:
    """Why a raw condition is too large to read, or an empty string (counted with a loop)."""
    todo = [(raw, 1)]
    parts = 0
    while todo:
        node, depth = todo.pop()
        parts += 1
        if parts > MAX_CONDITION_PARTS:
            return f"has more than {MAX_CONDITION_PARTS} parts, the most vcfgraph reads in one condition"
        if depth > MAX_CONDITION_DEPTH:
            return f"nests deeper than {MAX_CONDITION_DEPTH} levels, the most vcfgraph reads in one condition"
        if isinstance(node, dict):  # located trees are dicts and lists (ruamel's too)
            todo.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, (list, tuple)):
            todo.extend((v, depth + 1) for v in node)
    return ""


def url_problem(url: str) -> str:
    """Why ``url`` cannot be a link on a page (words to follow "'url' of ..."), or ''.

    Only http:, https: and relative addresses are links; browsers drop tabs and newlines inside
    a scheme, so any space or control character is refused before the scheme is read.
    """
    if not url:
        return ""
    if _URL_BAD.search(url):
        return "holds a space or a control character; write it as %20 (or remove it)"
    scheme = _SCHEME.match(url)
    if scheme and scheme.group(1).lower() not in _URL_SCHEMES:
        return f"must be an http:, https: or relative address, got a '{short(scheme.group(1), 20)}:' address"
    return ""
