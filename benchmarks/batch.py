"""Benchmark vcfgraph batch against pyarrow's read-only rate and a per-case trace loop.

    python benchmarks/batch.py                       # 1,000,000 generated cases, CSV
    python benchmarks/batch.py --n 200000 --format parquet
    python benchmarks/batch.py --input cases.csv     # an existing file

Every measurement runs in its own subprocess, so its peak memory (``ru_maxrss`` from
``os.wait4``) is its own and imports are counted where they are paid:

- pyarrow read only: stream the file's record batches and do nothing with them (CSV: every
  column as text, which is how the batch reads it; also ``read_csv`` with type inference);
- vcfgraph batch: ``python -m vcfgraph batch INPUT -o OUTPUT --quiet``, end to end (start-up,
  reading, validating, routing, writing);
- trace loop: ``check_facts`` + ``engine.trace`` per case on a sample (the rows read first, not
  timed).

Prints rows per second, peak memory, and the ratios against the goals (batch at least a third of
the read-only rate, at least 20 times the trace loop, peak memory under 1.5 GB). Goals are
reported, not asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

HERE = Path(__file__).resolve().parent

READ_CSV_STREAM = """
import sys, pyarrow as pa, pyarrow.csv as c, csv
path = sys.argv[1]
names = next(csv.reader(open(path, newline="", encoding="utf-8-sig")))
n = 0
for b in c.open_csv(path, convert_options=c.ConvertOptions(column_types={k: pa.string() for k in names})):
    n += b.num_rows
print(n)
"""
READ_CSV_TYPED = """
import sys, pyarrow.csv as c
print(c.read_csv(sys.argv[1]).num_rows)
"""
READ_PARQUET = """
import sys, pyarrow.parquet as pq
n = 0
for b in pq.ParquetFile(sys.argv[1]).iter_batches():
    n += b.num_rows
print(n)
"""
READ_JSONL = """
import sys, pyarrow.json as j
print(j.read_json(sys.argv[1]).num_rows)
"""
TRACE_LOOP = """
import sys, time, json
from vcfgraph.batch.io import open_input
from vcfgraph.batch.columns import ColumnCoder
from vcfgraph.engine import trace
from vcfgraph.errors import CaseError, RouteError
from vcfgraph.load import check_facts, load_pathway, parse_fact_value
from vcfgraph.model import Case
pathway = load_pathway()
sample = int(sys.argv[2])
rows = []
for chunk in open_input(sys.argv[1], sample).chunks():
    names = [k for k in chunk.columns if k != "case_id" and pathway.has_fact(k)]
    values = {k: (chunk.columns[k] if isinstance(chunk.columns[k], list) else chunk.columns[k].to_pylist()) for k in names}
    for i in range(min(chunk.n, sample - len(rows))):
        rows.append({k: values[k][i] for k in names})
    if len(rows) >= sample:
        break
text = open_input(sys.argv[1]).format == "csv"
start = time.perf_counter()
done = 0
for i, raw in enumerate(rows):
    try:
        if text:
            raw = {k: parse_fact_value(pathway.fact(k), v) if v is not None else None for k, v in raw.items()}
        facts = check_facts(pathway, raw)
        trace(pathway, Case(str(i), facts))
    except (CaseError, RouteError):
        pass
    done += 1
print(json.dumps({"rows": done, "seconds": time.perf_counter() - start}))
"""


def measure_child(args: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, int, str]:
    """Run a command and read its own peak memory with wait4; ``ok`` are the accepted exit codes."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.read() if proc.stdout else b""
    err = proc.stderr.read() if proc.stderr else b""
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(args)} failed with exit code {proc.returncode}:\n{err.decode()}")
    return seconds, usage.ru_maxrss // 1024, out.decode()


def _format_of(path: Path) -> str:
    return {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}[path.suffix.lower()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="cases to generate (default 1,000,000)")
    parser.add_argument("--format", choices=("csv", "parquet", "jsonl"), default="csv")
    parser.add_argument("--input", type=Path, default=None, help="use this file instead of generating one")
    parser.add_argument("--output-format", choices=("csv", "parquet", "jsonl"), default=None,
                        help="format of the batch output (default: the input's)")
    parser.add_argument("--sample", type=int, default=5000, help="cases in the trace loop (default 5,000)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="vcfgraph-bench-") as tmp:
        source = args.input
        if source is None:
            source = Path(tmp) / f"cases.{args.format}"
            print(f"generating {args.n:,} cases -> {source.name} ...", file=sys.stderr)
            subprocess.run([py, str(HERE / "generate_cases.py"), str(args.n), "-o", str(source),
                            "--seed", str(args.seed)], check=True)
        kind = _format_of(source)
        target = Path(tmp) / f"results.{args.output_format or kind}"
        readers = {"csv": [("pyarrow open_csv, streamed as text", READ_CSV_STREAM),
                           ("pyarrow read_csv, typed, whole file", READ_CSV_TYPED)],
                   "parquet": [("pyarrow ParquetFile.iter_batches", READ_PARQUET)],
                   "jsonl": [("pyarrow read_json, whole file", READ_JSONL)]}[kind]
        results = []
        rows = 0
        for name, code in readers:
            seconds, peak, out = measure_child([py, "-c", code, str(source)])
            rows = int(out.strip())
            results.append((name, seconds, rows, peak))
        seconds, peak, _out = measure_child([py, "-m", "vcfgraph", "batch", str(source), "-o", str(target), "--quiet"],
                                            ok=(0, 1))
        results.append(("vcfgraph batch, end to end", seconds, rows, peak))
        batch_seconds, batch_peak = seconds, peak
        seconds, peak, out = measure_child([py, "-c", TRACE_LOOP, str(source), str(args.sample)])
        loop = json.loads(out)
        results.append((f"trace loop, sample of {loop['rows']:,}", loop["seconds"], loop["rows"], peak))
        size = source.stat().st_size / 1e6
    print(f"input: {rows:,} rows, {size:.1f} MB ({kind}); output: {target.suffix[1:]}; "
          f"{os.cpu_count()} CPUs; python {sys.version.split()[0]}")
    print(f"{'measurement':40} {'seconds':>9} {'rows/s':>12} {'peak MB':>8}")
    for name, seconds, n, peak in results:
        print(f"{name:40} {seconds:9.2f} {n / seconds:12,.0f} {peak:8,}")
    batch_rate = rows / batch_seconds
    fastest_read = max(n / s for name, s, n, _p in results if name.startswith("pyarrow"))
    loop_rate = loop["rows"] / loop["seconds"]
    print(f"batch / fastest read-only rate: {batch_rate / fastest_read:.2f} (goal >= 0.33)")
    for name, s, n, _p in results:
        if name.startswith("pyarrow"):
            print(f"  against {name}: {batch_rate / (n / s):.2f}")
    print(f"batch / trace loop: {batch_rate / loop_rate:.1f}x (goal >= 20x)")
    print(f"batch peak memory: {batch_peak:,} MB (goal < 1,500 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
