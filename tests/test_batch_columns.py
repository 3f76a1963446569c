"""Column coding agrees, cell by cell, with the one-value readers of vcfgraph.validate."""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from vcfgraph.batch.columns import ColumnCoder
from vcfgraph.batch.masks import NULL, encode_value
from vcfgraph.errors import CaseError
from vcfgraph.validate import check_facts, parse_fact_value
from vcfgraph.model import Fact, Meta, Pathway

FACTS = (
    Fact("flag", "bool"),
    Fact("kind", "enum", values=("none", "radiograph", "bone_scan")),
    Fact("count", "int", min=1, max=24, cuts=(2,)),
)

TEXTS = st.one_of(
    st.sampled_from(["", "true", "False", "YES", "n", "null", "unknown", "?", "maybe", "1", "0", "24", "25", "-3",
                     "7.0", "7.", "7.5", " 12 ", "+3", "none", "None", "radiograph", "bone scan", "bone_scan", "Bone_Scan"]),
    st.text(max_size=6),
)
TYPED = st.one_of(st.none(), st.booleans(), st.integers(-5, 30), st.sampled_from([7.0, 7.5, float("nan")]),
                  st.sampled_from(["none", "radiograph", "bone_scan", "true", "x"]))


def expected_text(fact: Fact, text: str | None) -> tuple[int, bool]:
    """(code, valid) as a person's typed value is read (``vcfgraph trace --fact``)."""
    if text is None:
        return int(NULL), True
    word = text.strip()
    if fact.type == "int" and re.fullmatch(r"[+-]?[0-9]+\.0*", word):  # a whole number written as 7.0
        word = word.split(".")[0]
    try:
        value = parse_fact_value(fact, word)
    except CaseError:
        return int(NULL), False
    return (int(NULL), True) if value is None else (encode_value(fact, value) or 0, True)


def expected_typed(fact: Fact, value: Any) -> tuple[int, bool]:
    """(code, valid) as a case file's value is checked (``check_facts``)."""
    if value is None or (isinstance(value, float) and value != value):
        return int(NULL), True
    if isinstance(value, float) and fact.type == "int" and value.is_integer():
        value = int(value)
    try:
        check_facts(_pathway_of(fact), {fact.name: value})
    except CaseError:
        return int(NULL), False
    return encode_value(fact, value) or 0, True


def _pathway_of(fact: Fact) -> Pathway:
    return Pathway(Meta("one", "One fact", "q"), (fact,), (), ())


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(FACTS), st.lists(st.one_of(st.none(), TEXTS), min_size=1, max_size=30), st.booleans())
def test_text_cells(fact: Fact, cells: list[str | None], dictionary: bool) -> None:
    array = pa.array(cells, pa.string())
    if dictionary:
        array = array.dictionary_encode()
    codes, problems = ColumnCoder(_pathway_of(fact)).encode(fact, array, text=True)
    expected = [expected_text(fact, c) for c in cells]
    assert [int(c) for c in codes] == [e[0] for e in expected]
    valid = [True] * len(cells) if problems is None else [int(p) < 0 for p in problems]
    assert valid == [e[1] for e in expected]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(FACTS), st.lists(TYPED, min_size=1, max_size=30))
def test_typed_cells(fact: Fact, values: list[Any]) -> None:
    kinds = {type(v) for v in values if v is not None}
    if kinds <= {bool}:
        array: Any = pa.array(values, pa.bool_())
    elif kinds <= {int}:
        array = pa.array(values, pa.int64())
    elif kinds <= {int, float}:
        array = pa.array([None if v is None else float(v) for v in values], pa.float64())
        values = [None if v is None else float(v) for v in values]
    else:
        array = values  # mixed JSON: a list of Python values
    codes, problems = ColumnCoder(_pathway_of(fact)).encode(fact, array, text=False)
    expected = [expected_typed(fact, v) for v in values]
    assert [int(c) for c in codes] == [e[0] for e in expected]
    valid = [True] * len(values) if problems is None else [int(p) < 0 for p in problems]
    assert valid == [e[1] for e in expected]


def test_messages_are_those_of_the_loader() -> None:
    coder = ColumnCoder(_pathway_of(FACTS[1]))
    _codes, problems = coder.encode(FACTS[1], pa.array(["bone scan", "Radiograph"]), text=True)
    assert problems is not None
    assert [coder.messages[p] for p in problems] == [
        "fact 'kind' cannot be 'bone scan'; allowed: none, radiograph, bone_scan or null (not known); "
        "did you mean 'bone_scan'?",
        "fact 'kind' cannot be 'Radiograph'; allowed: none, radiograph, bone_scan or null (not known); "
        "did you mean 'radiograph'?",
    ]


def test_caches_stay_bounded() -> None:
    fact = FACTS[2]
    coder = ColumnCoder(_pathway_of(fact))
    _codes, problems = coder.encode(fact, pa.array([f"junk{i}" for i in range(30)]), text=True)
    assert problems is not None and len(coder.messages) == 30
    coder.trim(limit=100)
    assert len(coder.messages) == 30
    coder.trim(limit=20)
    assert coder.messages == []
    codes, problems = coder.encode(fact, pa.array(["3", "junk"]), text=True)
    assert [int(c) for c in codes] == [3, int(NULL)]
    assert problems is not None and coder.messages[problems[1]].startswith("fact 'count' cannot be 'junk'")
