"""Benchmark vcfgraph batch against pyarrow's read-only rate and a per-case trace loop.

    python benchmarks/batch.py                       # 1,000,000 generated cases, CSV
    python benchmarks/batch.py --n 200000 --format parquet
    python benchmarks/batch.py --input cases.csv     # an existing file
    python benchmarks/batch.py --compare --n 1000000 # the issue-16 table: every format, with peers
    python benchmarks/batch.py --startup             # a 10-row batch and a warm trace, wall time
    python benchmarks/batch.py --memory 1000000,5000000   # CSV peak memory against input size

Every measurement runs in its own subprocess, so its peak memory (``ru_maxrss`` from
``os.wait4``) is its own and imports are counted where they are paid:

- pyarrow read only: stream the file's record batches and do nothing with them (CSV: every
  column as text, which is how the batch reads it; also ``read_csv`` with type inference);
- vcfgraph batch: ``python -m vcfgraph batch INPUT -o OUTPUT --quiet``, end to end (start-up,
  reading, validating, routing, writing);
- trace loop: ``check_facts`` + ``engine.trace`` per case on a sample (the rows read first, not
  timed).

With ``--compare``, every format is measured in one run against pyarrow's read-only rate and two
peers that route the same rows (benchmarks/batch_peers.py): a hand-written numpy router and one
DuckDB SQL ``CASE`` (DuckDB is optional: ``pip install 'vcfgraph[bench]'``).

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
from vcfgraph.batch.readers import open_input
from vcfgraph.batch.columns import ColumnCoder
from vcfgraph.engine import trace
from vcfgraph.errors import CaseError, RouteError
from vcfgraph.io.load import load_pathway
from vcfgraph.validate import check_facts, parse_fact_value
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


def measure_child(args: list[str], ok: tuple[int, ...] = (0,), env: dict[str, str] | None = None
                  ) -> tuple[float, int, str]:
    """Run a command and read its own peak memory with wait4; ``ok`` are the accepted exit codes."""
    start = time.perf_counter()
    # run in the temporary folder: a child started in a checkout would import
    # that checkout's vcfgraph (the current folder comes first on sys.path), whatever --baseline says
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tempfile.gettempdir())
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


READERS = {"csv": READ_CSV_STREAM, "parquet": READ_PARQUET, "jsonl": READ_JSONL}


def _generate(n: int, kind: str, folder: Path, seed: int) -> Path:
    """Generated cases; JSON Lines with invalid values of the column's type, as Parquet has them,
    so that pyarrow's JSON reader can read the file whole (its read-only rate)."""
    typed = kind == "jsonl"
    source = folder / f"cases-{n}{'-typed' if typed else ''}.{kind}"
    if not source.exists():
        print(f"generating {n:,} cases -> {source.name} ...", file=sys.stderr)
        subprocess.run([sys.executable, str(HERE / "generate_cases.py"), str(n), "-o", str(source),
                        "--seed", str(seed)] + (["--typed-invalid"] if typed else []),
                       check=True, stdout=subprocess.DEVNULL)
    return source


def _median(values: list[float]) -> float:
    import statistics

    return statistics.median(values)


def _has_duckdb() -> bool:
    import importlib.util

    return importlib.util.find_spec("duckdb") is not None


def compare(n: int, kinds: Sequence[str], rounds: int, seed: int, folder: Path, baseline: Path | None = None) -> None:
    """The issue's table: vcfgraph, pyarrow read-only and the peers, medians of interleaved rounds."""
    py = sys.executable
    peers = ["numpy"] + (["duckdb"] if _has_duckdb() else [])
    if "duckdb" not in peers:
        print("(DuckDB is not installed: pip install 'vcfgraph[bench]' to add it as a peer)")
    rows_out = []
    for kind in kinds:
        source = _generate(n, kind, folder, seed)
        target = folder / f"out.{kind}"
        runs: dict[str, list[float]] = {}
        peaks: dict[str, int] = {}
        for _round in range(rounds):  # interleaved, so that a busy moment of the machine hits every one
            batch = [py, "-m", "vcfgraph", "batch", str(source), "-o", str(target), "--quiet"]
            plan: list[tuple[str, list[str], dict[str, str] | None]] = [
                ("pyarrow read-only", [py, "-c", READERS[kind], str(source)], None), ("vcfgraph", batch, None)]
            if baseline is not None:  # another checkout of vcfgraph (e.g. main), on the same files
                env = dict(os.environ, PYTHONPATH=str(baseline))
                plan.append(("baseline", batch, env))
            plan += [(f"{peer} router", [py, str(HERE / "batch_peers.py"), peer, str(source), str(target)], None)
                     for peer in peers]
            for name, args, env in plan:  # only vcfgraph may exit 1 (route errors); a failed peer stops the run
                seconds, peak, _out = measure_child(args, ok=(0, 1) if args is batch else (0,), env=env)
                runs.setdefault(name, []).append(seconds)
                peaks[name] = max(peaks.get(name, 0), peak)
        rate = {name: n / _median(times) for name, times in runs.items()}
        best = max((name for name in rate if name.endswith("router")), key=lambda k: rate[k])
        rows_out.append((kind, rate, peaks, best))
    print(f"\n{n:,} generated cases, medians of {rounds} interleaved round(s); {os.cpu_count()} CPUs; "
          f"python {sys.version.split()[0]}")
    then = "| baseline rows/s | baseline / read-only | baseline peak MB " if baseline is not None else ""
    print(f"| format | vcfgraph rows/s | vcfgraph / pyarrow read-only | best peer in the same run | "
          f"all peers rows/s | vcfgraph peak MB {then}|")
    print("|---|---:|---:|---|---|---:|" + ("---:|---:|---:|" if baseline is not None else ""))
    for kind, rate, peaks, best in rows_out:
        others = ", ".join(f"{k} {rate[k] / 1000:,.0f}k" for k in rate if k.endswith("router"))
        old = (f" {rate['baseline'] / 1000:,.0f}k | {rate['baseline'] / rate['pyarrow read-only']:.2f} | "
               f"{peaks['baseline']:,} |") if baseline is not None else ""
        print(f"| {kind} → {kind} | {rate['vcfgraph'] / 1000:,.0f}k | {rate['vcfgraph'] / rate['pyarrow read-only']:.2f} "
              f"| {best} {rate[best] / 1000:,.0f}k ({rate['vcfgraph'] / rate[best]:.2f}x) | {others} "
              f"| {peaks['vcfgraph']:,} |{old}")
        print(f"|   (pyarrow read-only {rate['pyarrow read-only'] / 1000:,.0f}k rows/s) |||||||" if baseline is None
              else f"|   (pyarrow read-only {rate['pyarrow read-only'] / 1000:,.0f}k rows/s) ||||||||||")


def startup(folder: Path, rounds: int) -> None:
    """Wall time of a 10-row batch and of a warm ``trace`` (medians)."""
    py = sys.executable
    source = _generate(10, "csv", folder, 1)
    batch = [measure_child([py, "-m", "vcfgraph", "batch", str(source), "-o", str(folder / "ten.csv"), "--quiet"],
                           ok=(0, 1))[0] for _ in range(rounds)]
    trace = [measure_child([py, "-m", "vcfgraph", "trace", "--fact", "age=70"], ok=(0, 1))[0] for _ in range(rounds)]
    print(f"start-up: 10-row batch {_median(batch):.3f} s wall (goal < 0.3 s); warm trace {_median(trace):.3f} s "
          f"(medians of {rounds})")


def memory(sizes: Sequence[int], folder: Path, seed: int) -> None:
    """Peak memory of a CSV -> CSV batch at each size (the goal: flat, within 1.2x)."""
    py = sys.executable
    peaks = []
    for n in sizes:
        source = _generate(n, "csv", folder, seed)
        seconds, peak, _out = measure_child([py, "-m", "vcfgraph", "batch", str(source), "-o",
                                             str(folder / "mem.csv"), "--quiet"], ok=(0, 1))
        peaks.append(peak)
        print(f"CSV {n:>10,} rows: peak {peak:,} MB, {seconds:.1f} s")
    print(f"peak at {sizes[-1]:,} / peak at {sizes[0]:,}: {peaks[-1] / peaks[0]:.2f}x (goal <= 1.2x)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="cases to generate (default 1,000,000)")
    parser.add_argument("--format", choices=("csv", "parquet", "jsonl"), default="csv")
    parser.add_argument("--input", type=Path, default=None, help="use this file instead of generating one")
    parser.add_argument("--output-format", choices=("csv", "parquet", "jsonl"), default=None,
                        help="format of the batch output (default: the input's)")
    parser.add_argument("--sample", type=int, default=5000, help="cases in the trace loop (default 5,000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--compare", action="store_true",
                        help="print the issue-16 table for CSV, Parquet and JSON Lines: vcfgraph, pyarrow read-only, "
                             "the numpy router and DuckDB, in one run")
    parser.add_argument("--formats", default="csv,parquet,jsonl", help="with --compare: these formats")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds for --compare / --startup")
    parser.add_argument("--startup", action="store_true", help="time a 10-row batch and a warm trace")
    parser.add_argument("--memory", default=None, metavar="N1,N2",
                        help="peak memory of CSV batches of these sizes, e.g. 1000000,5000000")
    parser.add_argument("--keep", type=Path, default=None, help="keep generated inputs in this folder")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="with --compare: also time the vcfgraph checked out in this folder (e.g. main)")
    args = parser.parse_args(argv)
    if args.input is not None:
        args.input = args.input.resolve()  # children run in the temporary folder
    if args.compare or args.startup or args.memory:
        with tempfile.TemporaryDirectory(prefix="vcfgraph-bench-") as tmp:
            folder = args.keep or Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            if args.startup:
                startup(folder, max(args.rounds, 5))
            if args.memory:
                memory([int(x) for x in args.memory.split(",")], folder, args.seed)
            if args.compare:
                compare(args.n, args.formats.split(","), args.rounds, args.seed, folder, args.baseline)
        return 0
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
