"""DuckDB's fast path and the line reader's slow path, interleaved within and across blocks and
parts: every row keeps its place, its values, its error and its line number, exactly as the
line reader (:mod:`vcfgraph.batch.jsonl`) and the untyped line-by-line reader give them."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from tests.test_batch_duck import HOSTILE
from tests.test_batch_jsonl import _rows

pytest.importorskip("duckdb")

#: lines the fast path must not read as it reads a plain line (each goes to the slow path, or
#: keeps an odd cell): a key of no fact, a trailing comma, text for a number, an escape, ...
SLOW = [
    b'{"case_id": "s1", "age": 70, "colour": "red"}',
    b'{"case_id": "s2", "age": 70,}',
    b'{"case_id": "s3", "age": "70", "symptomatic": "yes"}',
    b'{"case_id": "s4\\"q\\u00e9", "sex": "female"}',
    b'{"case_id": "s5", "age": [70]}',
    b'not json',
    b'null',
    b'{"case_id": "s6", "age": 1e400, "number_of_fractures": 12345678901234567890}',
    b'{"case_id": 7, "sex": 5, "symptomatic": 1}',
    b'{"case_id": "s8", "age": 70} {"case_id": "s9"}',
    b'{"case_id": "s10", "age": ' + b"[" * 100 + b"]" * 100 + b'}',
    b'{"case_id": "s11", "age": NaN}',
    b'{"case_id": "s12", "age": -Infinity}',
    b'{"case_id": "s13", "colour": null, "age": null}',
    b'{"case_id": "s14", "age": 70, "age": 71}',
    b'{"case_id": "s15", "age": 70, "age": null}',
    b'{"case_id": "s16", "age": null, "sex": "male", "age": 70}',
    b'',
    b'  ',
]


def _plain(k: int) -> bytes:
    return json.dumps({"case_id": f"p{k}", "age": 40 + k % 50, "sex": ["female", "male"][k % 2],
                       "symptomatic": bool(k % 3), "decision_stage": "initial_treatment"}).encode()


def _file(path: Path, seed: int, n: int = 1500) -> list[bytes]:
    """Plain lines with runs of slow lines at random places: at a block's start, inside, at its end."""
    rng = random.Random(seed)
    lines: list[bytes] = []
    for k in range(n):
        lines.append(_plain(k))
        if rng.random() < 0.04:
            lines += rng.choices(SLOW + HOSTILE[:-2], k=rng.randint(1, 4))
    path.write_bytes(b"\n".join(lines) + b"\n")
    return lines


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("rows", [7, 200])
def test_interleaved_fast_and_slow_lines_read_as_the_line_by_line_reader(
        tmp_path: Path, bundled: Any, monkeypatch: Any, seed: int, rows: int) -> None:
    from vcfgraph.batch import linescan, readers

    monkeypatch.setattr(linescan, "PART_BYTES", 4096)  # several parts per block, read by two threads
    monkeypatch.setattr(readers, "JSONL_WORKERS", 2)
    path = tmp_path / "cases.jsonl"
    lines = _file(path, seed)
    monkeypatch.setattr(readers, "JSONL_READER", "duckdb")
    duck = _rows(path, bundled, True, rows)
    monkeypatch.setattr(readers, "JSONL_READER", "arrow")
    assert duck == _rows(path, bundled, True, rows)
    assert duck == _rows(path, bundled, False, rows)  # the untyped reader, line by line where it must
    plain = {_plain(k) for k in range(1500)}
    numbered = [(number, line) for number, line in enumerate(lines, 1) if line.strip()]
    assert len(duck) == len(numbered)
    for row, (number, line) in zip(duck, numbered):  # each bad line's error names its own line
        if line in (b"not json", b"null") or line.startswith(b'{"case_id": "s8"'):
            assert row["outcome"] == "invalid" and row["error"].startswith(f"{path}:{number}: ")
        elif line in plain:
            assert row["case_id"] == json.loads(line)["case_id"] and row["outcome"] != "invalid"


def test_the_fast_path_gives_the_line_readers_table_errors_and_cells(bundled: Any, monkeypatch: Any) -> None:
    from vcfgraph.batch import duck, jsonl, linescan
    from vcfgraph.batch.run import input_fields

    monkeypatch.setattr(linescan, "PART_BYTES", 2048)
    block = b"\n".join([_plain(k) for k in range(40)] + SLOW + [_plain(k) for k in range(40, 80)] + SLOW[::-1]
                       + [_plain(80)]) + b"\n"
    schema = jsonl.json_schema(input_fields(bundled))
    verbatim = frozenset(["case_id"])
    for workers in (1, 3):
        fast = duck.read_block(block, 11, "in.jsonl", schema, verbatim, None, workers)
        slow = jsonl.read_block(block, 11, "in.jsonl", schema, verbatim, workers)
        assert fast[0].schema == slow[0].schema and fast[1] == slow[1]
        assert repr(fast[0].to_pylist()) == repr(slow[0].to_pylist())  # (NaN, which pyarrow reads, as itself)
        assert json.dumps(fast[2], sort_keys=True, default=repr) == json.dumps(slow[2], sort_keys=True, default=repr)
    errors = fast[1]
    assert errors[45].startswith("in.jsonl:56: not a valid JSON line")  # lines 11-50 plain, then SLOW from 51
    assert errors[46] == "in.jsonl:57: a JSON line must be an object of fact names and values"
    assert fast[2]["age"]  # text for a number is an odd cell, not a number


def _blocks_of_before(data: bytes, size: int) -> list[int]:
    """The non-blank lines per block as the reader cut them before (the rest of a read carried on
    into the next): a chunk is a Parquet row group, so the cut must not move."""
    counts, rest, at = [], b"", 0
    while True:
        more = data[at:at + size]
        at += len(more)
        buf = rest + more
        if more:
            cut = buf.rfind(b"\n") + 1
            if not cut:
                rest = buf
                continue
            block, rest = buf[:cut], buf[cut:]
        else:
            block, rest = buf, b""
        if block.strip():
            counts.append(sum(1 for line in block.split(b"\n") if line.strip()))
        if not more:
            return counts


@pytest.mark.parametrize("rows", [1, 7, 300])
def test_blocks_are_cut_where_they_were(tmp_path: Path, bundled: Any, rows: int) -> None:
    from vcfgraph.batch.readers import open_input
    from vcfgraph.batch.run import input_fields

    lines = [_plain(k) if k % 97 else b'{"case_id": "' + b"x" * (k * 700) + b'"}' for k in range(600)]
    data = b"\n".join(line + (b"\n  \n" if k % 50 == 0 else b"") for k, line in enumerate(lines)) + b"\n{}"
    path = tmp_path / "cases.jsonl"
    path.write_bytes(data)
    chunks = list(open_input(path, rows, input_fields(bundled), frozenset(["case_id"])).chunks())
    assert [c.n for c in chunks] == _blocks_of_before(data, max(1 << 16, rows * 400))
    assert chunks[-1].done == len(data)


@pytest.mark.parametrize("mixed", [False, True])
def test_a_key_given_twice_is_that_rows_error_whichever_reader_reads_it(tmp_path: Path, mixed: bool) -> None:
    """DuckDB keeps a repeated key's first value and json.loads its last, so a line that gives a
    key twice (``true`` then ``null``: the line's colons less its nulls match what DuckDB found)
    is refused by every reader, with its line number, and the rows around it are kept."""
    from vcfgraph.cli import main

    lines = [_plain(k) for k in range(3000)]
    lines[1500] = b'{"case_id": "dup", "neurologic_deficit": true, "neurologic_deficit": null}'
    if mixed:  # a value of another type sends the blocks after it to DuckDB
        lines[10] = b'{"case_id": "m", "age": "seventy"}'
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    assert main(["batch", str(source), "-o", str(out), "--quiet"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 3000 and rows[1499]["case_id"] == "p1499" and rows[1501]["case_id"] == "p1501"
    assert (rows[1500]["outcome"], rows[1500]["error"]) == (
        "invalid", f"{source}:1501: not a valid JSON line (key 'neurologic_deficit' appears twice in one object; keep one)")
