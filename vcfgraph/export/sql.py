"""The pathway as one SQL query over a table of cases, in the dialects of DuckDB and PostgreSQL.

:func:`to_sql` writes a query that reads a table (or view) with a ``case_id`` column and one
column per fact, and gives one row per case with the columns of ``vcfgraph batch``'s CSV output:
``case_id``, ``outcome`` (variant, handoff, need_info, invalid, route_error), ``terminal``,
``missing``, ``usually_appropriate``, ``may_be_appropriate``, ``usually_not_appropriate``,
``contraindicated`` (lists joined by ``;``, empty when empty) and ``error``. It routes as
:func:`vcfgraph.engine.trace` does:

- every cell is read as the batch reads a CSV cell (text, stripped; true/yes, whole numbers,
  enum words exactly; empty, null or unknown is not known); a value outside the fact's domain
  makes the row ``invalid`` with the batch's message (without its did-you-mean hint);
- the walk is a chain of steps, one per depth of the pathway; at a question each answer's
  condition is an SQL boolean in three-valued logic (:mod:`vcfgraph.export.sqltext`), with the
  ``unknown:`` policies; one answer true goes on, two are a route error, none with one undecided
  stops with need_info, else the ``otherwise`` answer;
- need_info rows get the facts ``trace`` asks for from a lookup table built by the engine itself
  (:mod:`vcfgraph.export.sqlneed`);
- at a variant, an offered action whose ``set_apart`` check comes out false is moved to
  ``contraindicated``;
- at a variant with rules that fire together, one more step: a rule that is NULL (undecided)
  stops the row with need_info (the facts asked for from a lookup built by
  :func:`vcfgraph.engine.finish`), two fired contributions rating one action are the route error
  trace gives, and otherwise the lists hold the variant's own ratings and the fired rules'. Such a
  pathway's result has a ``rules`` column (the rules that fired), and a pathway with rating
  modifiers ``favoured`` and ``disfavoured`` columns (the rated actions whose modifier of that
  direction holds), after ``contraindicated``, as ``vcfgraph batch`` writes them.

The query is plain text, the same for the same pathway, dialect and table name; every name and
text from the pathway is quoted by :mod:`vcfgraph.export.sqltext`. Running it is left to the
database (and the tests); the command line is :mod:`vcfgraph.cli.export`.
"""

from __future__ import annotations

import re

from vcfgraph.conditions import Condition, describe
from vcfgraph.export.sqlneed import need_table, rules_need_table
from vcfgraph.export.sqltext import DIALECTS, SqlUnsupported, condition, ident, literal, read_fact, space
from vcfgraph.model import MODIFIER_DIRECTIONS, Fact, Node, Pathway, Rating, Rule
from vcfgraph.scale import OFFERED_SLOTS, SLOT_LISTS, SLOT_ORDER

__all__ = ["DIALECTS", "DEFAULT_TABLE", "MAX_QUERY_TEXT", "OUTPUT_COLUMNS", "SqlUnsupported", "output_columns",
           "table_name", "to_sql"]

DEFAULT_TABLE = "cases"
CASE_ID = "case_id"
#: the result's columns, as ``vcfgraph batch`` names them
OUTPUT_COLUMNS = (CASE_ID, "outcome", "terminal", "missing", *SLOT_LISTS.values(), "contraindicated", "error")
_PG_NAME_BYTES = 63
#: the longest query the export writes (the bundled pathway's is under 100 kB)
MAX_QUERY_TEXT = 20_000_000
Columns = dict[str, tuple[Fact, str]]


def _lists(pathway: Pathway) -> tuple[str, ...]:
    """The list columns after ``missing``: the route's lists, ``contraindicated``, then ``rules``
    when a variant has rules and ``favoured``, ``disfavoured`` when a rating has modifiers."""
    modifiers = any(r.modifiers for n in pathway.nodes for _rule, r in n.all_ratings())
    return (*SLOT_LISTS.values(), "contraindicated", *(("rules",) if pathway.collects() else ()),
            *(MODIFIER_DIRECTIONS if modifiers else ()))


def output_columns(pathway: Pathway) -> tuple[str, ...]:
    """The result's columns for ``pathway``, as ``vcfgraph batch`` names them: :data:`OUTPUT_COLUMNS`,
    with the columns of rules and modifiers before ``error`` when the pathway has them."""
    return (CASE_ID, "outcome", "terminal", "missing", *_lists(pathway), "error")


def table_name(text: str) -> str:
    """``--table``: a name, or ``schema.name``; each part is quoted, so it matches exactly.

    Raises:
        SqlUnsupported: an empty part, a NUL, or a name longer than 200 characters.
    """
    if not text or len(text) > 200 or any(not part for part in text.split(".")):
        raise SqlUnsupported(f"'{text[:60]}' is not a table name (a name, or schema.name, up to 200 characters)")
    return ".".join(ident(part) for part in text.split("."))


def _comment(text: str) -> str:
    """Pathway text safe inside an SQL comment line."""
    return re.sub(r"[^A-Za-z0-9 _.,:()/+-]", "?", text)[:120]


def _check_names(pathway: Pathway, dialect: str) -> None:
    names = [CASE_ID] + [f.name for f in pathway.facts]
    if CASE_ID in names[1:]:
        raise SqlUnsupported("a fact is named case_id, the column of the case ids")
    if dialect == "duckdb":  # DuckDB matches names without regard to case, quoted or not
        folded = [n.lower() for n in names]
        same = sorted({n for n in names if folded.count(n.lower()) > 1})
    else:  # PostgreSQL cuts names to 63 bytes
        cut = [n.encode()[:_PG_NAME_BYTES] for n in names]
        same = sorted({n for n, c in zip(names, cut) if cut.count(c) > 1})
    if same:
        raise SqlUnsupported(f"the facts {', '.join(same)} would be one column in {dialect}")


class _Query:
    """The parts of one query. Node codes: the variants, then the hand-offs, the questions and the
    other nodes, each in file order, from 0 (so an outcome is a range of codes); need_info at the
    question of code i is N + i, two answers holding there 2N + i, none holding (no
    ``otherwise``) 3N + i."""

    def __init__(self, pathway: Pathway, dialect: str, table: str) -> None:
        self.p = pathway
        self.d = DIALECTS[dialect]
        self.table = table
        kinds = ("variant", "handoff", "question")
        order = [n for kind in kinds for n in pathway.nodes if n.kind == kind]
        order += [n for n in pathway.nodes if n.kind not in kinds]
        self.code = {n.id: i for i, n in enumerate(order)}
        self.variants = [n for n in order if n.kind == "variant"]
        self.handoffs = [n for n in order if n.kind == "handoff"]
        self.n = len(pathway.nodes)
        self.cols: Columns = {f.name: (f, f"f{i}") for i, f in enumerate(pathway.facts)}
        #: PostgreSQL folds a CTE used once into the query that uses it, copying each expression
        #: into every place that names its column: each step would double the one before
        self.fence = " MATERIALIZED" if dialect == "postgres" else ""

    def cond(self, c: Condition | None) -> str:
        assert c is not None  # only answers with a condition are written out
        return condition(c, self.cols)

    def target(self, node_id: str) -> int:
        if node_id not in self.code:
            raise SqlUnsupported(f"an answer leads to '{node_id}', which is not a node of the pathway")
        return self.code[node_id]

    # ---------------------------------------------------------------- reading the cells

    def cells(self) -> list[str]:
        n = len(self.p.facts)
        reads = [f"CAST(t.{ident(CASE_ID)} AS TEXT) AS case_id", "sp.chars AS chars"]
        reads += [f"CAST(t.{ident(f.name)} AS TEXT) AS r{i}" for i, f in enumerate(self.p.facts)]
        read = [read_fact(f, f"r{i}", "chars", self.d) for i, f in enumerate(self.p.facts)]
        facts = ["case_id", "chars"] + [f"r{i}" for i in range(n)] + [f"{value} AS f{i}" for i, (value, _b) in enumerate(read)]
        # a cell is wrong where it holds something and its value is NULL; its message is built only there
        bads = [f"CASE WHEN f{i} IS NOT NULL OR r{i} IS NULL THEN NULL ELSE {read[i][1]} END"
                for i in sorted(range(n), key=lambda i: self.p.facts[i].name)]
        checked = ["case_id"] + [f"f{i}" for i in range(n)]
        gate = " OR ".join(f"(f{i} IS NULL AND r{i} IS NOT NULL)" for i in range(n))
        checked.append(f"CASE WHEN {gate} THEN NULLIF(concat_ws('; ', {', '.join(bads)}), '') END AS bad"
                       if bads else "CAST(NULL AS TEXT) AS bad")
        return [
            f"vcfgraph_space AS (\n  SELECT {space()} AS chars\n)",
            f"vcfgraph_cells AS (\n  SELECT {_lines(reads)}\n  FROM {self.table} AS t CROSS JOIN vcfgraph_space AS sp\n)",
            f"vcfgraph_facts AS (\n  SELECT {_lines(facts)}\n  FROM vcfgraph_cells\n)",
            f"vcfgraph_checked AS{self.fence} (\n  SELECT {_lines(checked)}\n  FROM vcfgraph_facts\n)",
        ]

    # ---------------------------------------------------------------- the walk

    def decide(self, q: str) -> str:
        i = self.code[q]
        guarded = [(self.cond(e.condition), self.target(e.target)) for e in self.p.out_edges(q) if e.condition is not None]
        other = next((self.target(e.target) for e in self.p.out_edges(q) if e.condition is None), 3 * self.n + i)
        if not guarded:
            return str(other)
        whens = []
        if len(guarded) > 1:
            count = " + ".join(f"(CASE WHEN {c} THEN 1 ELSE 0 END)" for c, _t in guarded)
            whens.append(f"WHEN {count} > 1 THEN {2 * self.n + i}")
        whens += [f"WHEN {c} THEN {t}" for c, t in guarded]
        whens.append(f"WHEN {' OR '.join(f'{c} IS NULL' for c, _t in guarded)} THEN {self.n + i}")
        return "(CASE\n      " + "\n      ".join(whens) + f"\n      ELSE {other} END)"

    def layers(self) -> list[list[str]]:
        """The questions that may be current before each step, in file order."""
        out: list[list[str]] = []
        current = {self.p.entry} if self.p.node(self.p.entry).kind == "question" else set()
        while current:
            if len(out) > len(self.p.of_kind("question")):
                raise SqlUnsupported("the pathway has a cycle; the SQL export walks pathways without one")
            out.append(sorted(current, key=self.code.__getitem__))
            current = {e.target for q in current for e in self.p.out_edges(q)
                       if self.p.has_node(e.target) and self.p.node(e.target).kind == "question"}
        return out

    def steps(self) -> tuple[list[str], str]:
        layers = self.layers()
        if not layers:
            return [f"vcfgraph_step1 AS (\n  SELECT *, {self.target(self.p.entry)} AS n1\n  FROM vcfgraph_checked\n)"], "n1"
        ctes, source = [], "vcfgraph_checked"
        for k, layer in enumerate(layers, start=1):
            if k == 1:
                expr = self.decide(layer[0])
            else:
                whens = "\n    ".join(f"WHEN {self.code[q]} THEN {self.decide(q)}" for q in layer)
                expr = f"CASE n{k - 1}\n    {whens}\n    ELSE n{k - 1} END"
            ctes.append(f"vcfgraph_step{k} AS{self.fence} (\n  SELECT *, {expr} AS n{k}\n  FROM {source}\n)")
            source = f"vcfgraph_step{k}"
        return ctes, f"n{len(layers)}"

    # ---------------------------------------------------------------- rules that fire together

    def fired(self, rule: Rule | None) -> str:
        """SQL true where a contribution holds: the variant's own ratings always, a rule when true."""
        return "TRUE" if rule is None else f"({self.cond(rule.when)}) IS TRUE"

    def clashes(self, v: Node) -> list[tuple[str, str]]:
        """(both hold, trace's message) for each pair of contributions rating one action, in the
        order trace meets them (the later rating first, then the earlier one it clashes with)."""
        given = list(v.all_ratings())
        out = []
        for k, (rule, rating) in enumerate(given):
            for first, earlier in given[:k]:
                if earlier.action == rating.action and rule is not None:
                    a = f"rule '{first.id}'" if first else "the variant's own rating"
                    out.append((f"{self.fired(first)} AND {self.fired(rule)}", literal(
                        f"{a} and rule '{rule.id}' of '{v.id}' both rate '{rating.action}' for this case; "
                        "the pathway must keep rules that rate the same action exclusive")))
        return out

    def rules(self, source: str, node: str) -> tuple[list[str], str]:
        """The step after the walk at variants with rules: need_info (N + code) where a rule is
        undecided, a clash (2N + code) where two contributions rate one action."""
        whens = []
        for v in self.variants:
            if not v.rules:
                continue
            i = self.code[v.id]
            inner = [f"WHEN {' OR '.join(f'({self.cond(r.when)}) IS NULL' for r in v.rules)} THEN {self.n + i}"]
            clashes = self.clashes(v)
            if clashes:
                inner.append(f"WHEN {' OR '.join(f'({c})' for c, _m in clashes)} THEN {2 * self.n + i}")
            whens.append(f"WHEN {i} THEN (CASE\n      " + "\n      ".join(inner) + f"\n      ELSE {i} END)")
        expr = f"CASE {node}\n    " + "\n    ".join(whens) + f"\n    ELSE {node} END"
        return [f"vcfgraph_rules AS{self.fence} (\n  SELECT *, {expr} AS nr\n  FROM {source}\n)"], "nr"

    # ---------------------------------------------------------------- need_info

    def need(self, last: str, node: str) -> list[str]:
        keys, rows = [], []
        for q in self.p.of_kind("question"):
            if not any(e.condition is not None for e in self.p.out_edges(q.id)):
                continue
            table = need_table(self.p, q.id, self.cols)
            keys.append(f"WHEN {self.n + self.code[q.id]} THEN {table.key}")
            rows += [f"({self.n + self.code[q.id]}, {k}, {literal(';'.join(m))})" for k, m in sorted(table.rows.items())]
        for v in self.variants:
            if v.rules:
                table = rules_need_table(self.p, v.id, self.cols)
                keys.append(f"WHEN {self.n + self.code[v.id]} THEN {table.key}")
                rows += [f"({self.n + self.code[v.id]}, {k}, {literal(';'.join(m))})" for k, m in sorted(table.rows.items())]
        key = f"CASE {node}\n    " + "\n    ".join(keys) + "\n    END" if keys else "CAST(NULL AS BIGINT)"
        values = ("VALUES\n  " + ",\n  ".join(rows) if rows else
                  "SELECT CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS TEXT) WHERE FALSE")
        return [f"vcfgraph_keyed AS{self.fence} (\n  SELECT *, {key} AS need_key\n  FROM {last}\n)",
                f"vcfgraph_need(q, k, missing) AS (\n  {values}\n)"]

    # ---------------------------------------------------------------- the result

    def lists(self, variant: str) -> dict[str, str]:
        items: dict[str, list[str]] = {name: [] for name in _lists(self.p)}
        node = self.p.node(variant)
        for rule, r in sorted(node.all_ratings(), key=lambda g: SLOT_ORDER[g[1].slot]):
            name = literal(r.action)
            fired = None if rule is None else self.fired(rule)
            checks = [c for c in self.p.checks_for(variant, r.action) if c.on_fail == "set_apart"]
            if r.slot not in OFFERED_SLOTS or not checks:
                items[SLOT_LISTS[r.slot]].append(name if fired is None else f"CASE WHEN {fired} THEN {name} END")
                self.leaning(items, r, fired or "TRUE")
                continue
            blocked = " OR ".join(f"{self.cond(c.requires)} IS FALSE" for c in checks)
            given = f"NOT ({blocked})" if fired is None else f"{fired} AND NOT ({blocked})"
            items[SLOT_LISTS[r.slot]].append(f"CASE WHEN {given} THEN {name} END")
            items["contraindicated"].append(f"CASE WHEN {blocked if fired is None else f'{fired} AND ({blocked})'} "
                                            f"THEN {name} END")
            self.leaning(items, r, given)
        if "rules" in items:
            items["rules"] = [f"CASE WHEN {self.fired(rule)} THEN {literal(rule.id)} END" for rule in node.rules]
        return {k: f"concat_ws(';', {', '.join(v)})" if v else "''" for k, v in items.items()}

    def leaning(self, items: dict[str, list[str]], r: Rating, given: str) -> None:
        """The action in ``favoured`` (``disfavoured``) where it is rated for the row (``given``)
        and a modifier of that direction holds."""
        for direction in MODIFIER_DIRECTIONS:
            holds = [f"({self.cond(m.when)}) IS TRUE" for m in r.modifiers if m.direction == direction]
            if holds:
                items[direction].append(f"CASE WHEN {given} AND ({' OR '.join(holds)}) THEN {literal(r.action)} END")

    def errors(self, node: str) -> str:
        whens = []
        for q in self.p.of_kind("question"):
            i = self.code[q.id]
            edges = [(e.id, e.condition) for e in self.p.out_edges(q.id) if e.condition is not None]
            pairs = [(a, b) for x, a in enumerate(edges) for b in edges[x + 1:]]
            if pairs:  # trace names the first two answers that hold, in file order
                inner = " ".join(
                    f"WHEN {self.cond(ca)} AND {self.cond(cb)} THEN " + literal(
                        f"two answers of '{q.id}' both hold for this case: '{a}' ({describe(ca)}) and "
                        f"'{b}' ({describe(cb)}); the pathway must make them exclusive")
                    for (a, ca), (b, cb) in pairs)
                whens.append(f"WHEN {2 * self.n + i} THEN (CASE {inner} END)")
            if not any(e.condition is None for e in self.p.out_edges(q.id)):
                whens.append(f"WHEN {3 * self.n + i} THEN " + literal(
                    f"no answer of '{q.id}' holds for this case and it has no 'otherwise' answer"))
        for v in self.variants:
            if clashes := self.clashes(v):
                inner = " ".join(f"WHEN {c} THEN {m}" for c, m in clashes)
                whens.append(f"WHEN {2 * self.n + self.code[v.id]} THEN (CASE {inner} END)")
        for n in self.p.nodes:
            if n.kind not in ("question", "variant", "handoff"):
                whens.append(f"WHEN {self.code[n.id]} THEN " + literal(
                    f"the walk reached '{n.id}', a {n.kind}, which cannot end a route"))
        return f"CASE {node} " + " ".join(whens) + " END" if whens else "CAST(NULL AS TEXT)"

    def result(self, node: str) -> str:
        n, v, e = f"s.{node}", len(self.variants), len(self.variants) + len(self.handoffs)
        need = f"{n} >= {self.n} AND {n} < {2 * self.n}"
        outcome = (f"CASE WHEN s.bad IS NOT NULL THEN 'invalid' WHEN {n} < {v} THEN 'variant' WHEN {n} < {e} THEN 'handoff' "
                   f"WHEN {need} THEN 'need_info' ELSE 'route_error' END")
        ends = " ".join(f"WHEN {self.code[x.id]} THEN {literal(x.id)}" for x in self.variants + self.handoffs)
        terminal = f"CASE WHEN s.bad IS NULL AND {n} < {e} THEN CASE {n} {ends} END END" if ends else "CAST(NULL AS TEXT)"
        missing = f"CASE WHEN s.bad IS NULL AND {need} THEN COALESCE(m.missing, '') ELSE '' END"
        lists = {x.id: self.lists(x.id) for x in self.variants}
        cols = [f"s.case_id AS {CASE_ID}", f"{outcome} AS outcome", f"{terminal} AS terminal", f"{missing} AS missing"]
        for name in _lists(self.p):
            branches = " ".join(f"WHEN {self.code[x]} THEN {ls[name]}" for x, ls in lists.items() if ls[name] != "''")
            body = f"CASE WHEN s.bad IS NULL AND {n} < {v} THEN CASE {n} {branches} ELSE '' END ELSE '' END" if branches else "''"
            cols.append(f"{body} AS {name}")
        cols.append(f"CASE WHEN s.bad IS NOT NULL THEN s.bad WHEN {n} < {e} OR ({need}) THEN NULL "
                    f"ELSE {self.errors(n)} END AS error")
        return (f"SELECT\n  {_lines(cols)}\nFROM vcfgraph_keyed AS s\n"
                f"LEFT JOIN vcfgraph_need AS m ON m.q = {n} AND m.k = s.need_key")


def _lines(parts: list[str]) -> str:
    return ",\n    ".join(parts)


def to_sql(pathway: Pathway, dialect: str = "duckdb", table: str = DEFAULT_TABLE) -> str:
    """The pathway as one SQL query over a table of cases.

    Args:
        pathway: a loaded (or in-memory) pathway without cycles.
        dialect: ``duckdb`` or ``postgres``.
        table: the table or view to read (a name or ``schema.name``; each part matches exactly).

    Returns:
        The query text, ending in a newline: the same for the same arguments.

    Raises:
        SqlUnsupported: an unknown dialect, a bad table name, or a pathway the export cannot
            write faithfully (a cycle, names the database would confuse, a question with more
            combinations of facts than :data:`vcfgraph.export.sqlneed.MAX_COMBINATIONS`, a
            query longer than :data:`MAX_QUERY_TEXT`).
    """
    if dialect not in DIALECTS:
        raise SqlUnsupported(f"unknown dialect '{dialect}' (choose from {', '.join(DIALECTS)})")
    _check_names(pathway, dialect)
    q = _Query(pathway, dialect, table_name(table))
    steps, node = q.steps()
    if pathway.collects():
        more, node = q.rules(steps[-1].split(" ", 1)[0], node)
        steps += more
    ctes = q.cells() + steps + q.need(steps[-1].split(" ", 1)[0], node)
    head = [
        f"-- vcfgraph export --to sql --dialect {dialect}: the pathway {_comment(pathway.meta.id)} "
        f"{_comment(pathway.meta.version)}".rstrip(),
        f"-- over the table {_comment(table)}: case_id and one column per fact ({len(pathway.facts)} facts).",
        f"-- Result columns: {', '.join(output_columns(pathway))} (lists joined by ';').",
    ]
    text = "\n".join(head) + "\nWITH\n" + ",\n".join(ctes) + "\n" + q.result(node) + ";\n"
    if len(text) > MAX_QUERY_TEXT:
        raise SqlUnsupported(f"the query would take {len(text):,} characters (at most {MAX_QUERY_TEXT:,})")
    return text
