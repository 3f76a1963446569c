"""DuckDB as the JSON Lines reader: the same rows, values, errors and line numbers as the line
reader (:mod:`vcfgraph.batch.jsonl`), whatever the lines hold, and the same ``vcfgraph batch``
output byte for byte."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_batch_jsonl import LINES, TWO, _rows

pytest.importorskip("duckdb")

ROOT = Path(__file__).resolve().parent.parent

#: lines DuckDB reads otherwise than a strict JSON reader, or would pass over in silence
HOSTILE = [
    b'{"case_id": "p", "age": 70,}',                         # a trailing comma: DuckDB accepts it
    b'{"case_id": "q", "age": 70 , }',
    b'{"case_id": "r", "sex": ["female",]}',
    b'{"case_id": "s", "age": NaN}',                         # json.loads reads NaN; DuckDB too
    b'{"case_id": "t", "age": Infinity, "symptomatic": true}',
    b'{"case_id": "u", "age": 70} // a comment',
    b'{"case_id": "v", "colour": "red", "age": 70}',         # a key of no fact among facts
    b'{"case_id": "w:null", "colour": 5}',                   # a colon and null inside text
    b'{"case_id": "x", "\\u0061ge": 70}',                    # a key written with an escape
    b'{"case_id": "y", "age": {"age": 70}}',                 # a nested key
    b'{"case_id": "z", "age": -0, "height_loss_percent": 1E1}',
    b'{"case_id": 123456789012345678901234567890, "age": 12345678901234567890}',
    b'{"case_id": "nul\x00", "age": 70}',                     # a raw NUL inside text
    b'{"case_id": "nul\\u0000", "age": 70}',
    b'{"case_id": "\\ud800", "age": 70}',                    # a lone surrogate
    b'{"case_id": "aa", "age": 70, "age": 70}',
    b'{"case_id": "ab", "colour": null}',                    # a key of no fact, not known
    b'{"case_id": "ac", "age" :  70, "sex"\t:\t"male"}',      # white space around colons
    b'{"case_id": 1.50, "action_taken": true}',
    b'null',
    b'{}',
    b'\t{"case_id": "ad"}\r',
    b'{"case_id": "ae", "age": [' + b"[" * 200 + b"]" * 200 + b']}',
    b'{"case_id": "af", "note": "' + b"x" * 300_000 + b'"}',
    b'{"case_id": "ag", "sex": "f\xc3\xa9male", "decision_stage": "initial_treatment"}',
]
ALL = [line for k, line in enumerate(LINES) if k != TWO] + HOSTILE


def _both(path: Path, pathway: Any, rows: int, monkeypatch: Any) -> tuple[list[Any], list[Any]]:
    from vcfgraph.batch import readers

    monkeypatch.setattr(readers, "JSONL_READER", "arrow")
    arrow = _rows(path, pathway, True, rows)
    monkeypatch.setattr(readers, "JSONL_READER", "duckdb")
    return arrow, _rows(path, pathway, True, rows)


def test_every_line_kind_reads_as_the_line_reader_reads_it(tmp_path: Path, bundled: Any, monkeypatch: Any) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"\n".join(ALL) + b"\n")
    arrow, duck = _both(path, bundled, 100_000, monkeypatch)
    assert duck == arrow
    assert len(duck) == sum(1 for line in ALL if line.strip())
    errors = [row["error"] for row in duck]
    assert any(e and f"{path}:{len(LINES) - 1 + 2}:" in e for e in errors)  # the trailing comma's own line


def test_the_line_reader_is_not_called_for_a_clean_block(tmp_path: Path, bundled: Any, monkeypatch: Any) -> None:
    from vcfgraph.batch import duck, jsonl

    called = []
    monkeypatch.setattr(jsonl.Block, "__init__", lambda self, *a, **k: called.append(a) or None)
    monkeypatch.setattr(duck, "Block", jsonl.Block)
    path = tmp_path / "clean.jsonl"
    path.write_bytes(b"\n".join([LINES[0], LINES[1], LINES[2], LINES[17]] * 50) + b"\n")
    from vcfgraph.batch.readers import open_input
    from vcfgraph.batch.run import input_fields

    chunks = list(open_input(path, 1000, input_fields(bundled, "action_taken"), frozenset(["case_id"])).chunks())
    assert [c.n for c in chunks] == [200] and called == []
    assert chunks[0].cells["age"] == {k: "70" for k in range(2, 200, 4)}  # text for a number: an odd cell


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(range(len(ALL))), min_size=1, max_size=40), st.sampled_from([1, 7, 1000]))
def test_any_mix_of_lines_reads_as_the_line_reader_reads_it(
        tmp_path_factory: Any, bundled: Any, picks: list[int], rows: int) -> None:
    from vcfgraph.batch import readers

    path = tmp_path_factory.mktemp("duck") / "cases.jsonl"
    path.write_bytes(b"\n".join(ALL[k] for k in picks) + b"\n")
    old = readers.JSONL_READER
    try:
        readers.JSONL_READER = "arrow"
        arrow = _rows(path, bundled, True, rows)
        readers.JSONL_READER = "duckdb"
        assert _rows(path, bundled, True, rows) == arrow
    finally:
        readers.JSONL_READER = old


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.parametrize("out", ["jsonl", "csv"])
def test_batch_output_is_byte_identical_with_either_reader(tmp_path: Path, bundled: Any, monkeypatch: Any,
                                                            out: str) -> None:
    from vcfgraph.batch import readers
    from vcfgraph.batch.run import run_batch

    source = tmp_path / "cases.jsonl"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate_cases.py"), "3000", "-o", str(source),
                    "--seed", "3", "--invalid-rate", "0.05"], check=True, capture_output=True)
    with open(source, "ab") as fh:  # and the hostile lines at the end, after a few thousand plain ones
        fh.write(b"\n".join(ALL) + b"\n")
    outputs = []
    for reader in ("arrow", "duckdb"):
        monkeypatch.setattr(readers, "JSONL_READER", reader)
        target = tmp_path / f"{reader}.{out}"
        run_batch(bundled, source, target, rows=700)
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[1].count(b"\n") == 3000 + sum(1 for line in ALL if line.strip()) + (out == "csv")
    assert json.dumps("ok")


def test_keys_are_counted_only_on_lines_whose_colons_differ_from_the_values_found() -> None:
    import numpy as np

    from vcfgraph.batch.duckfit import suspect

    lines = [b'{"a": 1, "b": "x"}', b'{"a": "x:y"}', b'{"a": 1, "colour": 2}', b'{"a": 1, "colour": null}',
             b'{"a": 1, "b": 2}']
    data = b"\n".join(lines) + b"\n"
    starts = np.array([data.index(line) for line in lines])
    ends = starts + np.array([len(line) for line in lines])
    found = np.array([2, 1, 1, 1, 2])  # the values DuckDB found of the columns a and b
    asked: list[list[int]] = []

    def keys(rows: np.ndarray) -> np.ndarray:
        asked.append(rows.tolist())
        return np.array([1, 2, 2])[np.searchsorted([1, 2, 3], rows)]

    odd = suspect(np.frombuffer(data, dtype=np.uint8), starts, ends, found, keys)
    assert asked == [[1, 2, 3]]  # not the lines whose colons are their values
    assert odd.tolist() == [False, False, True, False, False]  # a key of no column; one of value null is passed over
    asked.clear()
    clean = b"\n".join([lines[0], lines[4]]) + b"\n"
    assert not suspect(np.frombuffer(clean, dtype=np.uint8), np.array([0, 19]), np.array([18, 35]),
                       np.array([2, 2]), keys).any()
    assert asked == []
