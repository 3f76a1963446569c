"""The traversal engine: walk one case through a pathway and record why each step was taken.

:func:`trace` starts at the entry question and, at every question, evaluates each answer's
condition against the case (three-valued: a test on a fact that is not known is undecided).
Exactly one answer must hold; two holding at once is a :class:`RouteError` naming both, never a
silent first pick. The walk ends at a variant (with its rated actions, those added by each of
its rules that hold, which fire together, and the patient-level checks on them: an offered
action whose check fails is set apart, one whose check cannot be settled carries a caution; an
action usually not appropriate keeps its list and notes a failed check), at a hand-off, or with ``need_info`` naming the facts that would let it go
on (those a clinician can answer soonest first) and the outcomes still possible; a variant
whose rules are not all decided ends the walk with ``need_info`` too.

The engine knows nothing of files, YAML or diagrams.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations, product
from typing import Callable, Mapping

from vcfgraph import conditions as cm
from vcfgraph.conditions import Value
from vcfgraph.errors import RouteError
from vcfgraph.scale import ACR_SCALE, OFFERED_SLOTS, SLOT_LISTS, SLOT_ORDER
from vcfgraph.model import Case, Check, Edge, Node, Pathway, Rating
from vcfgraph.validate import check_facts
from vcfgraph.route import (
    BranchCheck,
    Caution,
    CheckResult,
    Contraindicated,
    ModifierResult,
    NeededFact,
    RatedAction,
    Route,
    RuleResult,
    Step,
)

__all__ = ["trace", "finish", "possible_outcomes", "check_expected", "check_states", "modifier_results", "needed_at",
           "rule_results", "OFFERED"]

#: categories under which an action is offered; cautions are shown on these only
OFFERED = OFFERED_SLOTS


def trace(pathway: Pathway, case: Case, *, validate: bool = True) -> Route:
    """Walk ``case`` through ``pathway``.

    Args:
        pathway: a checked pathway.
        case: the patient; a fact it leaves out is not known.
        validate: check the case's facts against the pathway's domains first
            (:func:`vcfgraph.validate.check_facts`); callers that have checked them already, as
            the case file loader does, may pass False.

    Returns:
        The route: its steps, and an outcome of ``variant``, ``handoff`` or ``need_info``.

    Raises:
        CaseError: ``validate`` is on and a fact is unknown or has a value outside its domain.
        RouteError: two answers of a question both hold, none holds and there is no
            ``otherwise``, or the walk comes back to a node it has passed.

    Examples:
        >>> route = trace(pathway, case)            # doctest: +SKIP
        >>> route.outcome, route.terminal           # doctest: +SKIP
        ('variant', 'V5_tx_asymptomatic_osteoporotic_vcf')
    """
    if validate:
        case = replace(case, facts=check_facts(pathway, case.facts, case.id))
    route = _walk(pathway, case)
    assumed = _assumed(pathway, route, case.facts)
    return replace(route, pathway=pathway, facts=dict(case.facts), assumed=assumed)


def finish(pathway: Pathway, case: Case, terminal: str) -> Route:
    """The end of a route at ``terminal`` without the steps that led there: what :func:`trace`
    gives past its walk (the ratings, the patient-level checks, what comes downstream), for a
    caller that found the terminal by the fast walk (:func:`vcfgraph.lightwalk.walk`) and needs no
    explanation. A variant whose rules are not all decided gives a need_info route. ``steps`` and ``assumed`` (which reads the steps) are empty; the case's facts must
    have been checked.

    Raises:
        RouteError: ``terminal`` is not a variant or a hand-off.
    """
    route = _finish(pathway, case, pathway.node(terminal), ())
    return replace(route, pathway=pathway, facts=dict(case.facts))


def _assumed(pathway: Pathway, route: Route, facts: Mapping[str, Value]) -> tuple[str, ...]:
    """Facts with an ``unknown:`` policy that are not recorded and that an answer the route took,
    or a check at the variant it reached, relied on; in reading order."""
    if not any(f.unknown is not None for f in pathway.facts):
        return ()
    edges = {e.id: e for step in route.steps for e in pathway.out_edges(step.node)}
    conds = [edges[s.edge].condition for s in route.steps if s.edge in edges]
    checked = {c.check for c in route.checks}
    conds += [c.requires for c in pathway.checks if c.id in checked]
    if route.rules:
        variant = pathway.node(route.terminal or route.steps[-1].node)
        conds += [rule.when for rule in variant.rules]
    return tuple(dict.fromkeys(n for cond in conds if cond is not None for n in cm.assumptions(cond, facts)))


def _walk(pathway: Pathway, case: Case) -> Route:
    facts = case.facts
    steps: list[Step] = []
    node_id = pathway.entry
    seen: set[str] = set()
    while True:
        if node_id in seen:
            raise RouteError(f"the walk came back to '{node_id}': the pathway has a cycle", node=node_id)
        seen.add(node_id)
        node = pathway.node(node_id)
        if node.kind != "question":
            return _finish(pathway, case, node, tuple(steps))
        checks, taken, undecided = _decide(pathway, node, facts)
        if taken is None:
            needed = _needed(pathway, node, facts, undecided)
            step = Step(node.id, _read(pathway, node, facts), None, None, None, _undecided_text(node, needed), checks)
            return _need_info(pathway, case, tuple(steps) + (step,), undecided, needed)
        steps.append(Step(node.id, _read(pathway, node, facts), taken.id, taken.label, taken.target,
                          _taken_text(node, taken, checks, facts), checks, taken.text,
                          taken.confidence, taken.sources))
        node_id = taken.target


def _read(pathway: Pathway, node: Node, facts: Mapping[str, Value]) -> tuple[tuple[str, Value], ...]:
    return tuple((name, facts.get(name)) for name in pathway.reads(node.id))


def _decide(
    pathway: Pathway, node: Node, facts: Mapping[str, Value]
) -> tuple[tuple[BranchCheck, ...], Edge | None, tuple[Edge, ...]]:
    """Evaluate every answer: returns the checks, the answer taken (or None) and the
    undecided answers (those that keep the walk from going on)."""
    edges = pathway.out_edges(node.id)
    results: dict[str, bool | None] = {}
    for edge in edges:
        if edge.condition is not None:
            results[edge.id] = cm.evaluate(edge.condition, facts)
    holding = [e for e in edges if results.get(e.id) is True]
    if len(holding) > 1:
        a, b = holding[0], holding[1]
        assert a.condition is not None and b.condition is not None  # only answers with a condition hold
        raise RouteError(
            f"two answers of '{node.id}' both hold for this case: '{a.id}' ({cm.describe(a.condition)}) and "
            f"'{b.id}' ({cm.describe(b.condition)}); the pathway must make them exclusive",
            node=node.id, edges=(a.id, b.id),
        )
    undecided = tuple(e for e in edges if e.condition is not None and results[e.id] is None)
    otherwise = next((e for e in edges if e.condition is None), None)
    taken = holding[0] if holding else None
    if taken is None and not undecided:
        if otherwise is None:
            why = "; ".join(cm.reason(e.condition, facts) for e in edges if e.condition is not None)
            raise RouteError(f"no answer of '{node.id}' holds for this case ({why}) and it has no 'otherwise' answer",
                             node=node.id, edges=tuple(e.id for e in edges))
        taken = otherwise
    if taken is None and otherwise is not None:
        undecided = undecided + (otherwise,)
    checks = []
    for edge in edges:
        if edge.condition is None:
            result: bool | None = edge is taken if taken is not None else None
            why = "no other answer holds" if result else ("another answer holds" if taken else "other answers are undecided")
        else:
            result = results[edge.id]
            why = cm.reason(edge.condition, facts)
        checks.append(BranchCheck(edge.id, edge.label, edge.target, result, why))
    return tuple(checks), taken, undecided


def _taken_text(node: Node, taken: Edge, checks: tuple[BranchCheck, ...], facts: Mapping[str, Value]) -> str:
    if taken.condition is None:
        others = [c.reason for c in checks if c.edge != taken.id]
        because = "no other answer holds (" + "; ".join(others) + ")" if others else "it is the only answer"
    else:
        because = cm.reason(taken.condition, facts)
    return f"{node.label} Answered '{taken.label}' because {because}."


def _needed(pathway: Pathway, node: Node, facts: Mapping[str, Value], undecided: tuple[Edge, ...]) -> tuple[str, ...]:
    """The smallest set of unknown facts whose values, whatever they are, settle the question.

    Candidates are tried red flags first (a ``red_flag`` fact that no "not recorded" policy
    reads), then cheapest first: by the facts' ``source`` (history, examination, imaging,
    biopsy), then in reading order, so a question a clinician can answer now is asked before one
    that needs a work-up. Falls back to every unknown fact the undecided answers read.
    """
    edges = pathway.out_edges(node.id)
    return _smallest(pathway, facts, [e.condition for e in undecided if e.condition is not None],
                     lambda known: _settled(edges, known))


def _smallest(pathway: Pathway, facts: Mapping[str, Value], open_conditions: list[cm.Condition],
              settled: "Callable[[Mapping[str, Value]], bool]") -> tuple[str, ...]:
    """The smallest set of the unknown facts ``open_conditions`` read whose values, whatever they
    are, make ``settled`` true; in the order need_info asks (see :func:`_needed`)."""
    unknown: dict[str, None] = {}
    for condition in open_conditions:
        unknown.update(dict.fromkeys(cm.missing_facts(condition, facts)))
    names = sorted(unknown, key=lambda n: (not pathway.fact(n).asked_first(facts), pathway.fact(n).source_rank))
    for size in range(1, min(len(names), 3) + 1):
        for subset in combinations(names, size):
            if all(settled({**facts, **dict(zip(subset, values))})
                   for values in product(*(pathway.fact(n).domain() for n in subset))):
                return subset
    return tuple(names)


def needed_at(pathway: Pathway, node_id: str, facts: Mapping[str, Value]) -> tuple[str, ...]:
    """The facts ``need_info`` would ask for at question ``node_id`` for these facts, in the
    order they are asked (red flags first); empty when an answer holds there.

    Raises:
        RouteError: two answers hold at once, or none does and there is no ``otherwise``.
    """
    node = pathway.node(node_id)
    _checks, taken, undecided = _decide(pathway, node, facts)
    return () if taken is not None else _needed(pathway, node, facts, undecided)


def _settled(edges: tuple[Edge, ...], facts: Mapping[str, Value]) -> bool:
    results = [cm.evaluate(e.condition, facts) for e in edges if e.condition is not None]
    return True in results or (None not in results and any(e.condition is None for e in edges))


def _undecided_text(node: Node, needed: tuple[str, ...]) -> str:
    listed = ", ".join(needed) or "a fact"
    return f"{node.label} Cannot answer yet: {listed} {'is' if len(needed) == 1 else 'are'} not known."


def _need_info(pathway: Pathway, case: Case, steps: tuple[Step, ...], undecided: tuple[Edge, ...],
               names: tuple[str, ...]) -> Route:
    facts = case.facts
    needed = _needed_facts(pathway, names)
    possible: set[str] = set()
    memo: dict[str, frozenset[str]] = {}
    for edge in undecided:
        possible |= possible_outcomes(pathway, edge.target, facts, memo)
    return Route(case.id, "need_info", None, steps, missing=needed, possible=_in_file_order(pathway, possible))


def _needed_facts(pathway: Pathway, names: tuple[str, ...]) -> tuple[NeededFact, ...]:
    """The facts need_info asks for, each with its question, help and allowed values."""
    out = []
    for name in names:
        fact = pathway.fact(name)
        out.append(NeededFact(name, fact.question or f"What is {name}?", fact.help, fact.allowed(), fact.source))
    return tuple(out)


def possible_outcomes(
    pathway: Pathway, node_id: str, facts: Mapping[str, Value], memo: dict[str, frozenset[str]] | None = None
) -> frozenset[str]:
    """Terminals still reachable from ``node_id`` for a case whose unknown facts could be
    anything: answers that hold are followed, undecided ones all are."""
    memo = {} if memo is None else memo
    if node_id in memo:
        return memo[node_id]
    memo[node_id] = frozenset()  # guards against cycles
    node = pathway.node(node_id)
    if node.kind != "question":
        result = frozenset({node_id})
    else:
        edges = pathway.out_edges(node_id)
        results = {e.id: (cm.evaluate(e.condition, facts) if e.condition is not None else None) for e in edges}
        holding = [e for e in edges if e.condition is not None and results[e.id] is True]
        if holding:
            follow = holding
        else:
            follow = [e for e in edges if e.condition is not None and results[e.id] is None]
            follow += [e for e in edges if e.condition is None]
        result = frozenset().union(*(possible_outcomes(pathway, e.target, facts, memo) for e in follow))
    memo[node_id] = result
    return result


def _in_file_order(pathway: Pathway, ids: set[str]) -> tuple[str, ...]:
    return tuple(n.id for n in pathway.nodes if n.id in ids)


def _finish(pathway: Pathway, case: Case, node: Node, steps: tuple[Step, ...]) -> Route:
    if node.kind == "handoff":
        return Route(case.id, "handoff", node.id, steps, downstream=tuple(d for d in node.downstream if d.shown(frozenset())))
    if node.kind != "variant":
        raise RouteError(f"the walk reached '{node.id}', a {node.kind}, which cannot end a route", node=node.id)
    facts = case.facts
    rules = rule_results(node, facts)
    if any(r.state == "undecided" for r in rules):
        return _rules_wait(pathway, case, node, steps, rules)
    fired = {r.rule for r in rules if r.holds}
    given = [(rule.id if rule else "", rating) for rule, rating in node.all_ratings() if rule is None or rule.id in fired]
    _one_rating_each(node, given)
    rated, contraindicated, cautions, results = [], [], [], []
    for rule_id, rating in sorted(given, key=lambda g: SLOT_ORDER[g[1].slot]):
        action = pathway.node(rating.action)
        states = check_states(pathway, node.id, rating.action, facts)
        results += [CheckResult(c.id, rating.action, state, names) for c, state, names in states]
        blocked = next(((c, names) for c, state, names in states if state == "failed" and c.on_fail == "set_apart"), None)
        if blocked is not None and rating.slot in OFFERED:
            check, names = blocked
            contraindicated.append(Contraindicated(rating.action, action.label, rating.category, _failed_text(check, facts),
                                                   rating.confidence, rating.sources, check.id, names, rule_id))
            continue
        rated.append(RatedAction(rating.action, action.label, rating.category, rating.score,
                                 rating.radiation or action.radiation, rating.confidence, rating.sources,
                                 action.modality, rating.note, rating.role_slot, modifier_results(rating, facts), rule_id))
        if rating.slot in OFFERED:
            cautions += _cautions(rating, action, states, facts)
        elif blocked is not None:  # not offered anyway: it keeps its list, and says why it would not be
            check, names = blocked
            cautions.append(Caution(rating.action, action.label, check.id, "Not an option for this patient either: "
                                    + _failed_text(check, facts), names, "failed", check.confidence, check.sources))
    apart = frozenset(c.action for c in contraindicated)
    downstream = tuple(d for d in node.downstream if d.shown(apart))
    return Route(case.id, "variant", node.id, steps, ratings=tuple(rated), contraindicated=tuple(contraindicated),
                 downstream=downstream, cautions=tuple(cautions), checks=tuple(results), rules=rules)


def rule_results(node: Node, facts: Mapping[str, Value]) -> tuple[RuleResult, ...]:
    """Every rule of variant ``node`` evaluated on ``facts``, in file order: the one place a rule
    is decided and explained (``holds``, ``does_not_hold`` or ``undecided``)."""
    out = []
    for rule in node.rules:
        result = cm.evaluate(rule.when, facts)
        if result is None:
            names = cm.missing_facts(rule.when, facts)
            text = f"{rule.label}: undecided ({_not_known(names)})."
            out.append(RuleResult(rule.id, rule.label, "undecided", text, names, rule.confidence, rule.sources))
            continue
        state = "holds" if result else "does_not_hold"
        text = f"{rule.label}: {state.replace('_', ' ')} ({cm.reason(rule.when, facts)})."
        out.append(RuleResult(rule.id, rule.label, state, text, cm.deciding_facts(rule.when, facts),
                              rule.confidence, rule.sources))
    return tuple(out)


def _one_rating_each(node: Node, given: list[tuple[str, Rating]]) -> None:
    """Two contributions that hold together must not rate the same action: that is a route
    error naming both, as two answers holding at once is, never a silent pick."""
    seen: dict[str, str] = {}
    for rule_id, rating in given:
        if rating.action in seen:
            first = seen[rating.action]
            a = f"rule '{first}'" if first else f"the variant's own rating"
            raise RouteError(f"{a} and rule '{rule_id}' of '{node.id}' both rate '{rating.action}' for this case; "
                             "the pathway must keep rules that rate the same action exclusive", node=node.id)
        seen[rating.action] = rule_id


def _rules_wait(pathway: Pathway, case: Case, node: Node, steps: tuple[Step, ...],
                rules: tuple[RuleResult, ...]) -> Route:
    """need_info at a variant whose rules are not all decided: the route knows where it ends but
    not what the rules add, so it asks for the facts that settle every rule."""
    facts = case.facts
    open_rules = [rule for rule, result in zip(node.rules, rules) if result.state == "undecided"]
    names = _smallest(pathway, facts, [r.when for r in open_rules],
                      lambda known: all(cm.evaluate(r.when, known) is not None for r in open_rules))
    listed = ", ".join(names) or "a fact"
    read = tuple((name, facts.get(name)) for name in pathway.rule_reads(node.id))
    step = Step(node.id, read, None, None, None,
                f"{node.label} Cannot settle its rules yet: {listed} {'is' if len(names) == 1 else 'are'} not known.")
    return Route(case.id, "need_info", None, steps + (step,), missing=_needed_facts(pathway, names),
                 possible=(node.id,), rules=rules)


def check_states(pathway: Pathway, variant: str, action: str, facts: Mapping[str, Value]
                 ) -> list[tuple[Check, str, tuple[str, ...]]]:
    """Every patient-level check on ``action`` at ``variant``: (check, state, facts).

    ``state`` is ``satisfied``, ``not_established`` (``facts`` are the unknown ones that keep it
    open) or ``failed`` (``facts`` are the ones that decided it).
    """
    out: list[tuple[Check, str, tuple[str, ...]]] = []
    for check in pathway.checks_for(variant, action):
        result = cm.evaluate(check.requires, facts)
        if result is True:
            out.append((check, "satisfied", ()))
        elif result is None:
            out.append((check, "not_established", cm.missing_facts(check.requires, facts)))
        else:
            out.append((check, "failed", cm.deciding_facts(check.requires, facts)))
    return out


def modifier_results(rating: Rating, facts: Mapping[str, Value]) -> tuple[ModifierResult, ...]:
    """Every modifier of ``rating`` evaluated on ``facts``, in file order: the one place a
    modifier is decided and explained.

    Returns:
        One result per modifier: ``holds`` (``facts`` decided it), ``does_not_hold`` (likewise)
        or ``undecided`` (``facts`` are the unknown ones keeping it open). The explanation reads
        ``Favoured when <condition>: holds (<the facts that decided it>).``
    """
    out = []
    for m in rating.modifiers:
        result = cm.evaluate(m.when, facts)
        head = m.words
        if result is None:
            names = cm.missing_facts(m.when, facts)
            out.append(ModifierResult(m.direction, "undecided", f"{head}: undecided ({_not_known(names)}).",
                                      m.reason, names, m.sources))
            continue
        state = "holds" if result else "does_not_hold"
        out.append(ModifierResult(m.direction, state, f"{head}: {state.replace('_', ' ')} ({cm.reason(m.when, facts)}).",
                                  m.reason, cm.deciding_facts(m.when, facts), m.sources))
    return tuple(out)


def _failed_text(check: Check, facts: Mapping[str, Value]) -> str:
    return f"{check.reason} ({cm.reason(check.requires, facts)})"


def _cautions(rating: Rating, action: Node, states: list[tuple[Check, str, tuple[str, ...]]],
              facts: Mapping[str, Value]) -> list[Caution]:
    out = []
    for check, state, names in states:
        if state == "not_established" and check.caution:
            text = f"{check.caution} ({_not_known(names)})"
        elif state == "failed" and check.on_fail == "caution":
            text = _failed_text(check, facts)
        else:
            continue
        out.append(Caution(rating.action, action.label, check.id, text, names, state, check.confidence, check.sources))
    return out


def _not_known(names: tuple[str, ...]) -> str:
    return ", ".join(names) + (" is" if len(names) == 1 else " are") + " not known"


def check_expected(route: Route, case: Case) -> list[str]:
    """Differences between a route and what its case file expects; empty when it agrees.

    Expected lists are checked for presence (each listed action must be in that list of the
    route, each listed caution a check that raised one), or, when the case says ``exactly``,
    for equality (an empty list then means none). Lists are named in the pathway's scale.
    """
    exp = case.expected
    if exp is None:
        return []
    scale = route.pathway.scale if route.pathway is not None else ACR_SCALE
    out = []
    if exp.outcome and exp.outcome != route.outcome:
        out.append(f"expected outcome {exp.outcome}, got {route.outcome}" + (f" ({route.terminal})" if route.terminal else ""))
    if exp.terminal and exp.terminal != route.terminal:
        out.append(f"expected to reach {exp.terminal}, reached {route.terminal or 'no terminal'}")
    lists: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
        "missing": ("missing facts", exp.missing, route.missing_facts)}
    lists.update({name: (scale.list_title(slot), getattr(exp, name), route.actions(slot))
                  for slot, name in SLOT_LISTS.items()})
    lists["contraindicated"] = ("contraindicated", exp.contraindicated, tuple(c.action for c in route.contraindicated))
    lists["cautions"] = ("cautions from checks", exp.cautions, tuple(sorted({c.check for c in route.cautions})))
    lists["rules"] = ("rules that fire", exp.rules, route.fired())
    for key, (title, wanted, got) in lists.items():
        if exp.exactly and key in exp.given:
            if set(wanted) != set(got):
                out.append(f"expected {title} exactly {_listed(wanted)}, got {_listed(got)}")
        elif key in ("missing", "cautions", "rules"):
            if not set(wanted) <= set(got):
                out.append(f"expected {title} {', '.join(wanted)}, got {_listed(got)}")
        elif absent := [a for a in wanted if a not in got]:
            out.append(f"expected {title}: {', '.join(absent)} not in that list")
    return out


def _listed(items: tuple[str, ...]) -> str:
    return ", ".join(items) or "none"
