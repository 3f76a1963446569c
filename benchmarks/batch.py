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

With ``--compare``, every format (JSON Lines twice: invalid values of the column's type, and of
other types) is measured in one run against pyarrow's read-only rate and the peers of
benchmarks/batch_peers.py, built from the pathway (its ``unknown:`` policies included), which
validate, route and write the columns vcfgraph writes: DuckDB, and Polars when it is installed
(``pip install 'vcfgraph[bench]'``). In its first round each peer's output is checked against
vcfgraph's, row by row, on every row vcfgraph found valid; a peer that disagrees is reported
("N rows differ"), not timed. ``--baseline`` adds another checkout (vcfgraph before), whose
output must be byte-identical. The load average is printed with the table.

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
    """Generated cases. ``jsonl``: invalid values of the column's type, as Parquet has them, so
    that pyarrow's JSON reader can read the file whole (its read-only rate); ``jsonl-mixed``: the
    generator's own JSON Lines, whose invalid values are of other types (text for a number)."""
    typed = kind == "jsonl"
    ext = "jsonl" if kind.startswith("jsonl") else kind
    source = folder / f"cases-{n}{'-typed' if typed else ''}.{ext}"
    if not source.exists():
        print(f"generating {n:,} cases -> {source.name} ...", file=sys.stderr)
        subprocess.run([sys.executable, str(HERE / "generate_cases.py"), str(n), "-o", str(source),
                        "--seed", str(seed)] + (["--typed-invalid"] if typed else []),
                       check=True, stdout=subprocess.DEVNULL)
    return source


def read_routes(path: Path) -> tuple[list, list, list]:
    """The ``outcome``, ``terminal`` and whether ``error`` is empty, per row, of a batch output."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.json as pjson
    import pyarrow.parquet as pq

    names = ["outcome", "terminal", "error"]
    kind = _format_of(path)
    if kind == "csv":
        table = pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(
            include_columns=names, column_types={n: pa.string() for n in names}, strings_can_be_null=True))
    elif kind == "parquet":
        table = pq.read_table(path, columns=names)
    else:
        table = pjson.read_json(path, read_options=pjson.ReadOptions(block_size=1 << 24)).select(names)
    error = table.column("error").cast(pa.string())
    return (table.column("outcome").to_pylist(), table.column("terminal").cast(pa.string()).to_pylist(),
            [e is None or e == "" for e in error.to_pylist()])


def route_check(ours: Path, theirs: Path) -> tuple[int, int, int]:
    """(rows vcfgraph found valid whose outcome or terminal differ in the peer's output, rows
    whose validity differs, rows vcfgraph found valid); a different row count: every row differs."""
    o_out, o_term, o_ok = read_routes(ours)
    t_out, t_term, t_ok = read_routes(theirs)
    if len(o_out) != len(t_out):
        return len(o_out), len(o_out), sum(o_ok)
    routes = sum(1 for k in range(len(o_out))
                 if o_ok[k] and (o_out[k], o_term[k] or None) != (t_out[k], t_term[k] or None))
    validity = sum(1 for a, b in zip(o_ok, t_ok) if a != b)
    return routes, validity, sum(o_ok)


def _median(values: list[float]) -> float:
    import statistics

    return statistics.median(values)


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def _try(args: list[str], env: dict[str, str] | None = None, ok: tuple[int, ...] = (0,)
         ) -> tuple[float, int, str] | str:
    """A measured run, or why it failed (its last line of error output)."""
    try:
        return measure_child(args, ok=ok, env=env)
    except SystemExit as exc:
        lines = [line for line in str(exc).splitlines() if line.strip()]
        return lines[-1][:120] if lines else "failed"


def compare(n: int, kinds: Sequence[str], rounds: int, seed: int, folder: Path, baseline: Path | None = None,
            wanted: Sequence[str] = ("duckdb", "polars")) -> None:
    """The issue's table: pyarrow read-only, the peers, vcfgraph (and a baseline checkout), per
    format, medians of interleaved rounds; each peer's routes are checked against vcfgraph's
    on every valid row in its first round, and a peer that disagrees is reported, not timed."""
    py = sys.executable
    peers = [p for p in wanted if _has(p)]
    missing = [p for p in wanted if p not in peers]
    if missing:
        print(f"({', '.join(missing)} not installed: pip install {' '.join(missing)} to add them as peers)")
    load_before = _load()
    lines = []
    for kind in kinds:
        source = _generate(n, kind, folder, seed)
        ext = source.suffix
        target = {name: folder / f"out-{name}{ext}" for name in ["vcfgraph", "baseline"] + peers}
        batch = [py, "-m", "vcfgraph", "batch", str(source), "--quiet", "-o"]
        plan: list[tuple[str, list[str], dict[str, str] | None, tuple[int, ...]]] = [
            ("read-only", [py, "-c", READERS[kind.split("-")[0]], str(source)], None, (0,)),
            ("vcfgraph", batch + [str(target["vcfgraph"])], None, (0, 1))]
        if baseline is not None:  # another checkout of vcfgraph (e.g. main), on the same file
            plan.append(("baseline", batch + [str(target["baseline"])], dict(os.environ, PYTHONPATH=str(baseline)),
                         (0, 1)))
        plan += [(peer, [py, str(HERE / "batch_peers.py"), peer, str(source), str(target[peer])], None, (0,))
                 for peer in peers]
        runs: dict[str, list[float]] = {}
        peaks: dict[str, int] = {}
        verdict: dict[str, str] = {}
        for _round in range(rounds):  # interleaved, so that a busy moment of the machine hits every one
            for name, args, env, ok in plan:
                if name in verdict and not verdict[name].startswith("0 rows differ"):
                    continue
                got = _try(args, env, ok)
                if isinstance(got, str):
                    verdict[name] = f"failed: {got}"
                    continue
                runs.setdefault(name, []).append(got[0])
                peaks[name] = max(peaks.get(name, 0), got[1])
            if _round == 0:  # the same run's outputs: every peer's routes against vcfgraph's
                for name in peers:
                    if name not in verdict:
                        routes, validity, valid = json.loads(measure_child(  # in a child: the parent stays
                            [py, str(HERE / "batch.py"), "--route-check", str(target["vcfgraph"]), str(target[name])]
                        )[2])  # small, and children forked from it report their own peak memory, not its
                        verdict[name] = (f"0 rows differ (of {valid:,} valid)" if routes == validity == 0 else
                                         f"{routes:,} rows differ in route, {validity:,} in validity")
                if baseline is not None and "baseline" not in verdict:
                    same = target["baseline"].read_bytes() == target["vcfgraph"].read_bytes()
                    verdict["baseline"] = "output byte-identical" if same else "OUTPUT DIFFERS"
        for name in verdict:
            if not verdict[name].startswith(("0 rows", "output byte")):
                runs.pop(name, None)
        rate = {name: n / _median(times) for name, times in runs.items()}
        lines.append((kind, rate, peaks, verdict))
    print(f"\n{n:,} generated cases, medians of {rounds} interleaved round(s); {os.cpu_count()} CPUs; "
          f"python {sys.version.split()[0]}; load average {load_before} before, {_load()} after")
    names = ["read-only"] + peers + (["baseline"] if baseline is not None else []) + ["vcfgraph"]
    heads = {"read-only": "pyarrow read-only", "duckdb": "DuckDB peer", "polars": "Polars peer",
             "baseline": "vcfgraph before", "vcfgraph": "vcfgraph"}
    print("| format | " + " | ".join(f"{heads[k]} rows/s (peak MB)" for k in names) + " | vcfgraph / DuckDB |")
    print("|---|" + "---:|" * (len(names) + 1))
    for kind, rate, peaks, verdict in lines:
        cells = [f"{rate[k] / 1000:,.0f}k ({peaks[k]:,})" if k in rate else verdict.get(k, "n/a") for k in names]
        ratio = f"{rate['vcfgraph'] / rate['duckdb']:.2f}" if "duckdb" in rate and "vcfgraph" in rate else "n/a"
        print(f"| {kind} | " + " | ".join(cells) + f" | {ratio} |")
    print("\nroute checks (each peer's outcome and terminal against vcfgraph's, every row vcfgraph found valid):")
    for kind, _rate, _peaks, verdict in lines:
        print(f"  {kind}: " + "; ".join(f"{heads[k]} {v}" for k, v in verdict.items()))


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
    parser.add_argument("--formats", default="csv,parquet,jsonl,jsonl-mixed",
                        help="with --compare: these formats (jsonl: invalid values of the column's type; "
                             "jsonl-mixed: of other types)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds for --compare / --startup")
    parser.add_argument("--startup", action="store_true", help="time a 10-row batch and a warm trace")
    parser.add_argument("--memory", default=None, metavar="N1,N2",
                        help="peak memory of CSV batches of these sizes, e.g. 1000000,5000000")
    parser.add_argument("--keep", type=Path, default=None, help="keep generated inputs in this folder")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="with --compare: also time the vcfgraph checked out in this folder (e.g. main)")
    parser.add_argument("--peers", default="duckdb,polars",
                        help="with --compare: the peers to run (default duckdb,polars; each when installed)")
    parser.add_argument("--route-check", nargs=2, type=Path, default=None, metavar=("OURS", "THEIRS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.route_check is not None:
        print(json.dumps(route_check(*args.route_check)))
        return 0
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
                compare(args.n, args.formats.split(","), args.rounds, args.seed, folder, args.baseline,
                        [p for p in args.peers.split(",") if p])
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
