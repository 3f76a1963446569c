"""The batch reproducers (tests/data/batch-corpus/*.yaml; the format is in its README) through
every reader, as real processes.

Each file gives rows for every reader, or a raw input for some of them; every (file, reader)
pair runs ``python -m vcfgraph batch INPUT -o out.jsonl`` and ``-o out.csv`` and must give the
expected exit code, one row per input row with the expected id, outcome and error words, a CSV
output without raw control characters or formula cells, no traceback, nothing left behind, in
bounded time and memory.
"""

from __future__ import annotations

import base64
import csv
import glob
import io
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.test_hostile import MEMORY_LIMIT_MB, materialise, run_child

pytestmark = pytest.mark.subprocess

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = HERE / "data" / "batch-corpus"
KEYS = {"about", "rows", "csv", "jsonl", "parquet", "files", "exit", "expect", "stderr", "absent", "timeout"}
READERS = ("csv", "jsonl", "parquet")
_REPEAT = re.compile(r"\{\{(.+?)\*(\d+)\}\}", re.DOTALL)
#: a CSV cell a spreadsheet would run, or a raw control character
_UNSAFE_CELL = re.compile(r"^[=+\-@]|[\x00-\x1f\x7f-\x9f]")


def _load(path: Path) -> dict[str, Any]:
    spec = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    assert isinstance(spec, dict) and "about" in spec, f"{path.name}: a mapping with 'about'"
    unknown = set(spec) - KEYS
    assert not unknown, f"{path.name}: unknown keys {sorted(unknown)}"
    assert any(k in spec for k in ("rows", *READERS)), f"{path.name}: give rows or an input per reader"
    return spec


def _cases() -> list[tuple[Path, str]]:
    out = []
    for path in sorted(CORPUS.glob("*.yaml")):
        spec = _load(path)
        out += [(path, reader) for reader in READERS if "rows" in spec or reader in spec]
    return out


def _expand(text: str) -> str:
    return _REPEAT.sub(lambda m: m.group(1) * int(m.group(2)), text)


def _expand_value(value: Any) -> Any:
    return _expand(value) if isinstance(value, str) else value


def _rows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: _expand_value(v) for k, v in row.items()} for row in spec["rows"]]


def _write_input(spec: dict[str, Any], reader: str, work: Path) -> Path:
    target = work / f"in.{reader}"
    raw = spec.get(reader)
    if raw is not None and reader != "parquet":
        data = base64.b64decode(raw["base64"]) if "base64" in raw else _expand(raw["text"]).encode("utf-8", "surrogatepass")
        target.write_bytes(data)
        return target
    import pyarrow as pa
    import pyarrow.parquet as pq

    if raw is not None:  # parquet columns, names may repeat
        names = [name for name, _values in raw["columns"]]
        arrays = [pa.array([_expand_value(v) for v in values]) for _name, values in raw["columns"]]
        pq.write_table(pa.Table.from_arrays(arrays, names=names), target)
        return target
    rows = _rows(spec)
    names = list(dict.fromkeys(k for row in rows for k in row))
    if reader == "parquet":
        pq.write_table(pa.table({n: pa.array([row.get(n) for row in rows]) for n in names}), target)
    elif reader == "jsonl":
        target.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    else:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow(["" if row.get(n) is None else str(row[n]).lower() if isinstance(row[n], bool) else row[n]
                             for n in names])
        target.write_text(buf.getvalue(), encoding="utf-8")
    return target


def _run(spec: dict[str, Any], reader: str, output: str, work: Path) -> tuple[int, str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    argv = [sys.executable, "-m", "vcfgraph", "batch", f"in.{reader}", "-o", output, "--quiet"]
    code, out, err, peak_kib = run_child(argv, work, env, b"", None, float(spec.get("timeout", 60)))
    assert "Traceback" not in out + err, f"a traceback:\n{err[-3000:]}"
    assert peak_kib < MEMORY_LIMIT_MB * 1024, f"peak memory {peak_kib // 1024} MB"
    left = [p for p in os.listdir(work) if p.endswith((".partial", ".lock")) and not (work / p).is_symlink()]
    assert not left, f"left behind: {left}"
    return code, out, err


@pytest.mark.parametrize("path, reader", _cases(), ids=lambda v: v.stem if isinstance(v, Path) else v)
def test_batch_reproducer(path: Path, reader: str, tmp_path: Path) -> None:
    spec = _load(path)
    work = tmp_path / "work"
    work.mkdir()
    materialise(spec, path, work)
    _write_input(spec, reader, work)
    expected_exit = spec.get("exit", 0)
    for output in ("out.jsonl", "out.csv"):
        code, _out, err = _run(spec, reader, output, work)
        assert code == expected_exit, f"{output}: exit {code}, expected {expected_exit}:\n{err[-3000:]}"
        if expected_exit == 2:
            assert err.startswith("vcfgraph: error: ")
            for words in spec.get("stderr") or []:
                assert words in err, f"stderr lacks {words!r}:\n{err[-2000:]}"
            assert not (work / output).exists()
            continue
        if output == "out.jsonl":
            rows = [json.loads(line) for line in (work / output).read_text(encoding="utf-8").splitlines()]
        else:
            with open(work / output, encoding="utf-8", newline="") as fh:
                rows = list(csv.DictReader(fh))
            for row in rows:
                for value in row.values():
                    assert not _UNSAFE_CELL.search(value or ""), f"an unsafe CSV cell {value!r}"
        _check_rows(spec["expect"], rows, output)
    for pattern in spec.get("absent") or []:
        assert not glob.glob(str(work / pattern)), f"{pattern} should not exist"


def _check_rows(expect: list[dict[str, Any]], rows: list[dict[str, Any]], output: str) -> None:
    assert len(rows) == len(expect), f"{output}: {len(rows)} rows, expected {len(expect)}"
    for k, (want, row) in enumerate(zip(expect, rows), 1):
        where = f"{output} row {k}"
        if output == "out.csv":
            wanted_id = want.get("csv_case_id", want["case_id"])
            assert row["case_id"] == ("" if wanted_id is None else wanted_id), where
        else:
            assert row["case_id"] == want["case_id"], where
        assert row["outcome"] == want["outcome"], f"{where}: {row}"
        if "error" in want:
            assert want["error"] in (row["error"] or ""), f"{where}: {row['error']!r}"
        elif want["outcome"] != "invalid":
            assert not row["error"], f"{where}: {row['error']!r}"


def test_the_corpus_covers_every_reader() -> None:
    readers = {reader for _path, reader in _cases()}
    assert readers == set(READERS)
    assert len(list(CORPUS.glob("*.yaml"))) >= 10 and (CORPUS / "README.md").exists()
