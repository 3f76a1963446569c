"""SQL text for the SQL export: quoting, the two dialects, conditions and the reading of a fact's cells.

Everything from a pathway that reaches SQL text goes through :func:`literal` or :func:`ident`:
a string literal is written in printable ASCII only (a quote doubled; a backslash, a control or
any non-ASCII character as ``chr(n)``), so it means the same whatever the server's
``standard_conforming_strings`` or client encoding; an identifier is double-quoted with its quotes
doubled. Facts are read inside the query through generated column names (``f0``, ``f1`` ...), so
a fact's name appears only once, quoted, where the table's column is read.

:func:`condition` writes a parsed condition (:mod:`vcfgraph.conditions`) as an SQL boolean that
is NULL exactly where :func:`vcfgraph.conditions.evaluate` gives None: SQL's AND, OR and NOT are
the same Kleene logic, a test reads its fact's "not recorded" value under the same rule, and
counts and points rules are written out with the same bounds. :func:`read_fact` reads a cell as
``vcfgraph batch`` reads a CSV cell (:func:`vcfgraph.validate.parse_fact_value`). Assembling the
query is :mod:`vcfgraph.export.sql`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, assert_never

from vcfgraph import conditions as cm
from vcfgraph.model import Fact

__all__ = ["DIALECTS", "Dialect", "SqlUnsupported", "MAX_CONDITION_TEXT", "literal", "ident", "value_literal",
           "condition", "read_fact", "space", "WHITESPACE"]

#: the most text one condition may take once written out (a count nested in a count doubles it)
MAX_CONDITION_TEXT = 2_000_000
#: every character Python's ``str.strip()`` removes (the batch reader strips cells so)
WHITESPACE = tuple(c for c in range(0x3001) if chr(c).isspace())
_NULL_WORDS = ("null", "unknown", "?", "")
_QUOTE = "''''"  # the SQL literal of one quote
_TRUE = ("true", "yes", "y")
_FALSE = ("false", "no", "n")


class SqlUnsupported(ValueError):
    """A pathway the SQL export cannot write faithfully (a cycle, text that is not valid SQL
    text, a question with too many combinations of facts, names a database would confuse)."""


@dataclass(frozen=True)
class Dialect:
    """The few places where DuckDB and PostgreSQL spell things differently."""

    name: str
    #: ``{s}``, ``{chars}``: strip the characters from both ends
    trim: str
    #: ``{s}``: true when the text is a whole number as the batch reads one
    whole: str
    #: the exact numeric type wide enough for 30 digits, and a cast that may fail (``{s}``)
    wide_cast: str
    #: ``{s}``: true when the text is one to nine digits (a fast path to BIGINT)
    digits: str

    def __str__(self) -> str:
        return self.name


_WHOLE = "[+-]?[0-9]{1,30}([.]0*)?"  # no backslash: a literal means the same on every server
DIALECTS = {
    "duckdb": Dialect("duckdb", "trim({s}, {chars})", f"regexp_full_match({{s}}, '{_WHOLE}')",
                      "TRY_CAST({s} AS DECIMAL(38, 0))", "regexp_full_match({s}, '[0-9]{1,9}')"),
    "postgres": Dialect("postgres", "btrim({s}, {chars})", f"({{s}} ~ '^{_WHOLE}$')", "CAST({s} AS NUMERIC)",
                        "({s} ~ '^[0-9]{1,9}$')"),
}


def literal(text: str) -> str:
    """An SQL string literal in printable ASCII; a NUL or a lone surrogate is refused."""
    parts: list[str] = []
    run: list[str] = []
    for char in text:
        code = ord(char)
        if code == 0 or 0xD800 <= code <= 0xDFFF:
            raise SqlUnsupported(f"the text {text[:40]!r} holds a character no SQL text can hold (U+{code:04X})")
        if 0x20 <= code < 0x7F and char != "\\":
            run.append("''" if char == "'" else char)
            continue
        if run:
            parts.append("'" + "".join(run) + "'")
            run = []
        parts.append(f"chr({code})")
    if run or not parts:
        parts.append("'" + "".join(run) + "'")
    return parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"


def ident(name: str) -> str:
    """A double-quoted identifier (quotes doubled); a NUL is refused."""
    if "\x00" in name or not name:
        raise SqlUnsupported(f"the name {name[:40]!r} cannot be an SQL identifier")
    return '"' + name.replace('"', '""') + '"'


def value_literal(value: Any) -> str:
    """A fact value as SQL: TRUE / FALSE, a whole number, or a string literal."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if cm.is_number(value):
        return str(int(value))
    if isinstance(value, str):
        return literal(value)
    raise SqlUnsupported(f"the value {cm.format_value(value)[:40]} is not a value of a fact")


def _fits(fact: Fact, value: Any) -> bool:
    """Whether ``value`` has the fact's type (a test against another type is never true)."""
    if fact.type == "bool":
        return isinstance(value, bool)
    if fact.type == "int":
        return cm.is_number(value)
    return isinstance(value, str)


def _decided(column: str, when_known: str) -> str:
    """NULL when the value is not known, else ``when_known`` (TRUE or FALSE)."""
    return f"(CASE WHEN {column} IS NULL THEN NULL ELSE {when_known} END)"


class _Writer:
    """Writes conditions over the columns of the facts (fact name -> (fact, column))."""

    def __init__(self, columns: dict[str, tuple[Fact, str]]) -> None:
        self.columns = columns

    def cond(self, c: cm.Condition) -> str:
        out = self._cond(c)
        if len(out) > MAX_CONDITION_TEXT:
            raise SqlUnsupported(f"a condition takes more than {MAX_CONDITION_TEXT} characters of SQL "
                                 f"(counts or points rules nested too deep): {cm.describe(c)[:80]}")
        return out

    def _cond(self, c: cm.Condition) -> str:
        match c:
            case cm.Test():
                return self._test(c)
            case cm.Not():
                return f"(NOT {self.cond(c.item)})"
            case cm.Named():
                return self.cond(c.item)
            case cm.AllOf():
                return "(" + " AND ".join(self.cond(i) for i in c.items) + ")" if c.items else "TRUE"
            case cm.AnyOf():
                return "(" + " OR ".join(self.cond(i) for i in c.items) + ")" if c.items else "FALSE"
            case cm.AtLeast():
                items = [self.cond(i) for i in c.items]
                true = _sum(f"CASE WHEN {i} THEN 1 ELSE 0 END" for i in items)
                open_ = _sum(f"CASE WHEN {i} IS NOT FALSE THEN 1 ELSE 0 END" for i in items)
                return f"(CASE WHEN {true} >= {c.n} THEN TRUE WHEN {open_} < {c.n} THEN FALSE END)"
            case cm.Points():
                items = [self.cond(i) for i in c.items]
                low = _sum(f"CASE WHEN {i}{' IS NOT FALSE' if a < 0 else ''} THEN {a} ELSE 0 END"
                           for i, a in zip(items, c.adds))
                high = _sum(f"CASE WHEN {i}{' IS NOT FALSE' if a > 0 else ''} THEN {a} ELSE 0 END"
                            for i, a in zip(items, c.adds))
                return f"(CASE WHEN {low} >= {c.threshold} THEN TRUE WHEN {high} < {c.threshold} THEN FALSE END)"
            case _:
                assert_never(c)

    def _test(self, t: cm.Test) -> str:
        if t.fact not in self.columns:
            raise SqlUnsupported(f"a condition reads '{t.fact}', which is not a fact of the pathway")
        fact, col = self.columns[t.fact]
        if t.op == "is_known":
            return f"({col} IS NOT NULL)" if t.value is True else (f"({col} IS NULL)" if t.value is False else "FALSE")
        a = col
        if t.assume is not None:
            assumed = value_literal(t.assume) if _fits(fact, t.assume) else None
            if assumed is None:
                raise SqlUnsupported(f"the 'not recorded' value of '{t.fact}' is not one of its values")
            a = (f"COALESCE({col}, {assumed})" if t.assume_when is None else
                 f"(CASE WHEN {col} IS NULL AND {self.cond(t.assume_when)} IS TRUE THEN {assumed} ELSE {col} END)")
        op, value = t.op, t.value
        if op in ("eq", "ne"):
            if value is None:
                return f"({a} IS NULL)" if op == "eq" else f"({a} IS NOT NULL)"
            if not _fits(fact, value):
                return _decided(a, "FALSE" if op == "eq" else "TRUE")
            return f"({a} {'=' if op == 'eq' else '<>'} {value_literal(value)})"
        if op == "in":
            others = [v for v in value if v is not None and _fits(fact, v)]
            listed = f"{a} IN ({', '.join(value_literal(v) for v in others)})" if others else ""
            if None in value:
                return f"({a} IS NULL OR {listed})" if others else f"({a} IS NULL)"
            return f"({listed})" if others else _decided(a, "FALSE")
        if op in ("lt", "le", "gt", "ge", "between"):
            bounds = list(value) if op == "between" else [value]
            if not all(cm.is_number(b) for b in bounds):
                raise SqlUnsupported(f"the test '{cm.describe(t)}' compares with something that is not a number")
            if fact.type != "int":
                return _decided(a, "FALSE")
            if op == "between":
                return f"({a} BETWEEN {int(bounds[0])} AND {int(bounds[1])})"
            sign = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}[op]
            return f"({a} {sign} {int(value)})"
        raise SqlUnsupported(f"the operator '{op}' has no SQL form")


def _sum(terms: Any) -> str:
    listed = [f"({t})" for t in terms]
    return "(" + " + ".join(listed) + ")" if listed else "0"


def condition(c: cm.Condition, columns: dict[str, tuple[Fact, str]]) -> str:
    """``c`` as an SQL boolean over the fact columns (fact name -> (fact, column name)).

    Raises:
        SqlUnsupported: the condition reads an undeclared fact, or is too large once written out.
    """
    return _Writer(columns).cond(c)


def _one_of(x: str, literals: list[str]) -> str:
    """True when ``x`` (not NULL) is one of the literals. Written as a CASE, not IN: DuckDB turns
    an IN list inside an expression into a join that computes ``x`` for every row."""
    if not literals:
        return "FALSE"
    return f"(CASE {x} " + " ".join(f"WHEN {v} THEN TRUE" for v in literals) + " ELSE FALSE END)"


def read_fact(fact: Fact, raw: str, chars: str, dialect: Dialect) -> tuple[str, str]:
    """How one cell of ``fact`` is read, as SQL: its value (NULL when not known or invalid), and
    its error message, to be used only where the cell is not NULL and its value is.

    ``raw`` is the cell as text, ``chars`` the white space to strip (:func:`space`). A cell
    written as the batch writes values (``true``, ``70``, an enum word) takes a fast path; any
    other is stripped and lower-cased as :func:`vcfgraph.validate.parse_fact_value` does.
    """
    word = dialect.trim.replace("{chars}", chars).replace("{s}", raw)
    low = f"lower(replace({word}, chr(8490), 'k'))"  # Python lowers the Kelvin sign to k, as in unknown
    blank = _one_of(low, [literal(w) for w in _NULL_WORDS])
    head = literal(f"fact '{fact.name}' cannot be ")
    tail = literal(f"; allowed: {fact.allowed()}")
    if fact.type == "bool":
        value = (f"(CASE WHEN {raw} IS NULL THEN NULL WHEN {raw} = 'true' THEN TRUE WHEN {raw} = 'false' THEN FALSE "
                 f"WHEN {_one_of(low, [literal(w) for w in _TRUE])} THEN TRUE "
                 f"WHEN {_one_of(low, [literal(w) for w in _FALSE])} THEN FALSE END)")
        return value, f"(CASE WHEN {blank} THEN NULL ELSE {head} || {_QUOTE} || {word} || {_QUOTE} || {tail} END)"
    if fact.type == "enum":
        listed = [literal(v) for v in fact.values]
        shown = f"CASE WHEN length({word}) <= 60 THEN {word} ELSE left({word}, 60) || '...' END"
        value = (f"(CASE WHEN {raw} IS NULL THEN NULL WHEN {_one_of(raw, listed)} THEN {raw} "
                 f"WHEN {_one_of(word, listed)} AND NOT {blank} THEN {word} END)")
        return value, f"(CASE WHEN {blank} THEN NULL ELSE {head} || {_QUOTE} || ({shown}) || {_QUOTE} || {tail} END)"
    if fact.type == "int":
        assert fact.min is not None and fact.max is not None
        digits = dialect.digits.replace("{s}", raw)
        fast = f"CAST({raw} AS BIGINT)"
        number = dialect.wide_cast.replace("{s}", f"split_part({word}, '.', 1)")
        whole = dialect.whole.replace("{s}", word)
        shown = f"CASE WHEN length({word}) <= 40 THEN {word} ELSE left({word}, 40) || '...' END"
        # CASE keeps the order of its branches (AND need not): a number is read only from digits
        value = (f"(CASE WHEN {raw} IS NULL THEN NULL "
                 f"WHEN {digits} THEN (CASE WHEN {fast} BETWEEN {fact.min} AND {fact.max} THEN {fast} END) "
                 f"WHEN {blank} THEN NULL WHEN NOT {whole} THEN NULL "
                 f"WHEN {number} BETWEEN {fact.min} AND {fact.max} THEN CAST({number} AS BIGINT) END)")
        bad = (f"(CASE WHEN {blank} THEN NULL WHEN NOT {whole} THEN {head} || {_QUOTE} || ({shown}) || {_QUOTE} || {tail} "
               f"ELSE {head} || CAST({number} AS TEXT) || {tail} END)")
        return value, bad
    raise SqlUnsupported(f"the fact '{fact.name}' has the type '{fact.type}', which has no SQL form")


def space() -> str:
    """The characters ``str.strip()`` removes, as one SQL text."""
    return " || ".join(f"chr({c})" for c in WHITESPACE)
