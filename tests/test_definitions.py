"""Named conditions, counting, points and "not recorded" policies: parsing, three-valued
evaluation, explanations, the checker's exactness and the compiled (batch) masks."""

from __future__ import annotations

import json
from itertools import product
from pathlib import Path

import numpy as np
import pytest

from vcfgraph import conditions as cm
from vcfgraph.io.conditions import parse
from vcfgraph.analysis.checker import verify
from vcfgraph.batch.masks import NULL, compile_condition, encode_value, evaluate_mask
from vcfgraph.cli import main
from vcfgraph.engine import trace
from vcfgraph.errors import PathwayError
from vcfgraph.io.load import load_pathway
from vcfgraph.model import Case

ROOT = Path(__file__).resolve().parent.parent
COUNTING = ROOT / "tests" / "data" / "format" / "counting.yaml"


def t(fact: str) -> dict:
    return {"fact": fact, "eq": True}


def parsed(data, resolve=None, assume=None):
    cond, errors = parse(data, (), resolve, assume)
    assert errors == [], errors
    return cond


AT_LEAST = {"at_least": {"n": 2, "of": [t("a"), t("b"), t("c")]}}


@pytest.mark.parametrize("facts, result", [
    ({"a": True, "b": True}, True),           # two true: holds whatever c is
    ({"a": True, "b": False}, None),          # c can still make two
    ({"a": True, "b": False, "c": False}, False),
    ({"a": False, "b": False}, False),        # at most one can still be true
    ({}, None),
    ({"a": True, "b": True, "c": True}, True),
])
def test_at_least_is_three_valued(facts, result):
    assert cm.evaluate(parsed(AT_LEAST), facts) is result


def test_at_least_agrees_with_its_expansion_everywhere():
    """'at least 2 of a, b, c' is (a and b) or (a and c) or (b and c) in Kleene logic too."""
    expanded = parsed({"or": [{"and": [t("a"), t("b")]}, {"and": [t("a"), t("c")]}, {"and": [t("b"), t("c")]}]})
    count = parsed(AT_LEAST)
    for values in product((True, False, None), repeat=3):
        facts = dict(zip("abc", values))
        assert cm.evaluate(count, facts) is cm.evaluate(expanded, facts), facts


POINTS = {"points": [{"when": t("a"), "add": 2}, {"when": t("b"), "add": 1}, {"when": t("c"), "add": -1}], "threshold": 2}


@pytest.mark.parametrize("facts, result", [
    ({"a": True, "c": False}, True),
    ({"a": True}, None),                      # c may take a point away
    ({"a": True, "b": True}, True),           # 3 - 1 is still 2
    ({"a": False, "b": True}, False),         # at most 1
    ({"b": True}, None),
])
def test_points_are_three_valued(facts, result):
    assert cm.evaluate(parsed(POINTS), facts) is result


@pytest.mark.parametrize("facts, words", [
    ({"a": True, "b": True, "c": True}, "the points rule holds (2 points: a is true (+2), b is true (+1), c is true (-1); "
                                        "at least 2 needed)"),
    ({"a": True}, "the points rule is undecided (2 points so far: a is true (+2); 1 to 3 possible, b and c not known; "
                  "at least 2 needed)"),
    ({"a": False, "b": True}, "the points rule does not hold (1 point so far: b is true (+1); 0 to 1 possible, c not known; "
                              "at least 2 needed)"),
    ({"a": False, "b": False, "c": False}, "the points rule does not hold (0 points; at least 2 needed)"),
])
def test_a_points_rule_is_explained_by_its_total_range_and_threshold(facts, words):
    """Total first, only the items that earned it, negative adds in the range, no list of misses."""
    assert cm.reason(parsed(POINTS), facts) == words


def test_a_points_rule_is_decided_by_the_items_pushing_its_way():
    assert cm.deciding_facts(parsed(POINTS), {"a": True, "b": False, "c": False}) == ("a", "c")
    assert cm.deciding_facts(parsed(POINTS), {"a": False, "b": True, "c": True}) == ("a", "c")


@pytest.mark.parametrize("data, message", [
    ({"at_least": {"n": 4, "of": [t("a"), t("b")]}}, "'n' of 'at_least' must be a whole number from 1 to 2, got 4"),
    ({"at_least": {"n": 1}}, "'at_least' needs exactly 'n' and 'of'"),
    ({"at_least": {"n": True, "of": [t("a")]}}, "got true"),
    ({"points": [{"when": t("a")}], "threshold": 1}, "each points rule needs 'when'"),
    ({"points": [{"when": t("a"), "add": 1}]}, "a points rule needs exactly 'points' and 'threshold'"),
    ({"use": "x"}, "cannot use 'x': there is no 'definitions' section"),
    ({"use": "not a name"}, "'use' needs the name of a definition"),
    ({"use": "x", "fact": "a"}, "'use' must stand alone"),
])
def test_bad_counting_and_use_are_rejected(data, message):
    cond, errors = parse(data)
    assert cond is None and any(message in e.message for e in errors), errors


def test_explanations_name_the_definition_and_the_assumption():
    inner = parsed({"or": [t("a"), t("c")]}, assume={"c": (False, "absent")})
    rule = parsed({"use": "ankle"}, resolve=lambda name: inner)
    assert cm.describe(rule) == "ankle holds"
    assert cm.reason(rule, {"a": False}) == (
        "ankle does not hold (a is false and c is not recorded; read as absent, a pathway assumption)")
    assert cm.reason(rule, {"a": True}) == "ankle holds (a is true)"
    assert cm.assumptions(rule, {"a": False}) == ("c",)
    assert cm.assumptions(rule, {"a": False, "c": False}) == ()
    assert cm.missing_facts(rule, {"a": False}) == ()


def test_a_policy_reads_the_value_but_is_known_still_asks_about_recording():
    known = parsed({"fact": "c", "is_known": True}, assume={"c": (False, "absent")})
    assert cm.evaluate(known, {}) is False
    neg = parsed({"fact": "c", "eq": False}, assume={"c": (False, "absent")})
    assert cm.evaluate(neg, {}) is True


def test_the_counting_pathway_loads_and_explains():
    p = load_pathway(COUNTING)
    assert [d.name for d in p.definitions] == ["two_signs", "rule", "scored", "spare"]
    assert p.fact("c").unknown is False and p.fact("c").unknown_word == "absent"
    route = trace(p, Case("t", {"a": True, "b": False}))
    assert route.terminal == "V_none"
    because = " ".join(s.explanation for s in route.steps)
    assert "rule does not hold (two_signs does not hold (b is false and c is not recorded; read as absent, " \
           "a pathway assumption))" in because


def _check(path: Path, capsys) -> tuple[int, str]:
    code = main(["check", str(path)])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_check_reports_an_unused_definition_at_its_place(capsys):
    code, out = _check(COUNTING, capsys)
    assert code == 0
    assert "counting.yaml:26:10: warning VCF008 unused-definition [spare]" in out
    assert "proven   two_signs_scan_or_wait" in out


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = COUNTING.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "p.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_a_cycle_between_definitions_is_a_located_error(tmp_path, capsys):
    path = _variant(tmp_path, "spare: {fact: d, eq: false}", "spare: {use: loop}\n  loop: {and: [{use: spare}, {fact: d, eq: true}]}")
    code, out = _check(path, capsys)
    assert code == 2
    assert "p.yaml:27:22: cannot use 'spare': definitions form a cycle (spare -> loop -> spare)" in out
    assert "Traceback" not in out


def test_an_unknown_definition_and_a_bad_policy_are_located_errors(tmp_path, capsys):
    path = _variant(tmp_path, "when: {use: scored}}", "when: {use: scord}}")
    code, out = _check(path, capsys)
    assert code == 2 and "cannot use 'scord': there is no definition named 'scord'; did you mean 'scored'?" in out
    path = _variant(tmp_path, "unknown: absent", "unknown: maybe")
    code, out = _check(path, capsys)
    assert code == 2 and "'unknown' of fact 'c' must be the value read when it is not recorded" in out
    with pytest.raises(PathwayError, match="undeclared fact 'e'"):
        load_pathway(_variant(tmp_path, "spare: {fact: d", "spare: {fact: e"))


def _engine_outcomes(p) -> dict[str, int]:
    """Trace every point of the case space (3^4 cases): how many end in each kind of error."""
    out: dict[str, int] = {}
    for values in product((True, False, None), repeat=4):
        try:
            trace(p, Case("x", dict(zip("abcd", values))))
        except Exception as e:  # the engine's RouteError for a gap or an overlap
            kind = "gap" if "no answer of" in str(e) else "overlap" if "both hold" in str(e) else str(e)
            out[kind] = out.get(kind, 0) + 1
    return out


@pytest.mark.parametrize("old, new, codes", [
    ("x", "x", set()),
    # the 'No' answer needs all three signs false: the cases in between fall in a gap
    ("when: {not: {use: rule}}}", "when: {at_least: {n: 3, of: [{fact: a, eq: false}, {fact: b, eq: false}, "
                                  "{fact: c, eq: false}]}}}", {"VCF101"}),
    # 'No' from one false sign on: overlaps the count where two are true and one false
    ("when: {not: {use: rule}}}", "when: {at_least: {n: 1, of: [{fact: a, eq: false}, {fact: b, eq: false}]}}}",
     {"VCF102"}),
])
def test_the_checker_is_exact_on_counting(tmp_path, old, new, codes):
    """The checker finds a gap or an overlap exactly when some case of the space runs into one."""
    path = _variant(tmp_path, old, new) if old != "x" else COUNTING
    p = load_pathway(path)
    report = verify(p)
    found = {f.code for f in report.findings if f.code in ("VCF101", "VCF102")}
    assert found == codes
    seen = _engine_outcomes(p)
    assert set(seen) == {"gap" if c == "VCF101" else "overlap" for c in codes}
    for f in report.findings:
        if f.code in ("VCF101", "VCF102"):
            with pytest.raises(Exception, match="no answer of 'q_rule' holds|both hold"):
                trace(p, Case("w", dict(f.example)))


def _column(values):
    x = np.array([NULL if v is None else int(v) for v in values], dtype=np.int64)
    return x, x == NULL


def test_compiled_masks_agree_with_evaluate_on_every_point():
    p = load_pathway(COUNTING)
    for d in p.definitions:
        compiled = compile_condition(d.condition, p.fact)
        names = cm.facts_read(d.condition)
        points = list(product((True, False, None), repeat=len(names)))
        cols = {n: _column([pt[i] for pt in points]) for i, n in enumerate(names)}
        t_mask, f_mask = evaluate_mask(compiled, lambda name: cols[name])
        for row, pt in enumerate(points):
            want = cm.evaluate(d.condition, dict(zip(names, pt)))
            got = True if t_mask[row] else False if f_mask[row] else None
            assert got is want, (d.name, pt)
    assert encode_value(p.fact("c"), False) == 0


def test_reports_list_the_assumptions_a_route_relies_on(tmp_path, capsys):
    case = tmp_path / "case.yaml"
    case.write_text("id: c1\nfacts: {a: true, b: false}\nexpected: {terminal: V_none}\n", encoding="utf-8")
    assert main(["trace", str(case), "--graph", str(COUNTING)]) == 0
    out = capsys.readouterr().out
    assert "Pathway assumptions this route relies on (not recorded, read by the pathway's policy):\n  c: read as absent\n" in out
    assert main(["trace", str(case), "--graph", str(COUNTING), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["assumed"] == [{"fact": "c", "read_as": False}]
    route = trace(load_pathway(COUNTING), Case("c2", {"a": True, "b": False, "c": False}))
    assert route.assumed == ()
    code, out = _check(COUNTING, capsys)
    assert "Pathway assumptions (a fact that is not recorded is read as):\n  c: absent\n" in out
