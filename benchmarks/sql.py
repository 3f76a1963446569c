"""Benchmark the SQL export in DuckDB against ``vcfgraph batch`` on the same generated rows.

    python benchmarks/sql.py                          # 1,000,000 generated cases, Parquet
    python benchmarks/sql.py --n 200000 --format csv  # CSV read as text by both

The cases come from benchmarks/generate_cases.py (1% of the rows with one invalid value). Each
side runs in its own process, end to end, and writes Parquet:

- vcfgraph batch: ``python -m vcfgraph batch INPUT -o OUTPUT --quiet``;
- the SQL export in DuckDB: ``vcfgraph export --to sql`` is generated first (not timed; its time
  is printed), then a process imports duckdb, makes ``cases`` a view of the input file (CSV with
  every column as text, as the batch reads it) and copies the query's result to Parquet.

Then the two outputs are joined on case_id inside DuckDB and every row is compared: outcome,
terminal, missing and the four lists, and the error of a route error; an invalid row must be
invalid on both sides (its message may lack the batch's did-you-mean hint: counted apart). The
wall and CPU times, their ratios, each side's peak memory and the load average are printed; nothing is
asserted (tests/test_benchmarks.py runs it on a few hundred rows).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

HERE = Path(__file__).resolve().parent

RUN_SQL = """
import sys, duckdb
query, source, target, kind = sys.argv[1:5]
con = duckdb.connect()
read = f"read_csv('{source}', all_varchar = true, header = true)" if kind == "csv" else f"read_parquet('{source}')"
con.execute(f"CREATE VIEW cases AS SELECT * FROM {read}")
sql = open(query, encoding="utf-8").read().rstrip().rstrip(";")
con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet)")
"""

LISTS = ("missing", "usually_appropriate", "may_be_appropriate", "usually_not_appropriate", "contraindicated")

COMPARE = """
SELECT
  count(*) AS rows,
  count(*) FILTER (WHERE b.case_id IS NULL OR s.case_id IS NULL) AS unmatched,
  count(*) FILTER (WHERE b.outcome IS DISTINCT FROM s.outcome OR b.terminal IS DISTINCT FROM s.terminal
                   OR {lists} OR (b.outcome = 'route_error' AND b.error IS DISTINCT FROM s.error)) AS differ,
  count(*) FILTER (WHERE b.outcome = 'invalid') AS invalid,
  count(*) FILTER (WHERE b.outcome = 'invalid' AND s.error IS DISTINCT FROM
                   regexp_replace(b.error, '; did you mean ''[^'']*''[?]', '', 'g')) AS messages_differ
FROM read_parquet('{batch}') AS b FULL JOIN read_parquet('{sql}') AS s ON b.case_id = s.case_id
"""


def measure_child(args: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, float, int]:
    """Run a command: its wall time, its CPU time (user + system, every thread) and peak memory
    in MB, from ``os.wait4``. CPU time says what the work costs on a busy machine; wall time
    depends on who else runs."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tempfile.gettempdir())
    err = proc.stderr.read() if proc.stderr else b""
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        raise SystemExit(f"{' '.join(args)} failed with exit code {code}:\n{err.decode()}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def _generate(n: int, kind: str, folder: Path, seed: int) -> Path:
    source = folder / f"sql-cases-{n}-{seed}.{kind}"
    if not source.exists():
        print(f"generating {n:,} cases -> {source} ...", file=sys.stderr)
        subprocess.run([sys.executable, str(HERE / "generate_cases.py"), str(n), "-o", str(source), "--seed", str(seed)],
                       check=True, stdout=subprocess.DEVNULL)
    return source


def compare(batch_out: Path, sql_out: Path) -> dict[str, int]:
    """Row counts of the comparison (rows, unmatched, differ, invalid, messages_differ)."""
    import duckdb

    lists = " OR ".join(f"coalesce(array_to_string(b.{name}, ';'), '') <> s.{name}" for name in LISTS)
    con = duckdb.connect()
    found = con.execute(COMPARE.format(lists=lists, batch=batch_out, sql=sql_out))
    names = [d[0] for d in found.description]
    return dict(zip(names, found.fetchone()))


def run(n: int, kind: str, seed: int, folder: Path) -> None:
    py = sys.executable
    source = _generate(n, kind, folder, seed)
    query = folder / "route.sql"
    start = time.perf_counter()
    subprocess.run([py, "-m", "vcfgraph", "export", "--to", "sql", "-o", str(query)], check=True,
                   stdout=subprocess.DEVNULL, cwd=tempfile.gettempdir())
    export_s = time.perf_counter() - start
    batch_out, sql_out = folder / "batch-out.parquet", folder / "sql-out.parquet"
    load_before = os.getloadavg()
    batch_s, batch_cpu, batch_mb = measure_child(
        [py, "-m", "vcfgraph", "batch", str(source), "-o", str(batch_out), "--quiet"], ok=(0, 1))
    sql_s, sql_cpu, sql_mb = measure_child([py, "-c", RUN_SQL, str(query), str(source), str(sql_out), kind])
    load_after = os.getloadavg()
    found = compare(batch_out, sql_out)
    print(f"{n:,} generated cases ({kind}), one run each; {os.cpu_count()} CPUs; python {sys.version.split()[0]}")
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    print(f"vcfgraph export --to sql: {export_s:.2f} s (the query, {query.stat().st_size:,} bytes)")
    print("| side | wall s | rows/s (wall) | CPU s | peak MB |\n|---|---:|---:|---:|---:|")
    print(f"| vcfgraph batch | {batch_s:.2f} | {n / batch_s:,.0f} | {batch_cpu:.2f} | {batch_mb:,} |")
    print(f"| SQL export in DuckDB | {sql_s:.2f} | {n / sql_s:,.0f} | {sql_cpu:.2f} | {sql_mb:,} |")
    print(f"SQL / batch wall time: {sql_s / batch_s:.2f}, CPU time: {sql_cpu / batch_cpu:.2f} (below 1: the SQL is faster)")
    print(f"rows compared: {found['rows']:,}; unmatched: {found['unmatched']}; "
          f"{found['differ']} rows differ (outcome, terminal, missing, lists, route errors)")
    print(f"invalid rows: {found['invalid']:,}; their message differs from the batch's (did-you-mean hint "
          f"removed): {found['messages_differ']}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="generated cases (default 1,000,000)")
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="the input file's format")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None, help="folder for the files (default: a temporary one)")
    args = parser.parse_args(argv)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        run(args.n, args.format, args.seed, args.keep)
        return 0
    with tempfile.TemporaryDirectory(prefix="vcfgraph-sql-bench-") as folder:
        run(args.n, args.format, args.seed, Path(folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
