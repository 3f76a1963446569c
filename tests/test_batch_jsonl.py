"""JSON Lines in and out without Python per value: the vectorised encoder writes exactly what
``json.dumps`` writes, and the schema-typed reader keeps every row, its order and its error."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from vcfgraph.batch.arrays import string_lists, strings
from vcfgraph.batch.jsonl import encode_lines

#: text with every kind of character json escapes, and some it does not
TEXT = st.text(alphabet=st.sampled_from(list('aé"\\/\n\r\t\b\f\x00\x1f\x7f\x9b\u2028\u202e✔ ') + ["\U0001f600"]),
               max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.none() | TEXT, st.lists(TEXT, max_size=3), st.none() | TEXT), min_size=1, max_size=20),
       st.integers(0, 3))
def test_encoder_writes_what_json_dumps_writes(rows: list[tuple[Any, list[str], Any]], skip: int) -> None:
    table = pa.table({"case_id": strings([r[0] for r in rows]), "missing": string_lists([r[1] for r in rows]),
                      'odd "key"': strings([r[2] for r in rows])}).slice(min(skip, len(rows) - 1))
    expected = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in table.to_pylist()).encode("utf-8")
    assert encode_lines(table).to_pybytes() == expected


def test_encoder_of_no_rows_is_empty() -> None:
    assert encode_lines(pa.table({"a": strings([])})).to_pybytes() == b""
