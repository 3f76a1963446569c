"""Compile a pathway once into column operations, and route many coded rows through it at once.

:func:`compile_pathway` turns every answer's condition into a vectorised three-valued mask
(:mod:`vcfgraph.batch.masks`). An :class:`Evaluator` then routes a whole block of rows in bulk:
the rows that arrive at a question are one index array; each answer's mask splits them, and the
pieces move on to the answers' targets, wave after wave, until every row has reached a variant
or a hand-off, or stopped. It gives what :func:`vcfgraph.engine.trace` gives for each row:

- two answers true at once, no answer true with no ``otherwise``, a cycle, or an answer leading
  to an action: the row is handed to ``trace`` itself, whose :class:`RouteError` message becomes
  the row's error (these rows are rare: a checked pathway has none);
- ``need_info``: the facts to ask for depend only on which of the question's tests are true,
  false or unknown for the row, so rows are grouped by that signature and ``trace`` runs once
  per group (cached across blocks) to name the missing facts exactly as it would;
- a variant: the patient-level checks that fail for the row (those that set an action apart)
  decide the recommendation lists, computed once per variant and combination;
- a variant with rules that fire together, or with rating modifiers: rows are grouped by the
  three-valued result of every rule, every set-apart check and every modifier there, and
  :func:`vcfgraph.engine.finish` ends the route once per group (cached across blocks): a rule
  left undecided gives need_info (rows that wait are grouped by their rules' tests, as at a
  question, so the facts asked for are exactly trace's), two fired contributions rating one
  action give that group's route error, otherwise the lists are the variant's own ratings and
  those of the rules that fired.

Reading and writing files is :mod:`vcfgraph.batch.readers`'s job; turning raw columns into codes is
:mod:`vcfgraph.batch.columns`'s.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np

from vcfgraph.batch.masks import (
    NULL,
    Env,
    MaskCond,
    TestMask,
    compile_condition,
    decode_value,
    encode_value,
    evaluate_mask,
    mask_tests,
)
from vcfgraph.batch.results import INVALID_ID, ROUTE_ERROR_ID, Registry, RowResult, result_from_route, variant_result
from vcfgraph.conditions import Value
from vcfgraph.engine import finish, trace
from vcfgraph.errors import RouteError
from vcfgraph.model import Case, Check, Pathway

__all__ = ["CompiledEdge", "CompiledQuestion", "CompiledPathway", "compile_pathway", "Evaluation", "Evaluator"]


@dataclass(frozen=True)
class CompiledEdge:
    """A guarded answer: its id, where it leads, and its compiled condition."""

    id: str
    target: str
    cond: MaskCond


@dataclass(frozen=True)
class CompiledQuestion:
    """A question: guarded answers in file order, the ``otherwise`` answer (id, target) if any,
    and every test of its conditions (the need_info signature)."""

    id: str
    edges: tuple[CompiledEdge, ...]
    otherwise: tuple[str, str] | None
    tests: tuple[TestMask, ...]


@dataclass(frozen=True)
class CompiledPathway:
    """A pathway compiled for bulk evaluation. Plain data: it pickles (for Dask workers)."""

    pathway: Pathway
    questions: Mapping[str, CompiledQuestion]
    #: per ``set_apart`` check: (check, its compiled ``requires``)
    checks: tuple[tuple[Check, MaskCond], ...]
    order: Mapping[str, int]
    max_steps: int
    #: per variant with rules or modifiers: what its result depends on
    variants: Mapping[str, "CompiledVariant"] = field(default_factory=dict)


@dataclass(frozen=True)
class CompiledVariant:
    """A variant whose result depends on more than its set-apart checks: its rules' conditions
    (file order), the conditions of the modifiers of every rating it can give, and the tests of
    what decides which facts need_info asks for when a rule is undecided (the rules' tests and
    those of the red flags' "not recorded" conditions)."""

    rules: tuple[MaskCond, ...]
    modifiers: tuple[MaskCond, ...]
    tests: tuple[TestMask, ...]


def _compile_variant(pathway: Pathway, node_id: str) -> CompiledVariant | None:
    node = pathway.node(node_id)
    mods = [m.when for _rule, r in node.all_ratings() for m in r.modifiers]
    if not node.rules and not mods:
        return None
    rules = tuple(compile_condition(r.when, pathway.fact) for r in node.rules)
    flags = [pathway.fact(n) for n in pathway.rule_reads(node_id)]
    whens = [compile_condition(f.unknown_when, pathway.fact) for f in flags
             if f.red_flag and f.unknown is not None and f.unknown_when is not None]
    tests = tuple(dict.fromkeys(t for c in (*rules, *whens) for t in mask_tests(c)))
    return CompiledVariant(rules, tuple(compile_condition(m, pathway.fact) for m in mods), tests)


def compile_pathway(pathway: Pathway) -> CompiledPathway:
    """Compile every answer's condition and every ``set_apart`` check of ``pathway``.

    Args:
        pathway: a loaded (or in-memory) pathway.

    Returns:
        The compiled pathway; evaluate rows with an :class:`Evaluator`.
    """
    questions: dict[str, CompiledQuestion] = {}
    for node in pathway.of_kind("question"):
        edges, otherwise = [], None
        for edge in pathway.out_edges(node.id):
            if edge.condition is None:
                otherwise = otherwise or (edge.id, edge.target)
            else:
                edges.append(CompiledEdge(edge.id, edge.target, compile_condition(edge.condition, pathway.fact)))
        tests = tuple(t for e in edges for t in mask_tests(e.cond))
        questions[node.id] = CompiledQuestion(node.id, tuple(edges), otherwise, tests)
    cis = tuple((c, compile_condition(c.requires, pathway.fact)) for c in pathway.checks if c.on_fail == "set_apart")
    order = {n.id: i for i, n in enumerate(pathway.nodes)}
    variants = {n.id: cv for n in pathway.of_kind("variant") if (cv := _compile_variant(pathway, n.id)) is not None}
    return CompiledPathway(pathway, questions, cis, order, len(questions) + 1, variants)


@dataclass
class Evaluation:
    """The results of one block of rows.

    Attributes:
        ids: per row, the id of its :class:`RowResult` in the evaluator's registry.
        errors: row index -> the route error message, for rows the pathway could not decide.
        nodes: node id -> rows that reached it; edges: answer edge id -> rows that took it.
    """

    ids: np.ndarray
    errors: dict[int, str] = field(default_factory=dict)
    nodes: Counter[str] = field(default_factory=Counter)
    edges: Counter[str] = field(default_factory=Counter)


def _env(codes: Mapping[str, np.ndarray], idx: np.ndarray) -> Env:
    cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def env(name: str) -> tuple[np.ndarray, np.ndarray]:
        if name not in cache:
            x = codes[name][idx]
            cache[name] = (x, x == NULL)
        return cache[name]

    return env


def _test_values(tests: Sequence[TestMask], env: Env) -> list[np.ndarray]:
    """Per test, each row's result as a small number (3 where the fact is not known): the
    signature that groups need_info rows, which then share their missing facts."""
    out = []
    for test in tests:
        x, null = env(test.fact)
        out.append(np.where(null, 3, test.known(x)))
    return out


def _signature(masks: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, list[object]]:
    """Group rows by a matrix of small codes (one array per test): returns, per row, its group,
    the first row of every group, and a hashable key per group."""
    if len(masks) <= 31:
        key = np.zeros(masks[0].shape, dtype=np.int64)
        for i, m in enumerate(masks):
            key |= m.astype(np.int64) << (2 * i)
        uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        return inverse.reshape(-1), first, [int(u) for u in uniq]
    mat = np.stack(masks, axis=1).astype(np.int8)
    uniq, first, inverse = np.unique(mat, axis=0, return_index=True, return_inverse=True)
    return inverse.reshape(-1), first, [u.tobytes() for u in uniq]


class Evaluator:
    """Routes blocks of coded rows through a compiled pathway, caching what repeats.

    Not thread-safe: use one evaluator per thread or task.
    """

    def __init__(self, compiled: CompiledPathway) -> None:
        self.compiled = compiled
        self.pathway = compiled.pathway
        self.registry = Registry()
        self._need: dict[tuple[str, object], int] = {}
        self._terminal: dict[tuple[object, object], int] = {}
        #: the route errors of clashing contributions, by -1 - the id :meth:`_ended` gave
        self._clashes: list[str] = []

    # ------------------------------------------------------------------ public

    def run(self, codes: Mapping[str, np.ndarray], rows: np.ndarray, n: int) -> Evaluation:
        """Route rows through the pathway.

        Args:
            codes: fact name -> coded values of every row of the block (every fact present).
            rows: indices of the rows to route (the valid ones); the others stay ``invalid``.
            n: the number of rows in the block.

        Returns:
            The result id of every row, the route errors, and the traffic per node and edge.
        """
        ev = Evaluation(np.full(n, INVALID_ID, dtype=np.int32))
        frontier: dict[str, list[np.ndarray]] = {self.pathway.entry: [rows]} if rows.size else {}
        fallback: list[np.ndarray] = []
        for _ in range(self.compiled.max_steps):
            if not frontier:
                break
            following: dict[str, list[np.ndarray]] = defaultdict(list)
            for node_id in sorted(frontier, key=lambda k: self.compiled.order.get(k, -1)):
                idx = np.concatenate(frontier[node_id])
                ev.nodes[node_id] += int(idx.size)
                self._visit(node_id, idx, codes, ev, following, fallback)
            frontier = following
        fallback.extend(i for parts in frontier.values() for i in parts)
        if fallback:
            self._fallback(np.concatenate(fallback), codes, ev)
        return ev

    def evaluate_facts(self, rows: Sequence[Mapping[str, Value]]) -> tuple[list[RowResult], dict[int, str]]:
        """Evaluate rows of valid fact values given as mappings (missing name = not known).

        Returns:
            The result of every row, and row index -> route error message.
        """
        n = len(rows)
        codes = {}
        for fact in self.pathway.facts:
            col = np.full(n, NULL, dtype=np.int64)
            for i, row in enumerate(rows):
                value = row.get(fact.name)
                if value is not None:
                    code = encode_value(fact, value)
                    col[i] = NULL if code is None else code
            codes[fact.name] = col
        ev = self.run(codes, np.arange(n), n)
        return [self.registry.items[i] for i in ev.ids], ev.errors

    # ------------------------------------------------------------------ walking

    def _visit(self, node_id: str, idx: np.ndarray, codes: Mapping[str, np.ndarray], ev: Evaluation,
               following: dict[str, list[np.ndarray]], fallback: list[np.ndarray]) -> None:
        question = self.compiled.questions.get(node_id)
        if question is not None:
            self._question(question, idx, codes, ev, following, fallback)
            return
        kind = self.pathway.node(node_id).kind if self.pathway.has_node(node_id) else ""
        if kind == "variant":
            self._variant(node_id, idx, codes, ev)
        elif kind == "handoff":
            ev.ids[idx] = self._terminal_id((node_id, 0), lambda: RowResult("handoff", node_id))
        else:
            fallback.append(idx)  # an answer leading to an action: trace names the problem

    def _question(self, q: CompiledQuestion, idx: np.ndarray, codes: Mapping[str, np.ndarray], ev: Evaluation,
                  following: dict[str, list[np.ndarray]], fallback: list[np.ndarray]) -> None:
        env = _env(codes, idx)
        masks = [evaluate_mask(e.cond, env) for e in q.edges]
        count = np.zeros(idx.size, dtype=np.int8)
        undecided = np.zeros(idx.size, dtype=bool)
        for t, f in masks:
            count += t
            undecided |= ~(t | f)
        one = count == 1
        for edge, (t, _f) in zip(q.edges, masks):
            self._move(edge.id, edge.target, idx[t & one], ev, following)
        zero = count == 0
        need = zero & undecided
        rest = zero & ~undecided
        if q.otherwise is not None:
            self._move(q.otherwise[0], q.otherwise[1], idx[rest], ev, following)
        else:
            fallback.append(idx[rest])
        fallback.append(idx[count >= 2])
        if need.any():
            self._need_info(q, idx, need, codes, ev)

    @staticmethod
    def _move(edge: str, target: str, sel: np.ndarray, ev: Evaluation, following: dict[str, list[np.ndarray]]) -> None:
        if sel.size:
            following[target].append(sel)
            ev.edges[edge] += int(sel.size)

    def _need_info(self, q: CompiledQuestion, idx: np.ndarray, need: np.ndarray, codes: Mapping[str, np.ndarray],
                   ev: Evaluation) -> None:
        rows = idx[need]
        inverse, first, keys = _signature(_test_values(q.tests, _env(codes, rows)))
        lookup = np.empty(len(keys), dtype=np.int32)
        for j, key in enumerate(keys):
            found = self._need.get((q.id, key))
            if found is None:
                found = self._need[(q.id, key)] = self._traced(self._facts(codes, int(rows[first[j]])))
            lookup[j] = found
        ev.ids[rows] = lookup[inverse]

    def _variant(self, node_id: str, idx: np.ndarray, codes: Mapping[str, np.ndarray], ev: Evaluation) -> None:
        node = self.pathway.node(node_id)
        cv = self.compiled.variants.get(node_id)
        if cv is not None:
            self._contributions(node_id, cv, idx, codes, ev)
            return
        rated = [r.action for r in node.ratings]
        cis = [(c, cond) for c, cond in self.compiled.checks if any(c.applies(node_id, a) for a in rated)]
        if not cis:
            ev.ids[idx] = self._terminal_id((node_id, 0), lambda: variant_result(node, frozenset()))
            return
        env = _env(codes, idx)
        fails = [evaluate_mask(cond, env)[1] for _check, cond in cis]
        inverse, first, keys = _signature(fails)
        lookup = np.empty(len(keys), dtype=np.int32)
        for j, key in enumerate(keys):
            failed = [check for (check, _c), f in zip(cis, fails) if f[first[j]]]
            blocked = frozenset(a for a in rated if any(c.applies(node_id, a) for c in failed))
            lookup[j] = self._terminal_id((node_id, key), lambda: variant_result(node, blocked))
        ev.ids[idx] = lookup[inverse]

    def _contributions(self, node_id: str, cv: CompiledVariant, idx: np.ndarray, codes: Mapping[str, np.ndarray],
                       ev: Evaluation) -> None:
        """A variant with rules or modifiers: need_info where a rule is undecided, else one
        :func:`vcfgraph.engine.finish` per combination of rule, check and modifier results."""
        env = _env(codes, idx)
        rules = [evaluate_mask(c, env) for c in cv.rules]
        waiting = np.zeros(idx.size, dtype=bool)
        for t, f in rules:
            waiting |= ~(t | f)
        if waiting.any():
            rows = idx[waiting]
            self._grouped(("wait", node_id), rows, _test_values(cv.tests, _env(codes, rows)), codes, ev)
        settled = ~waiting
        if not settled.any():
            return
        rows = idx[settled]
        rated = {r.action for _rule, r in self.pathway.node(node_id).all_ratings()}
        masks = [t[settled] for t, _f in rules]
        masks += [evaluate_mask(cond, env)[1][settled] for check, cond in self.compiled.checks
                  if any(check.applies(node_id, a) for a in rated)]
        masks += [evaluate_mask(cond, env)[0][settled] for cond in cv.modifiers]
        self._grouped(("end", node_id), rows, masks or [np.zeros(rows.size, dtype=bool)], codes, ev)

    def _grouped(self, kind: tuple[str, str], rows: np.ndarray, sig: Sequence[np.ndarray],
                 codes: Mapping[str, np.ndarray], ev: Evaluation) -> None:
        """Rows of one variant grouped by ``sig``: the route is ended once per group; a group whose
        contributions clash gives each of its rows that route error."""
        inverse, first, keys = _signature(sig)
        lookup = np.empty(len(keys), dtype=np.int32)
        for j, key in enumerate(keys):
            found = self._terminal.get((kind, key))
            if found is None:
                found = self._terminal[(kind, key)] = self._ended(kind[1], self._facts(codes, int(rows[first[j]])))
            lookup[j] = found
        ids = lookup[inverse]
        ev.ids[rows] = np.where(ids >= 0, ids, ROUTE_ERROR_ID)
        for at in np.flatnonzero(ids < 0):
            ev.errors[int(rows[at])] = self._clashes[-int(ids[at]) - 1]

    def _ended(self, node_id: str, facts: Mapping[str, Value]) -> int:
        """The result id of a route ending at ``node_id``, or -1 - k for the k-th error message."""
        try:
            return self.registry.id(result_from_route(finish(self.pathway, Case("batch-row", facts), node_id)))
        except RouteError as exc:
            self._clashes.append(str(exc))
            return -len(self._clashes)

    def _terminal_id(self, key: tuple[object, object], make: Callable[[], RowResult]) -> int:
        found = self._terminal.get(key)
        if found is None:
            found = self._terminal[key] = self.registry.id(make())
        return found

    # ------------------------------------------------------------------ the engine itself

    def _facts(self, codes: Mapping[str, np.ndarray], row: int) -> dict[str, Value]:
        return {f.name: decode_value(f, int(codes[f.name][row])) for f in self.pathway.facts}

    def _traced(self, facts: Mapping[str, Value]) -> int:
        return self.registry.id(result_from_route(trace(self.pathway, Case("batch-row", facts))))

    def _fallback(self, rows: np.ndarray, codes: Mapping[str, np.ndarray], ev: Evaluation) -> None:
        for row in np.sort(rows):
            try:
                ev.ids[row] = self._traced(self._facts(codes, int(row)))
            except RouteError as exc:
                ev.ids[row] = ROUTE_ERROR_ID
                ev.errors[int(row)] = str(exc)

