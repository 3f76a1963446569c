"""JSON Lines in and out without Python per value: the vectorised encoder writes exactly what
``json.dumps`` writes, and the schema-typed reader keeps every row, its order and its error."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vcfgraph.batch.arrays import string_lists, strings
from vcfgraph.batch.jsonl import encode_lines

#: text with every kind of character json escapes, and some it does not
TEXT = st.text(alphabet=st.sampled_from(list('aé"\\/\n\r\t\b\f\x00\x1f\x7f\x9b\u2028\u202e✔ ') + ["\U0001f600"]),
               max_size=8)


@pytest.mark.slow
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


# ------------------------------------------------------------------ reading

LINES = [
    b'{"case_id": "a", "age": 70, "sex": "female", "symptomatic": true}',
    b'{"case_id": "b", "age": 70.0, "neurologic_deficit": false, "decision_stage": "initial_treatment"}',
    b'{"case_id": "c", "age": "70"}',                       # text where a number is expected
    b'{"case_id": "d", "symptomatic": "true"}',             # text where a boolean is expected
    b'{"case_id": "e", "sex": 5}',                          # a number where a word is expected
    b'{"case_id": "f", "age": 1e400}',                      # beyond a double
    b'{"case_id": "g", "age": 70.5, "action_taken": 7}',    # a half, and a number as the action
    b'{"case_id": 12, "colour": "red"}',                    # a number as id, a key of no fact
    b'{"case_id": "h", "colour": null}',
    b'{"case_id": true, "age": [70]}',
    b'not json at all',
    b'[1, 2]',
    b'{"case_id": "i"} {"case_id": "j"}',                    # two objects on one line
    b'{"case_id": "k\xff"}',                                 # not UTF-8
    b'{"case_id": "l", "age": 70, "age": 80}',              # a key twice
    b'',
    b'   ',
    b'{"case_id": "m", "sex": "FEMALE", "action_taken": "medical_management_only"}',
    b'{"case_id": "n\\u00e9\\"q", "age": null, "symptomatic": null}',
]


TWO = 12  # the line by line reader of old read two objects on one line as two rows (when its block parsed)


def _rows(path: Any, pathway: Any, typed: bool, rows: int) -> list[dict[str, Any]]:
    from vcfgraph.batch.compile import compile_pathway
    from vcfgraph.batch.readers import open_input
    from vcfgraph.batch.run import BatchJob, input_fields

    fields = input_fields(pathway, "action_taken") if typed else None
    reader = open_input(path, rows, fields, frozenset(["case_id", "action_taken"]))
    job = BatchJob(compile_pathway(pathway), "action_taken")
    return [row for chunk in reader.chunks() for row in job.process(chunk)[0].to_pylist()]


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([k for k in range(len(LINES)) if k != TWO]), min_size=1, max_size=40),
       st.sampled_from([1, 7, 1000]))
def test_schema_reader_keeps_every_row_order_and_error_of_the_line_by_line_reader(
        tmp_path_factory: Any, bundled: Any, picks: list[int], rows: int) -> None:
    path = tmp_path_factory.mktemp("jsonl") / "cases.jsonl"
    path.write_bytes(b"\n".join(LINES[k] for k in picks) + b"\n")
    typed = _rows(path, bundled, True, rows)
    assert typed == _rows(path, bundled, False, rows)
    assert len(typed) == sum(1 for k in picks if LINES[k].strip())


def test_schema_reader_reads_a_clean_block_in_one_pass(tmp_path: Any, bundled: Any, monkeypatch: Any) -> None:
    from vcfgraph.batch import jsonl, readers

    monkeypatch.setattr(readers, "JSONL_READER", "arrow")  # the line reader's own windows (DuckDB reads in one pass anyway)
    calls = []
    read = jsonl.Block._read
    monkeypatch.setattr(jsonl.Block, "_read", lambda self, a, b: calls.append((a, b)) or read(self, a, b))
    monkeypatch.setattr(jsonl.Block, "WINDOW", 1 << 20)
    path = tmp_path / "clean.jsonl"
    path.write_bytes(b"\n".join([LINES[0], LINES[1], LINES[17]] * 100) + b"\n")
    assert len(_rows(path, bundled, True, 100_000)) == 300
    assert calls == [(0, 300)]


def test_two_objects_on_one_line_are_one_row_with_an_error(tmp_path: Any, bundled: Any) -> None:
    path = tmp_path / "two.jsonl"
    path.write_bytes(LINES[0] + b"\n" + LINES[TWO] + b"\n" + LINES[1] + b"\n")
    rows = _rows(path, bundled, True, 1000)
    assert [(r["case_id"], r["error"]) for r in rows] == [
        ("a", None), (None, f"{path}:2: not a valid JSON line (Extra data: line 1 column 18 (char 17))"), ("b", None)]
