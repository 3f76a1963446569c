"""Exceptions of vcfgraph: one root, each error carrying the data a person needs to fix it.

Every error a user can cause (a bad pathway file, a bad case, a command used wrongly) is a
:class:`VcfgraphError` with an exit code and a message that says what is wrong, where, and how
to fix it. The command line catches only this root; anything else is a bug.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable, Sequence

__all__ = [
    "VcfgraphError",
    "UsageError",
    "Location",
    "Problem",
    "PathwayError",
    "CaseError",
    "RouteError",
    "suggest",
    "did_you_mean",
    "short",
]

EXIT_FINDINGS = 1
EXIT_USAGE = 2


@dataclass(frozen=True, order=True)
class Location:
    """A place in a source file, 1-based, as editors and compilers count."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem found while reading a file."""

    loc: Location
    message: str

    def __str__(self) -> str:
        return f"{self.loc}: {self.message}"


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """Return the closest of ``choices`` to ``word``, or None when nothing is close."""
    word = str(word)
    if len(word) > 200:  # no id is that long, and comparing a huge value would be slow
        return None
    matches = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return "; did you mean 'x'?" for the closest choice, or an empty string."""
    match = suggest(word, choices)
    return f"; did you mean '{match}'?" if match else ""


class VcfgraphError(Exception):
    """Root of every error a user can cause. ``exit_code`` is what the CLI exits with."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(VcfgraphError):
    """A command was used wrongly: a missing file, a bad option value."""


class PathwayError(VcfgraphError):
    """A pathway file is unusable. Carries every problem found, sorted by position."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(sorted(set(problems)))
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def path(self) -> str:
        return self.problems[0].loc.file if self.problems else ""


class CaseError(VcfgraphError):
    """A case is unusable: unknown fact, wrong type, value outside the fact's domain.

    Attributes:
        case: the case id, when known.
        fact: the fact name concerned, when there is one.
        value: the offending value.
        allowed: words describing the allowed values.
        loc: where in a file, when the case came from one.
    """

    def __init__(
        self,
        message: str,
        *,
        case: str | None = None,
        fact: str | None = None,
        value: object = None,
        allowed: str | None = None,
        loc: Location | None = None,
    ) -> None:
        self.case = case
        self.fact = fact
        self.value = value
        self.allowed = allowed
        self.loc = loc
        prefix = f"{loc}: " if loc else ""
        where = f"case '{case}': " if case else ""
        super().__init__(f"{prefix}{where}{message}")


class RouteError(VcfgraphError):
    """The pathway cannot decide a case: two branches match, or none does.

    Attributes:
        node: the question node where the walk stopped.
        edges: the edge ids involved.
    """

    exit_code = EXIT_FINDINGS

    def __init__(self, message: str, *, node: str, edges: Sequence[str] = ()) -> None:
        self.node = node
        self.edges = tuple(edges)
        super().__init__(message)


def short(text: str, limit: int = 60) -> str:
    """Never an unbounded value in a message: long text is cut, and invisible characters (a
    newline too) are shown as escapes."""
    cut = "".join(c if c.isprintable() else (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}") for c in text[:limit])
    return cut if len(text) <= limit else cut + "..."
