"""Where a batch's time goes, stage by stage: the floors behind the issue-16 ratios.

    python benchmarks/batch_stages.py                      # 1,000,000 generated cases, every format
    python benchmarks/batch_stages.py --n 200000 --formats csv,parquet
    python benchmarks/batch_stages.py --keep /tmp/cases    # keep (and reuse) the generated inputs

For each format, in a fresh process each (medians of ``--rounds``):

- **start-up floor**: ``python -c "import numpy, pyarrow, pyarrow.compute"``, the imports no
  batch can do without, and a 10-row ``vcfgraph batch`` end to end;
- **stages, one after the other** (no read-ahead or write-behind threads): imports, reading the
  file into chunks (``open_input``), validating and coding the facts (``BatchJob._codes``),
  routing (``Evaluator.run``), assembling the rest of ``BatchJob.process`` (result columns,
  errors, counts), writing (``open_output``); their sum is what the batch would cost on one core;
- **pyarrow read-only**: the same reader as ``benchmarks/batch.py`` uses for its ratio (none for
  ``jsonl-mixed``, which pyarrow cannot read whole); for JSON Lines also the read stage of the
  line reader of before (:mod:`vcfgraph.batch.jsonl`) beside DuckDB's (:mod:`vcfgraph.batch.duck`);
- **vcfgraph batch**, end to end, with its threads.

The last line per format is the wall time the ratio goal allows (``--goal`` times the read-only
time, as rows per second), set against what no overlap can beat: start-up plus reading (the
reader is one thread), start-up plus writing, and start-up plus the other stages shared out
perfectly over every core. Nothing is asserted: the numbers are for people.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Sequence

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from batch import READERS, _generate, _load, _try, measure_child  # noqa: E402

IMPORT_FLOOR = "import numpy, pyarrow, pyarrow.compute"
STAGES = """
import json, sys, time
start = time.perf_counter()
from vcfgraph.batch.compile import compile_pathway
from vcfgraph.batch.readers import file_format, open_input
from vcfgraph.batch.run import CASE_ID, BatchJob, input_fields
from vcfgraph.batch.writer import open_output
from vcfgraph.io.load import load_pathway
imports = time.perf_counter() - start
source, target = sys.argv[1], sys.argv[2]
import vcfgraph.batch.readers as readers
readers.JSONL_READER = sys.argv[3]
pathway = load_pathway()
kind = file_format(target)
job = BatchJob(compile_pathway(pathway), None, lists_as_text=kind == "csv", dictionary=kind != "parquet")
reader = open_input(source, 131072, input_fields(pathway), frozenset([CASE_ID]))
reader.first_columns()
writer = open_output(target, job.schema)
read = process = write = 0.0
spent = {"code": 0.0, "route": 0.0}


def timed(name, function):
    def run(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - t0
    return run


job._codes = timed("code", job._codes)  # validate and code the facts
job.evaluator.run = timed("route", job.evaluator.run)
chunks = reader.chunks()
while True:
    t0 = time.perf_counter()
    chunk = next(chunks, None)
    t1 = time.perf_counter()
    read += t1 - t0
    if chunk is None:
        break
    table, _tally = job.process(chunk)
    t2 = time.perf_counter()
    writer.write(table)
    process, write = process + t2 - t1, write + time.perf_counter() - t2
t0 = time.perf_counter()
writer.commit()
write += time.perf_counter() - t0
print(json.dumps({"imports": imports, "read": read, "code": spent["code"], "route": spent["route"],
                  "assemble": process - spent["code"] - spent["route"], "process": process, "write": write}))
"""


def _median(values: Sequence[float]) -> float:
    return statistics.median(values)


def stages(n: int, kinds: Sequence[str], rounds: int, seed: int, folder: Path, goal: float,
           line_reader: bool = True) -> None:
    py = sys.executable
    floor = _median([measure_child([py, "-c", IMPORT_FLOOR])[0] for _ in range(max(rounds, 5))])
    ten = _generate(10, "csv", folder, 1)
    small = _median([measure_child([py, "-m", "vcfgraph", "batch", str(ten), "-o", str(folder / "ten.csv"),
                                    "--quiet"], ok=(0, 1))[0] for _ in range(max(rounds, 5))])
    print(f"start-up: '{IMPORT_FLOOR}' {floor:.3f} s wall; a 10-row batch {small:.3f} s (goal < 0.3 s)")
    for kind in kinds:
        source = _generate(n, kind, folder, seed)
        target = folder / f"stages-out{source.suffix}"
        parts: dict[str, list[float]] = {}
        for _round in range(rounds):
            _s, _p, out = measure_child([py, "-c", STAGES, str(source), str(target), "duckdb"])
            for name, seconds in json.loads(out).items():
                parts.setdefault(name, []).append(seconds)
            if kind.startswith("jsonl") and line_reader:  # the line reader of before, for its read time
                _s, _p, out = measure_child([py, "-c", STAGES, str(source), str(target), "arrow"])
                parts.setdefault("read by the line reader", []).append(json.loads(out)["read"])
            only = _try([py, "-c", READERS[kind.split("-")[0]], str(source)])
            parts.setdefault("read-only", []).append(only[0] if not isinstance(only, str) else float("nan"))
            parts.setdefault("batch", []).append(measure_child(
                [py, "-m", "vcfgraph", "batch", str(source), "-o", str(target), "--quiet"], ok=(0, 1))[0])
        m = {name: _median(times) for name, times in parts.items()}
        serial = m["imports"] + m["read"] + m["process"] + m["write"]
        allowed = m["read-only"] / goal
        print(f"\n{kind} -> {kind}, {n:,} rows, medians of {rounds}; load average {_load()}:")
        print(f"  stages one after the other: imports {m['imports']:.2f} s, read {m['read']:.2f}, "
              f"validate/code {m['code']:.2f}, route {m['route']:.2f}, assemble {m['assemble']:.2f}, "
              f"write {m['write']:.2f}; sum {serial:.2f} s"
              + (f" (read by the line reader of before: {m['read by the line reader']:.2f} s)"
                 if "read by the line reader" in m else ""))
        print(f"  pyarrow read-only {m['read-only']:.2f} s wall; vcfgraph batch {m['batch']:.2f} s wall "
              f"(ratio {m['read-only'] / m['batch']:.2f})")
        cores = os.cpu_count() or 1
        spread = m["imports"] + (m["read"] + m["process"] + m["write"]) / cores
        print(f"  a ratio of {goal:.2f} allows {allowed:.2f} s; start-up + read alone is "
              f"{floor + m['read']:.2f} s, start-up + write alone {floor + m['write']:.2f} s; imports + the other "
              f"stages spread perfectly over {cores} cores {spread:.2f} s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="cases to generate (default 1,000,000)")
    parser.add_argument("--formats", default="csv,parquet,jsonl,jsonl-mixed")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--goal", type=float, default=0.5, help="the ratio to set the stages against (default 0.5)")
    parser.add_argument("--keep", type=Path, default=None, help="keep generated inputs in this folder")
    parser.add_argument("--no-line-reader", action="store_true",
                        help="JSON Lines: do not also time the read stage of the line reader of before")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vcfgraph-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        stages(args.n, args.formats.split(","), args.rounds, args.seed, folder, args.goal, not args.no_line_reader)
    return 0


if __name__ == "__main__":
    sys.exit(main())
