"""How long reading takes: today's loader (a git revision, default ``main``) against this one, in
the same run, on generated pathways and a generated case file. Printed, not asserted.

    .venv/bin/python benchmarks/load.py                       # 10,000 and 50,000 nodes, 30,000 cases
    .venv/bin/python benchmarks/load.py --sizes 1000 --cases 1000 --baseline main

Each measurement runs in a fresh process (so that its peak memory is its own) with the cache
off, except "warm", which reads the pathway once and times the second read from the tree cache.
"load + check" adds ``vcfgraph.analysis.checker`` on the pathway read. Times are wall-clock and
CPU seconds: on a shared machine the CPU time is the steadier figure. Ratios are baseline / new.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_pathway import raw_pathway  # noqa: E402

_CHILD = r"""
import json, os, sys, time
kind, path = sys.argv[1], sys.argv[2]
from vcfgraph.io.load import load_cases, load_pathway
t0, c0 = time.perf_counter(), time.process_time()
if kind == "pathway":
    load_pathway(path, cache=False)
elif kind == "warm":
    load_pathway(path, cache=True)
    t0, c0 = time.perf_counter(), time.process_time()
    load_pathway(path, cache=True)
elif kind == "check":
    from vcfgraph.analysis.checker import verify
    verify(load_pathway(path, cache=False))
else:
    load_cases(load_pathway(cache=False), path)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
# VmHWM, not ru_maxrss: the latter keeps the high-water mark of the forked parent across exec
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"wall": wall, "cpu": cpu, "peak_mb": peak / 1024}))
"""


def _baseline(rev: str, folder: Path) -> Path:
    """A copy of the package at ``rev`` (``git archive``), to import today's loader from."""
    data = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "vcfgraph", "graphs"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def _measure(src: Path, kind: str, path: Path, cache: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src), "VCFGRAPH_CACHE": str(cache) if kind == "warm" else "off"}
    done = subprocess.run([sys.executable, "-c", _CHILD, kind, str(path)], env=env, capture_output=True, text=True, cwd=src)
    if done.returncode != 0:
        raise SystemExit(f"{kind} {path.name} failed under {src}:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def _cases_file(count: int, path: Path, seed: int = 7) -> None:
    """``count`` cases over the bundled pathway's facts, each with a few known values."""
    sys.path.insert(0, str(ROOT))
    from vcfgraph.io.load import load_pathway

    facts = load_pathway(cache=False).facts
    rng = random.Random(seed)
    cases = []
    for i in range(count):
        chosen = rng.sample(facts, 8)
        values = {}
        for f in chosen:
            if f.type == "bool":
                values[f.name] = rng.random() < 0.5
            elif f.type == "enum":
                values[f.name] = rng.choice(f.values)
            else:
                values[f.name] = rng.randint(f.min, f.max)
        cases.append({"id": f"case_{i:06d}", "description": f"Generated case {i}", "facts": values})
    path.write_text(yaml.dump({"cases": cases}, Dumper=yaml.CSafeDumper, sort_keys=False, width=200))


def _line(label: str, old: dict[str, float] | None, new: dict[str, float]) -> str:
    def cell(m: dict[str, float] | None) -> str:
        return "-" if m is None else f"{m['wall']:7.2f} s {m['cpu']:7.2f} cpu {m['peak_mb']:6.0f} MB"

    ratio = f"{old['wall'] / new['wall']:6.1f}x {old['cpu'] / new['cpu']:6.1f}x" if old else "-"
    return f"{label:<26} {cell(old):<36} {cell(new):<36} {ratio}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 50_000])
    ap.add_argument("--cases", type=int, default=30_000)
    ap.add_argument("--baseline", default="main", help="git revision of today's loader (default: main)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vcfgraph-bench-") as tmp:
        work = Path(tmp)
        old_src = _baseline(args.baseline, work / "baseline")
        files = []
        for n in args.sizes:
            path = work / f"pathway-{n}.yaml"
            path.write_text(yaml.dump(raw_pathway(n), Dumper=yaml.CSafeDumper, sort_keys=False, width=200))
            files.append((f"{n:,} nodes", path))
        print(f"{'':<26} {'baseline (' + args.baseline + ')':<36} {'this tree':<36} ratio (wall, cpu)")
        for label, path in files:
            print(_line(f"load {label}", _measure(old_src, "pathway", path, work / "c0"), _measure(ROOT, "pathway", path, work / "c1")), flush=True)
            print(_line(f"load {label}, warm cache", None, _measure(ROOT, "warm", path, work / "c2")), flush=True)
            print(_line(f"load + check {label}", _measure(old_src, "check", path, work / "c0"), _measure(ROOT, "check", path, work / "c1")), flush=True)
        if args.cases:
            path = work / "cases.yaml"
            _cases_file(args.cases, path)
            print(_line(f"{args.cases:,} cases (YAML)", _measure(old_src, "cases", path, work / "c0"), _measure(ROOT, "cases", path, work / "c1")), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
